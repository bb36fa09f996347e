/**
 * One self-contained HTML page per report: inline CSS, inline SVG, one inline script pinned by
 * hash in a Content-Security-Policy that forbids every network load, so the file works opened
 * from disk, from a CI artifact, or mailed around. A probe leads with where it failed and the
 * sequence diagram; scenarios get one section each.
 */
import { createHash } from 'node:crypto';
import type { AnyReport, CheckReport, Finding, ProbeReport, ScenarioResult, ScenarioRunReport, SweepReport, TraceEntry } from './model.js';
import { hiddenRemediesNote, shownRemedies } from './remedies-shown.js';
import { sanitizeReport } from './sanitize.js';
import { escapeHtml as esc } from './escape.js';
import { renderSequenceDiagram } from './diagram.js';
import { countScenarios, describeFailure, describeScenarioCounts, describeScenarioFailure, firstFailure, formatMs, formatSpans, scenarioState, sweepSpans, type ScenarioState } from './format.js';
import { SCRIPT, STYLE } from './html-style.js';

function anchor(prefix: string, id: string): string {
  return `${prefix}-${id.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '')}`;
}

const badge = (text: string, cls: string): string => `<span class="badge ${esc(cls)}">${esc(text)}</span>`;

function table(head: string[], rows: string[][]): string {
  const headCells = head.map((cell) => `<th>${esc(cell)}</th>`).join('');
  const body = rows.map((cells) => `<tr>${cells.map((cell) => `<td>${cell}</td>`).join('')}</tr>`).join('\n');
  return `<table><thead><tr>${headCells}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

function findingsHtml(findings: readonly Finding[]): string {
  if (findings.length === 0) return '<p>No findings.</p>';
  return findings
    .map((finding) => {
      const evidence = finding.evidence.length > 0 ? `<p><strong>Evidence</strong></p><pre>${esc(finding.evidence.join('\n'))}</pre>` : '';
      const products = new Map<string, Finding['remedies']>();
      for (const remedy of shownRemedies(finding)) products.set(remedy.product, [...(products.get(remedy.product) ?? []), remedy]);
      const hiddenNote = hiddenRemediesNote(finding);
      const remedies = [...products]
        .map(([product, items]) => {
          const list = items
            .map((remedy) => `<li>${esc(remedy.text)}${remedy.commands && remedy.commands.length > 0 ? `<pre>${esc(remedy.commands.join('\n'))}</pre>` : ''}</li>`)
            .join('');
          return `<div class="remedy-product">${esc(product)}</div><ul>${list}</ul>`;
        })
        .join('') + (hiddenNote ? `<p class="hidden-remedies">${esc(hiddenNote)}</p>` : '');
      return `<div class="finding ${esc(finding.severity)}"><h3>${badge(finding.severity, finding.severity)} <code>${esc(String(finding.code))}</code> ${esc(finding.title)}</h3>
<p>${esc(finding.explanation).replace(/\n/g, '<br>')}</p>${evidence}${remedies ? `<p><strong>Remedies</strong></p>${remedies}` : ''}</div>`;
    })
    .join('\n');
}

function transcriptHtml(report: ProbeReport, id: string): string {
  if (report.transcript.length === 0) return '';
  const sessions = [...new Set(report.transcript.map((line) => line.session))];
  const filter =
    sessions.length > 1
      ? `<div class="controls no-print"><label>Session <select data-transcript="${id}"><option value="">all</option>${sessions.map((session) => `<option>${esc(session)}</option>`).join('')}</select></label></div>`
      : '';
  const lines = report.transcript
    .map((line) => {
      const cls = line.direction === '>' ? 'd-out' : line.direction === '*' ? 'd-ev' : 'd-in';
      return `<div class="line ${cls}" data-session="${esc(line.session)}"><span class="t">${esc((line.t / 1000).toFixed(3).padStart(8))}</span> ${esc(line.session.padEnd(10))} ${esc(line.channel.padEnd(7))} ${esc(line.direction)} ${esc(line.text)}</div>`;
    })
    .join('');
  return `<details open class="transcript-block"><summary>Transcript (${report.transcript.length} lines)</summary>${filter}<pre class="transcript" id="${id}">${lines}</pre></details>`;
}

const LEGEND = `<div class="legend"><span><i style="background:var(--control)"></i>control connection</span><span><i style="background:var(--data)"></i>data connection</span><span><i style="background:var(--fail)"></i>failed connection (✗ where it died)</span><span><i style="background:var(--muted);height:1px"></i>control channel line</span></div>`;

/** Everything about one probe: where it failed, diagram, steps, findings, connections, transcript. */
function probeBody(report: ProbeReport, trace: readonly TraceEntry[], id: string, level: 2 | 3): string {
  const h = `h${level}`;
  const failed = firstFailure(report.connections);
  const callout = failed
    ? `<div class="callout">${esc(describeFailure(failed, trace))}</div>`
    : report.verdict === 'pass'
      ? '<div class="callout good">Every connection the probe made was answered.</div>'
      : '';
  const diagram = renderSequenceDiagram({ connections: report.connections, transcript: report.transcript, trace }, `Sequence diagram: ${report.target}`, id);
  const steps = table(
    ['Step', 'Mode', 'Result', 'Time', 'Detail'],
    report.steps.map((step) => [esc(step.name), esc(step.mode ? `${step.mode}${step.tls ? '+tls' : ''}` : step.tls ? 'tls' : ''), badge(step.result, step.result), `<span class="num">${esc(formatMs(step.durationMs))}</span>`, esc(step.detail)]),
  );
  const connections = table(
    ['At', 'Session', 'Purpose', 'From', 'To', 'Outcome', 'Decided by'],
    report.connections.map((event) => [`<span class="num">${esc(`+${formatMs(event.t)}`)}</span>`, esc(event.session), esc(event.purpose), `<code>${esc(event.from)}</code>`, `<code>${esc(event.to)}</code>`, esc(event.outcome), esc(event.decidedBy ?? '')]),
  );
  const traceTable =
    trace.length > 0
      ? `<${h}>Firewall and NAT trace</${h}>${table(['At', 'Hop', 'Connection', 'Decision', 'Rule'], trace.map((entry) => [`<span class="num">${esc(`+${formatMs(entry.t)}`)}</span>`, esc(entry.at), `<code>${esc(entry.connection)}</code>`, esc(entry.decision), esc(`${entry.rule}${entry.detail ? ` (${entry.detail})` : ''}`)]))}`
      : '';
  return [
    callout,
    `<${h}>Sequence</${h}><div class="figure">${diagram}</div>${LEGEND}`,
    `<${h}>Steps</${h}>${steps}`,
    `<${h}>Findings</${h}>${findingsHtml(report.findings)}`,
    report.connections.length > 0 ? `<${h}>Connections</${h}>${connections}` : '',
    traceTable,
    transcriptHtml(report, `${id}-transcript`),
  ].join('\n');
}

function probePage(report: ProbeReport): [string, string] {
  const header = `<h1>${badge(report.verdict, report.verdict)} Probe <code>${esc(report.target)}</code></h1><p class="meta">started ${esc(report.startedAt)}, ${esc(formatMs(report.durationMs))}, data connections sent to the ${report.addressPolicy === 'advertised' ? 'advertised address' : 'control peer'}</p>`;
  return [`ftp-doctor probe ${report.target}: ${report.verdict}`, `${header}\n${probeBody(report, [], 'probe', 2)}`];
}

const STATE_BADGE: Record<ScenarioState, [string, string, string]> = {
  // [short text for the summary, long text for the section, CSS class]
  met: ['met', 'expectation met', 'met'],
  unmet: ['unmet', 'expectation unmet', 'unmet'],
  error: ['tool error', 'tool error', 'tool-error'],
  skipped: ['skipped', 'skipped', 'skip'],
};

function scenarioSection(result: ScenarioResult): string {
  const id = anchor('scenario', result.id);
  const [, long, cls] = STATE_BADGE[scenarioState(result)];
  const heading = `<h2>${badge(long, cls)} ${esc(result.id)}: ${esc(result.title)}</h2>
<p>${esc(result.description).replace(/\n/g, '<br>')}</p>`;
  if (result.skipped !== undefined) {
    // Nothing ran: no probe to draw, only the reason.
    return `<section class="scenario" id="${id}">${heading}
<p class="meta">${esc(result.backend)} backend, from <code>${esc(result.source)}</code></p>
<div class="callout">Skipped: ${esc(result.skipped)}</div></section>`;
  }
  const expected = `${result.expected.verdict}, findings ${result.expected.findings.join(', ') || 'none'}${result.expected.failingStep ? `, failing step ${result.expected.failingStep}` : ''}`;
  const got = `${result.probe.verdict}, findings ${result.probe.findings.map((finding) => finding.code).join(', ') || 'none'}`;
  const mismatches = result.mismatches.length > 0 ? `<ul>${result.mismatches.map((mismatch) => `<li>${esc(mismatch)}</li>`).join('')}</ul>` : '';
  const error = result.error ? `<p><strong>The tool itself failed:</strong></p><pre>${esc(result.error)}</pre>` : '';
  const failure = result.failure ? `<p>Data channel failed at <strong>${esc(describeScenarioFailure(result.failure))}</strong>.</p>` : '';
  return `<section class="scenario" id="${id}">${heading}
<p class="meta">${esc(result.backend)} backend, ${esc(formatMs(result.durationMs))}, from <code>${esc(result.source)}</code></p>
${table(['', 'Verdict and findings'], [['expected', esc(expected)], ['got', esc(got)]])}${mismatches}${error}${failure}
${probeBody(result.probe, result.trace, id, 3)}</section>`;
}

function scenariosPage(report: ScenarioRunReport): [string, string] {
  const summary = table(
    ['Scenario', 'Expectation', 'Verdict', 'Data channel failed at'],
    report.results.map((result) => {
      const [short, , cls] = STATE_BADGE[scenarioState(result)];
      return [
        `<a href="#${anchor('scenario', result.id)}">${esc(result.id)}</a>`,
        badge(short, cls),
        result.skipped !== undefined ? '-' : badge(result.probe.verdict, result.probe.verdict),
        esc(result.skipped !== undefined ? `skipped: ${result.skipped}` : describeScenarioFailure(result.failure) || '-'),
      ];
    }),
  );
  const header = `<h1>${badge(report.verdict, report.verdict)} Scenarios</h1><p class="meta">${esc(describeScenarioCounts(countScenarios(report.results)))}; started ${esc(report.startedAt)}, ${esc(formatMs(report.durationMs))}</p>`;
  return [`ftp-doctor scenarios: ${report.verdict}`, `${header}\n${summary}\n${report.results.map(scenarioSection).join('\n')}`];
}

function sweepPage(report: SweepReport): [string, string] {
  const spans = sweepSpans(report);
  const size = Math.max(1, report.range.to - report.range.from + 1);
  const bar = spans
    .map((span) => `<div class="state-${esc(span.state)}" style="flex:${span.to - span.from + 1}" title="${esc(`${span.from}-${span.to} ${span.state}`)}"></div>`)
    .join('');
  const broken = report.ports.filter((port) => port.state !== 'open');
  const header = `<h1>${badge(report.verdict, report.verdict)} Sweep <code>${esc(report.target)}</code></h1><p class="meta">range ${report.range.from}-${report.range.to} by ${esc(report.method)}: tested ${report.tested} of ${size} ports; started ${esc(report.startedAt)}, ${esc(formatMs(report.durationMs))}</p>`;
  const body = [
    `<div class="callout${report.verdict === 'pass' ? ' good' : ''}">${esc(formatSpans(spans) || 'no ports tested')}</div>`,
    `<div class="portbar" role="img" aria-label="${esc(formatSpans(spans))}">${bar}</div>`,
    table(['Ports', 'State', 'Count'], spans.map((span) => [esc(span.from === span.to ? `${span.from}` : `${span.from}-${span.to}`), badge(span.state, span.state === 'open' ? 'ok' : 'fail'), String(span.to - span.from + 1)])),
    `<h2>Findings</h2>${findingsHtml(report.findings)}`,
    broken.length > 0 ? `<h2>Ports that failed</h2>${table(['Port', 'State', 'Detail'], broken.map((port) => [String(port.port), esc(port.state), esc(port.detail ?? '')]))}` : '',
  ];
  return [`ftp-doctor sweep ${report.target}: ${report.verdict}`, `${header}\n${body.join('\n')}`];
}

function checkPage(report: CheckReport): [string, string] {
  const header = `<h1>${badge(report.verdict, report.verdict)} Check</h1><p class="meta">started ${esc(report.startedAt)}, ${esc(formatMs(report.durationMs))}</p>`;
  const summary = table(
    ['Name', 'Target', 'Verdict', 'Failures'],
    report.targets.map((target) => [esc(target.name), `<code>${esc(target.target)}</code>`, badge(target.verdict, target.verdict), esc([...(target.error ? [`tool error: ${target.error}`] : []), ...target.failures].join('\n') || '-').replace(/\n/g, '<br>')]),
  );
  const details = report.targets
    .filter((target) => target.probe)
    .map((target, index) => `<details${target.verdict === 'fail' ? ' open' : ''}><summary>${esc(target.name)}</summary>${probeBody(target.probe as ProbeReport, [], `check-${index}`, 3)}</details>`);
  return [`ftp-doctor check: ${report.verdict}`, `${header}\n${summary}\n${details.join('\n')}`];
}

/** The report as one self-contained HTML document. */
export function renderHtml(input: AnyReport): string {
  const report = sanitizeReport(input);
  const [title, body] =
    report.kind === 'probe' ? probePage(report) : report.kind === 'scenarios' ? scenariosPage(report) : report.kind === 'sweep' ? sweepPage(report) : checkPage(report);
  const scriptHash = createHash('sha256').update(SCRIPT, 'utf8').digest('base64');
  const policy = `default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-${scriptHash}'; img-src data:; base-uri 'none'; form-action 'none'`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${policy}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${esc(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${body}
<footer>${esc(report.tool)} ${esc(report.version)} · report schema ${report.schemaVersion} · ${esc(report.kind)}</footer>
</main>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
