/**
 * One self-contained HTML page per report: inline CSS, inline SVG, one inline script pinned by
 * hash in a Content-Security-Policy that forbids every network load, so the file works opened
 * from disk, from a CI artifact, or mailed around. Every page leads with the verdict, where it
 * failed and the findings; the evidence (steps, sequence diagrams, connections, transcript) comes
 * after. Diagrams are collapsed per control session, the failing one open; the catalogue is a
 * summary table and one collapsed section per scenario, so a 31-scenario run stays a short page.
 */
import { createHash } from 'node:crypto';
import { preflightBlocks } from './preflight-text.js';
import type { AnyReport, CheckReport, ExplainReport, PreflightReport, Finding, ProbeReport, ScenarioResult, ScenarioRunReport, SweepReport, TraceEntry } from './model.js';
import { parseStepId } from '../evidence/record.js';
import { hiddenRemediesNote, shownRemedies } from './remedies-shown.js';
import { sanitizeReport } from './sanitize.js';
import { escapeHtml as esc } from './escape.js';
import { renderSequenceDiagram } from './diagram.js';
import { catalogueStatus, connectionFailed, countScenarios, describeFailure, describeFailureHop, failedStepIds, describeScenarioCounts, scenarioExpectedText, scenarioObservedText, describeScenarioFailure, firstFailure, formatMs, formatSpans, scenarioState, sweepSpans, type ScenarioState } from './format.js';
import { SCRIPT, STYLE } from './html-style.js';
import { inputLine, sessionsNote, sessionsShown } from './explain-text.js';

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

/** The sessions of a probe in the order they started: "main", then one per data mode. */
function sessionsOf(report: ProbeReport): string[] {
  const first = new Map<string, number>();
  for (const item of [...report.connections, ...report.transcript]) {
    const seen = first.get(item.session);
    if (seen === undefined || item.t < seen) first.set(item.session, item.t);
  }
  return [...first].sort((a, b) => a[1] - b[1]).map(([session]) => session);
}

/**
 * One collapsed sequence diagram per control session, the first failing one open: a probe runs a
 * session per data mode, and one diagram of all of them was taller than the rest of the report.
 */
function sequenceHtml(report: ProbeReport, trace: readonly TraceEntry[], id: string): string {
  const sessions = sessionsOf(report);
  if (sessions.length === 0) return `<div class="figure">${renderSequenceDiagram({ connections: [], transcript: [], trace }, `Sequence diagram: ${report.target}`, id)}</div>`;
  // Open the session whose connection failed; with none (a refused PORT never connects), the
  // session of the first failed step ("data:port" runs in session "port", "connect" in "main").
  const failing =
    sessions.find((session) => report.connections.some((event) => event.session === session && connectionFailed(event))) ??
    failedStepIds(report)
      .map((step) => parseStepId(step).session)
      .find((session) => sessions.includes(session));
  return sessions
    .map((session, index) => {
      const connections = report.connections.filter((event) => event.session === session);
      const transcript = report.transcript.filter((line) => line.session === session);
      const failed = firstFailure(connections);
      const outcome = failed ? `<span class="fail-text">✗ ${esc(describeFailure(failed, trace))}</span>` : connections.length > 0 ? '✓ every connection answered' : 'no connections';
      const diagram = renderSequenceDiagram({ connections, transcript, trace }, `Sequence diagram: ${report.target}, session ${session}`, `${id}-s${index}`);
      return `<details class="session"${session === failing ? ' open' : ''}><summary>Session <code>${esc(session)}</code>: ${connections.length} connection${connections.length === 1 ? '' : 's'}, ${outcome}</summary><div class="figure">${diagram}</div></details>`;
    })
    .join('\n');
}

/** Everything about one probe: where it failed, findings, steps, diagrams, connections, transcript. */
function probeBody(report: ProbeReport, trace: readonly TraceEntry[], id: string, level: 2 | 3): string {
  const h = `h${level}`;
  const failed = firstFailure(report.connections);
  const callout = failed
    ? `<div class="callout">${esc(describeFailure(failed, trace))}</div>`
    : report.verdict === 'pass'
      ? '<div class="callout good">Every connection the probe made was answered.</div>'
      : '';
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
    `<${h}>Findings</${h}>${findingsHtml(report.findings)}`,
    `<${h}>Steps</${h}>${steps}`,
    `<${h}>Sequence</${h}>${LEGEND}${sequenceHtml(report, trace, id)}`,
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

/** One scenario, collapsed unless its expectation was not met (that is what the reader came for). */
function scenarioSection(result: ScenarioResult): string {
  const id = anchor('scenario', result.id);
  const state = scenarioState(result);
  const [, long, cls] = STATE_BADGE[state];
  const open = state === 'unmet' || state === 'error' ? ' open' : '';
  const summary = `<summary>${badge(long, cls)} <span class="scenario-id">${esc(result.id)}</span>: ${esc(result.title)}</summary>`;
  const description = `<p>${esc(result.description).replace(/\n/g, '<br>')}</p>`;
  if (result.skipped !== undefined) {
    // Nothing ran: no probe to draw, only the reason.
    return `<details class="scenario" id="${id}"${open}>${summary}${description}
<p class="meta">${esc(result.backend)} backend, from ${esc(result.source)}</p>
<div class="callout">Skipped: ${esc(result.skipped)}</div></details>`;
  }
  const mismatches = result.mismatches.length > 0 ? `<ul>${result.mismatches.map((mismatch) => `<li>${esc(mismatch)}</li>`).join('')}</ul>` : '';
  const error = result.error ? `<p><strong>The tool itself failed:</strong></p><pre>${esc(result.error)}</pre>` : '';
  const failure = result.failure ? `<p>Data channel failed at <strong>${esc(describeScenarioFailure(result.failure))}</strong>.</p>` : '';
  return `<details class="scenario" id="${id}"${open}>${summary}${description}
<p class="meta">${esc(result.backend)} backend, ${esc(formatMs(result.durationMs))}, from ${esc(result.source)}</p>
${table(['', 'Verdict and findings'], [['expected', esc(scenarioExpectedText(result))], ['observed', esc(scenarioObservedText(result))]])}${mismatches}${error}${failure}
${probeBody(result.probe, result.trace, id, 3)}</details>`;
}

function scenariosPage(report: ScenarioRunReport): [string, string] {
  const counts = countScenarios(report.results);
  const summary = table(
    ['Scenario', 'Expected', 'Observed', 'Met'],
    report.results.map((result) => {
      const [short, , cls] = STATE_BADGE[scenarioState(result)];
      return [`<a href="#${anchor('scenario', result.id)}">${esc(result.id)}</a>${report.results.some((other) => other.backend !== result.backend) ? ` <span class="meta">[${esc(result.backend)}]</span>` : ''}`, esc(scenarioExpectedText(result)), esc(scenarioObservedText(result)), badge(short, cls)];
    }),
  );
  // The catalogue passes when every scenario did what it expects, expected failures included.
  const verdict = badge(catalogueStatus(report.verdict, counts), report.verdict);
  const header = `<h1>${verdict} Scenarios</h1><p class="meta">${esc(describeScenarioCounts(counts))}; started ${esc(report.startedAt)}, ${esc(formatMs(report.durationMs))}</p>
<p>A scenario is <strong>met</strong> when the probe's verdict, findings and failing step are the ones it expects: a scenario that expects the data channel to fail, and sees it fail that way, is a success of the catalogue. Each scenario below opens to show its findings, steps and sequence diagrams.</p>`;
  return [`ftp-doctor scenarios: ${catalogueStatus(report.verdict, counts)}`, `${header}\n${summary}\n<h2>Scenarios</h2>\n${report.results.map(scenarioSection).join('\n')}`];
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
    `<h2>Findings</h2>${findingsHtml(report.findings)}`,
    `<h2>Ports</h2>${table(['Ports', 'State', 'Count'], spans.map((span) => [esc(span.from === span.to ? `${span.from}` : `${span.from}-${span.to}`), badge(span.state, span.state === 'open' ? 'ok' : 'fail'), String(span.to - span.from + 1)]))}`,
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

function explainPage(report: ExplainReport): [string, string] {
  const header = `<h1>${badge(report.verdict, report.verdict)} Explain</h1><p class="meta">started ${esc(report.startedAt)}, ${esc(formatMs(report.durationMs))}</p>`;
  const inputs = `<ul>${report.inputs.map((item) => `<li>${esc(inputLine(item))}${item.limits.length > 0 ? `<ul>${item.limits.map((limit) => `<li>${esc(limit)}</li>`).join('')}</ul>` : ''}</li>`).join('')}</ul>`;
  const summary = report.summary.length > 0 ? `<div class="callout${report.verdict === 'pass' ? ' good' : ''}">${report.summary.map(esc).join('<br>')}</div>` : '';
  const across = report.findings.length > 0 ? `<h2>Across the inputs</h2>${findingsHtml(report.findings)}` : '';
  const shown = sessionsShown(report);
  const details = shown.map((session, index) => `<details${session.verdict === 'fail' ? ' open' : ''}><summary>${esc(session.id)}</summary>${probeBody(session.report, [], `explain-${index}`, 3)}</details>`);
  const note = sessionsNote(report, shown.length);
  return [`ftp-doctor explain: ${report.verdict}`, `${header}\n${summary}\n${inputs}\n${across}\n${details.join('\n')}${note ? `\n<p>${esc(note)}</p>` : ''}`];
}

function preflightPage(report: PreflightReport): [string, string] {
  const header = `<h1>${badge(report.verdict, report.verdict)} Preflight</h1><p class="meta">started ${esc(report.startedAt)}, ${esc(formatMs(report.durationMs))}</p>`;
  const blocks = preflightBlocks(report).map((block) => `<h2>${esc(block.title)}</h2><ul>${block.lines.map((line) => `<li>${esc(line)}</li>`).join('')}</ul>`);
  return [`ftp-doctor preflight: ${report.verdict}`, `${header}\n${blocks.join('\n')}\n${findingsHtml(report.findings)}`];
}

/** The report as one self-contained HTML document. */
export function renderHtml(input: AnyReport): string {
  const report = sanitizeReport(input);
  const [title, body] =
    report.kind === 'probe' ? probePage(report) : report.kind === 'scenarios' ? scenariosPage(report) : report.kind === 'sweep' ? sweepPage(report) : report.kind === 'explain' ? explainPage(report) : report.kind === 'preflight' ? preflightPage(report) : checkPage(report);
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
