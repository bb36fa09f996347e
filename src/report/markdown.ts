/**
 * A Markdown summary for GitHub step summaries and PR comments. GitHub renders inline HTML and
 * turns `@name` into a notification, so text from the network is escaped for both; verbatim
 * material (evidence, commands, transcript) goes into code spans and fences long enough that its
 * own backticks cannot close them.
 */
import type { AnyReport, CheckReport, Finding, ProbeReport, ScenarioRunReport, Step, SweepReport, Verdict } from './model.js';
import { sanitizeReport } from './sanitize.js';
import { countScenarios, describeFailure, describeScenarioCounts, describeScenarioFailure, firstFailure, formatMs, formatSpans, scenarioState, sweepSpans, type ScenarioState } from './format.js';

/** Inline prose: Markdown and HTML metacharacters escaped, mentions defused. */
export function escapeMarkdown(text: string): string {
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

function row(cells: string[]): string {
  return `| ${cells.join(' | ')} |`;
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
    for (const remedy of finding.remedies) {
      lines.push(`- **${escapeMarkdown(remedy.product)}**: ${escapeMarkdown(remedy.text)}`);
      if (remedy.commands && remedy.commands.length > 0) lines.push('', codeBlock(remedy.commands.join('\n')).replace(/^/gm, '  '), '');
    }
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

function scenariosSection(report: ScenarioRunReport): string[] {
  const counts = describeScenarioCounts(countScenarios(report.results));
  const lines = [`## Scenarios: ${VERDICT_BADGE[report.verdict]}`, '', `${counts} (${formatMs(report.durationMs)}).`, ''];
  lines.push(
    ...tableLines(
      ['Scenario', 'Expectation', 'Verdict', 'Data channel failed at'],
      report.results.map((result) => [
        `${codeSpan(result.id)} ${escapeMarkdown(result.title)}`,
        STATE_BADGE[scenarioState(result)],
        result.skipped !== undefined ? '-' : VERDICT_BADGE[result.probe.verdict],
        escapeMarkdown(result.skipped !== undefined ? `skipped: ${result.skipped}` : describeScenarioFailure(result.failure) || '-'),
      ]),
    ),
    '',
  );
  for (const result of report.results) {
    const state = scenarioState(result);
    if (state === 'met' || state === 'skipped') continue;
    lines.push(`### ${codeSpan(result.id)} ${escapeMarkdown(result.title)}`, '');
    if (result.error) lines.push('Tool error:', '', codeBlock(result.error), '');
    lines.push(...result.mismatches.map((mismatch) => `- ${escapeMarkdown(mismatch)}`), '');
  }
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
          : checkSection(report);
  lines.push(`<sub>${report.tool} ${escapeMarkdown(report.version)}, schema ${report.schemaVersion}, started ${escapeMarkdown(report.startedAt)}</sub>`);
  return `${lines.join('\n').replace(/\n{3,}/g, '\n\n')}\n`;
}
