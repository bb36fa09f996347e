/**
 * A Markdown summary for GitHub step summaries and PR comments. GitHub renders inline HTML and
 * turns `@name` into a notification, so text from the network is escaped for both; verbatim
 * material (evidence, commands, transcript) goes into code spans and fences long enough that its
 * own backticks cannot close them.
 */
import { preflightBlocks } from './preflight-text.js';
import type { AnyReport, CheckReport, ExplainReport, PreflightReport, Finding, ProbeReport, ScenarioResult, ScenarioRunReport, Step, SweepReport, Verdict } from './model.js';
import { hiddenRemediesNote, shownRemedies } from './remedies-shown.js';
import { sanitizeReport } from './sanitize.js';
import { inputLine, sessionsNote, sessionsShown } from './explain-text.js';
import { escapeHtml } from './escape.js';
import { compareBackends, describeAgreement, isComparison, type Agreement, type ScenarioComparison } from './compare.js';
import { catalogueStatus, countScenarios, describeFailure, describeScenarioCounts, describeScenarioFailure, firstFailure, formatMs, formatSpans, hopLabel, scenarioExpectedText, scenarioObservedText, scenarioState, sweepSpans, type ScenarioState } from './format.js';

/**
 * What GitHub would turn into a live link even in escaped prose and in headings: a bare URL with
 * any scheme (`https://…`, `ftp://…`) or a `www.` name. A server's reply can carry one, so it is
 * shown as code, which is never linked. (Mentions and e-mail addresses are defused below by a
 * zero-width space after `@`.)
 */
const LINKABLE = /(?:[a-z][a-z0-9+.-]*:\/\/|\bwww\.)[^\s|]*/gi;

/** Inline prose: Markdown and HTML metacharacters escaped, mentions defused, URLs as code. */
export function escapeMarkdown(text: string): string {
  let output = '';
  let end = 0;
  for (const match of text.matchAll(LINKABLE)) {
    output += escapeProse(text.slice(end, match.index)) + codeSpan(match[0]);
    end = match.index + match[0].length;
  }
  return output + escapeProse(text.slice(end));
}

function escapeProse(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([\\`*_[\]{}()#+!|~])/g, '\\$1')
    .replace(/@/g, '@\u200b')
    .replace(/\n/g, '<br>');
}

/** A code span that its content cannot terminate. */
export function codeSpan(text: string): string {
  const longest = Math.max(0, ...Array.from(text.matchAll(/`+/g), (match) => match[0].length));
  const fence = '`'.repeat(longest + 1);
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${text.replace(/\n/g, ' ')}${pad}${fence}`;
}

/** A fenced block that its content cannot terminate. */
export function codeBlock(text: string, language = ''): string {
  const longest = Math.max(0, ...Array.from(text.matchAll(/`{3,}/g), (match) => match[0].length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}${language}\n${text}\n${fence}`;
}

const VERDICT_BADGE: Record<Verdict, string> = { pass: '✅ pass', fail: '❌ fail' };
const STEP_BADGE: Record<Step['result'], string> = { ok: '✅ ok', fail: '❌ fail', warn: '⚠️ warn', skip: '⏭️ skip' };
const STATE_BADGE: Record<ScenarioState, string> = { met: '✅ met', unmet: '❌ unmet', error: '💥 tool error', skipped: '⏭️ skipped' };
const SEVERITY_BADGE: Record<Finding['severity'], string> = { error: '❌ error', warning: '⚠️ warning', info: 'ℹ️ info' };

/** A table row. A `|` inside a code span still ends a GFM cell unless escaped; prose pipes are escaped already. */
function row(cells: string[]): string {
  return `| ${cells.map((cell) => cell.replace(/(?<!\\)\|/g, '\\|')).join(' | ')} |`;
}

function tableLines(head: string[], rows: string[][]): string[] {
  return [row(head), row(head.map(() => '---')), ...rows.map(row)];
}

// GitHub's step summary limit is 1 MiB; a transcript is the only part that grows without bound.
const MAX_TRANSCRIPT_LINES = 300;

function findingsSection(findings: readonly Finding[]): string[] {
  if (findings.length === 0) return ['No findings.'];
  const lines: string[] = [];
  for (const finding of findings) {
    lines.push(`### ${SEVERITY_BADGE[finding.severity]} ${codeSpan(String(finding.code))} ${escapeMarkdown(finding.title)}`, '');
    lines.push(escapeMarkdown(finding.explanation), '');
    if (finding.evidence.length > 0) lines.push('Evidence:', '', ...finding.evidence.map((item) => `- ${codeSpan(item)}`), '');
    const hiddenNote = hiddenRemediesNote(finding);
    for (const remedy of shownRemedies(finding)) {
      lines.push(`- **${escapeMarkdown(remedy.product)}**: ${escapeMarkdown(remedy.text)}`);
      if (remedy.commands && remedy.commands.length > 0) lines.push('', codeBlock(remedy.commands.join('\n')).replace(/^/gm, '  '), '');
    }
    if (hiddenNote) lines.push('', `_${escapeMarkdown(hiddenNote)}_`);
    lines.push('');
  }
  return lines;
}

function probeSection(report: ProbeReport, level: string): string[] {
  const lines = [`${level} Probe ${codeSpan(report.target)}: ${VERDICT_BADGE[report.verdict]}`, ''];
  lines.push(`${report.steps.length} steps in ${formatMs(report.durationMs)}, data connections sent to the ${report.addressPolicy === 'advertised' ? 'advertised address' : 'control peer'}.`, '');
  const failed = firstFailure(report.connections);
  if (failed) lines.push(`> **Where it failed:** ${escapeMarkdown(describeFailure(failed))}`, '');
  lines.push(
    ...tableLines(
      ['Step', 'Mode', 'Result', 'Time', 'Detail'],
      report.steps.map((step) => [escapeMarkdown(step.name), step.mode ? `${step.mode}${step.tls ? '+tls' : ''}` : '', STEP_BADGE[step.result], formatMs(step.durationMs), escapeMarkdown(step.detail)]),
    ),
    '',
  );
  lines.push(...findingsSection(report.findings));
  if (report.transcript.length > 0) {
    const shown = report.transcript.slice(0, MAX_TRANSCRIPT_LINES);
    const text = shown.map((line) => `${line.session} ${line.direction} ${line.text}`).join('\n');
    const more = report.transcript.length - shown.length;
    lines.push('<details><summary>Transcript</summary>', '', codeBlock(text), more > 0 ? `\n… ${more} more lines in report.json` : '', '</details>', '');
  }
  return lines;
}

const AGREEMENT_BADGE: Record<Agreement, string> = { agree: '✅ yes', disagree: '❌ no', incomparable: '-' };

/** One backend's outcome in a table cell: what it concluded, then whether that was expected. */
function backendCell(result: ScenarioResult | undefined): string {
  if (!result) return '- (not run)';
  const state = scenarioState(result);
  if (state === 'skipped') return escapeMarkdown(`⏭️ skipped: ${result.skipped ?? ''}`);
  if (state === 'error') return STATE_BADGE.error;
  const codes = result.probe.findings.filter((finding) => finding.severity === 'error').map((finding) => codeSpan(String(finding.code)));
  const where = describeScenarioFailure(result.failure);
  return [[VERDICT_BADGE[result.probe.verdict], ...codes].join(' '), ...(where ? [escapeMarkdown(where)] : []), `expectation ${STATE_BADGE[state]}`].join('<br>');
}

/** Both sides of a disagreement in full: verdict, every finding, where the data channel failed. */
function disagreementLines(scenario: ScenarioComparison, backends: readonly string[]): string[] {
  const lines = [`### ❌ ${backends.map(escapeMarkdown).join(' and ')} disagree: ${codeSpan(scenario.id)} ${escapeMarkdown(scenario.title)}`, ''];
  scenario.results.forEach((result, index) => {
    if (!result) return;
    const where = describeScenarioFailure(result.failure);
    lines.push(`- **${escapeMarkdown(backends[index] ?? '?')}**: ${VERDICT_BADGE[result.probe.verdict]}, expectation ${STATE_BADGE[scenarioState(result)]}${where ? `, data channel failed at ${escapeMarkdown(where)}` : ''}`);
    if (result.probe.findings.length === 0) lines.push('  - no findings');
    for (const finding of result.probe.findings) lines.push(`  - ${SEVERITY_BADGE[finding.severity]} ${codeSpan(String(finding.code))} ${escapeMarkdown(finding.title)}`);
  });
  return [...lines, ''];
}

/** Unmet expectations and tool errors, as in a single-backend run but naming the backend. */
function problemLines(result: ScenarioResult, label: string): string[] {
  const state = scenarioState(result);
  if (state === 'met' || state === 'skipped') return [];
  const lines = [`### ${codeSpan(result.id)} ${escapeMarkdown(result.title)}${label}`, ''];
  if (result.error) lines.push('Tool error:', '', codeBlock(result.error), '');
  return [...lines, ...result.mismatches.map((mismatch) => `- ${escapeMarkdown(mismatch)}`), ''];
}

/** The kernel's per-rule counters (netns trace entries), folded away: long, but the proof of a disagreement. */
function countersBlock(result: ScenarioResult): string[] {
  if (result.backend !== 'netns' || result.trace.length === 0) return [];
  const summary = `Kernel rule counters: <code>${escapeHtml(result.id).replace(/@/g, '@\u200b')}</code> (netns)`;
  const rows = result.trace.map((entry) => [escapeMarkdown(hopLabel(entry.at)), entry.decision, escapeMarkdown(entry.rule), escapeMarkdown(entry.detail ?? '-')]);
  return [`<details><summary>${summary}</summary>`, '', ...tableLines(['Hop', 'Decision', 'Rule', 'Counter'], rows), '', '</details>', ''];
}

/** `scenarios run --compare`: one row per scenario, a column per backend, disagreements first. */
function comparisonSection(report: ScenarioRunReport): string[] {
  const run = compareBackends(report.results);
  const perBackend = run.backends.map((backend) => `${escapeMarkdown(backend)}: ${describeScenarioCounts(countScenarios(report.results.filter((result) => result.backend === backend)))}`);
  const lines = [`## Scenarios (${run.backends.map(escapeMarkdown).join(' vs ')}): ${VERDICT_BADGE[report.verdict]}`, '', `**${escapeMarkdown(describeAgreement(run))}.**`, ''];
  lines.push(`${perBackend.join('; ')} (${formatMs(report.durationMs)}).`, '');
  const rows = run.scenarios.map((scenario) => [`${codeSpan(scenario.id)} ${escapeMarkdown(scenario.title)}`, ...scenario.results.map(backendCell), AGREEMENT_BADGE[scenario.agreement]]);
  lines.push(...tableLines(['Scenario', ...run.backends.map(escapeMarkdown), 'Agree'], rows), '');
  for (const scenario of run.scenarios.filter((candidate) => candidate.agreement === 'disagree')) lines.push(...disagreementLines(scenario, run.backends));
  for (const scenario of run.scenarios) {
    for (const result of scenario.results) if (result) lines.push(...problemLines(result, ` (${escapeMarkdown(result.backend)})`));
  }
  for (const scenario of run.scenarios) {
    for (const result of scenario.results) if (result) lines.push(...countersBlock(result));
  }
  return lines;
}

function scenariosSection(report: ScenarioRunReport): string[] {
  if (isComparison(report.results)) return comparisonSection(report);
  const counts = describeScenarioCounts(countScenarios(report.results));
  // The catalogue passes when every scenario did what it expects: never a pass badge over expected failures.
  const status = `${report.verdict === 'pass' ? '✅' : '❌'} ${catalogueStatus(report.verdict, countScenarios(report.results))}`;
  const lines = [`## Scenarios: ${status}`, '', `${counts} (${formatMs(report.durationMs)}). A scenario is met when the probe's verdict, findings and failing step are the ones it expects: an expected failure that was observed is a success.`, ''];
  lines.push(
    ...tableLines(
      ['Scenario', 'Expected', 'Observed', 'Met'],
      report.results.map((result) => [
        `${codeSpan(result.id)} ${escapeMarkdown(result.title)}`,
        escapeMarkdown(scenarioExpectedText(result)),
        escapeMarkdown(scenarioObservedText(result)),
        STATE_BADGE[scenarioState(result)],
      ]),
    ),
    '',
  );
  for (const result of report.results) lines.push(...problemLines(result, ''));
  return lines;
}

function sweepSection(report: SweepReport): string[] {
  const spans = sweepSpans(report);
  const size = report.range.to - report.range.from + 1;
  return [
    `## Sweep ${codeSpan(report.target)}: ${VERDICT_BADGE[report.verdict]}`,
    '',
    `Range ${report.range.from}-${report.range.to} by ${report.method}: tested ${report.tested} of ${size} ports in ${formatMs(report.durationMs)}.`,
    '',
    `**${escapeMarkdown(formatSpans(spans) || 'no ports tested')}**`,
    '',
    ...tableLines(['Ports', 'State', 'Count'], spans.map((span) => [span.from === span.to ? `${span.from}` : `${span.from}-${span.to}`, span.state === 'open' ? '✅ open' : `❌ ${span.state}`, String(span.to - span.from + 1)])),
    '',
    ...findingsSection(report.findings),
  ];
}

function checkSection(report: CheckReport): string[] {
  return [
    `## Check: ${VERDICT_BADGE[report.verdict]}`,
    '',
    ...tableLines(
      ['Name', 'Target', 'Verdict', 'Failures'],
      report.targets.map((target) => [
        escapeMarkdown(target.name),
        codeSpan(target.target),
        VERDICT_BADGE[target.verdict],
        escapeMarkdown([...(target.error ? [`tool error: ${target.error}`] : []), ...target.failures].join('\n') || '-'),
      ]),
    ),
    '',
  ];
}

function explainSection(report: ExplainReport): string[] {
  const shown = sessionsShown(report);
  const note = sessionsNote(report, shown.length);
  return [
    `## Explain: ${VERDICT_BADGE[report.verdict]}`,
    '',
    ...report.inputs.flatMap((item) => [`- ${escapeMarkdown(inputLine(item))}`, ...item.limits.map((limit) => `  - ${escapeMarkdown(limit)}`)]),
    '',
    ...report.summary.map((line) => `**${escapeMarkdown(line)}**\n`),
    ...(report.findings.length > 0 ? ['### Across the inputs', '', ...findingsSection(report.findings)] : []),
    ...shown.flatMap((session) => probeSection(session.report, '###')),
    ...(note ? [escapeMarkdown(note), ''] : []),
  ];
}

function preflightSection(report: PreflightReport): string[] {
  return [
    `## Preflight: ${VERDICT_BADGE[report.verdict]}`,
    '',
    ...preflightBlocks(report).flatMap((block) => [`**${escapeMarkdown(block.title)}**`, '', ...block.lines.map((line) => `- ${escapeMarkdown(line)}`), '']),
    ...findingsSection(report.findings),
  ];
}

/** The report as GitHub-flavoured Markdown. */
export function renderMarkdown(input: AnyReport): string {
  const report = sanitizeReport(input);
  const lines =
    report.kind === 'probe'
      ? probeSection(report, '##')
      : report.kind === 'scenarios'
        ? scenariosSection(report)
        : report.kind === 'sweep'
          ? sweepSection(report)
          : report.kind === 'explain'
            ? explainSection(report)
            : report.kind === 'preflight'
              ? preflightSection(report)
              : checkSection(report);
  lines.push(`<sub>${report.tool} ${escapeMarkdown(report.version)}, schema ${report.schemaVersion}, started ${escapeMarkdown(report.startedAt)}</sub>`);
  return `${lines.join('\n').replace(/\n{3,}/g, '\n\n')}\n`;
}
