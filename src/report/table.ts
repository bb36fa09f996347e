/**
 * Terminal output. cli-table3 draws the tables; colour is plain ANSI, added only when the caller
 * asks (`shouldUseColor` decides from the stream and the environment), because cli-table3 and
 * most colour libraries would otherwise colour even when piped into a file or a CI log.
 */
import Table from 'cli-table3';
import type { AnyReport, CheckReport, Finding, ProbeReport, ScenarioRunReport, StepResult, SweepReport, Verdict } from './model.js';
import { sanitizeReport } from './sanitize.js';
import { countScenarios, describeFailure, describeScenarioCounts, describeScenarioFailure, firstFailure, formatMs, formatSpans, scenarioState, sweepSpans, type ScenarioState } from './format.js';

export interface TableOptions {
  color: boolean;
  /** Terminal width in columns (default 100); long details wrap to fit. */
  width?: number;
}

/**
 * Colour decision, in the order the conventions give it: FORCE_COLOR (non-empty, not "0"/"false")
 * forces it on, FORCE_COLOR=0 off; NO_COLOR (https://no-color.org, any non-empty value) turns it
 * off; TERM=dumb off; otherwise colour only on a TTY.
 */
export function shouldUseColor(stream: { isTTY?: boolean }, env: Record<string, string | undefined>): boolean {
  const force = env.FORCE_COLOR;
  if (force !== undefined) {
    if (force === '0' || force.toLowerCase() === 'false') return false;
    return true;
  }
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.TERM === 'dumb') return false;
  return stream.isTTY === true;
}

const CODES = { red: 31, green: 32, yellow: 33, blue: 34, dim: 2, bold: 1 } as const;
type Style = keyof typeof CODES;

type Paint = (text: string, style: Style) => string;

function painter(color: boolean): Paint {
  return color ? (text, style) => `\u001b[${CODES[style]}m${text}\u001b[0m` : (text) => text;
}

function newTable(head: string[], widths: (number | null)[]): Table.Table {
  return new Table({ head, colWidths: widths, wordWrap: true, wrapOnWordBoundary: true, style: { head: [], border: [] } });
}

const RESULT_STYLE: Record<StepResult, Style> = { ok: 'green', fail: 'red', warn: 'yellow', skip: 'dim' };
const RESULT_MARK: Record<StepResult, string> = { ok: '✓ ok', fail: '✗ fail', warn: '! warn', skip: '- skip' };
const STATE_MARK: Record<ScenarioState, string> = { met: '✓ met', unmet: '✗ unmet', error: '! error', skipped: '- skipped' };
const STATE_STYLE: Record<ScenarioState, Style> = { met: 'green', unmet: 'red', error: 'yellow', skipped: 'dim' };

function verdictText(verdict: Verdict, paint: Paint): string {
  return verdict === 'pass' ? paint('PASS', 'green') : paint('FAIL', 'red');
}

function heading(title: string, verdict: Verdict, durationMs: number, paint: Paint): string {
  return `${paint(title, 'bold')}  ${verdictText(verdict, paint)}  ${paint(`(${formatMs(durationMs)})`, 'dim')}`;
}

function indent(text: string, by: string): string {
  return text
    .split('\n')
    .map((line) => `${by}${line}`)
    .join('\n');
}

/** Findings as prose: severity, title, explanation, evidence, then remedies grouped by product. */
export function renderFindingsText(findings: readonly Finding[], paint: Paint): string {
  if (findings.length === 0) return paint('No findings.', 'green');
  const blocks = findings.map((finding) => {
    const style: Style = finding.severity === 'error' ? 'red' : finding.severity === 'warning' ? 'yellow' : 'blue';
    const lines = [`${paint(finding.severity.toUpperCase(), style)} ${paint(String(finding.code), 'bold')}: ${finding.title}`];
    lines.push(indent(finding.explanation, '  '));
    if (finding.evidence.length > 0) {
      lines.push('  Evidence:');
      for (const item of finding.evidence) lines.push(`    ${paint(item, 'dim')}`);
    }
    const products = new Map<string, Finding['remedies']>();
    for (const remedy of finding.remedies) products.set(remedy.product, [...(products.get(remedy.product) ?? []), remedy]);
    if (products.size > 0) lines.push('  Remedies:');
    for (const [product, remedies] of products) {
      lines.push(`    ${paint(product, 'bold')}`);
      for (const remedy of remedies) {
        lines.push(indent(remedy.text, '      ').replace(/^ {6}/, '    - '));
        for (const command of remedy.commands ?? []) lines.push(indent(command, '        ').replace(/^ {8}/, '        $ '));
      }
    }
    return lines.join('\n');
  });
  return blocks.join('\n\n');
}

function detailWidth(options: TableOptions, fixed: number): number {
  return Math.max(24, (options.width ?? 100) - fixed);
}

export function renderProbeTable(input: ProbeReport, options: TableOptions): string {
  const report = sanitizeReport(input);
  const paint = painter(options.color);
  const table = newTable(['Step', 'Mode', 'Result', 'Time', 'Detail'], [null, null, null, null, detailWidth(options, 52)]);
  for (const step of report.steps) {
    const mode = step.mode ? `${step.mode}${step.tls ? '+tls' : ''}` : step.tls ? 'tls' : '';
    table.push([step.name, mode, paint(RESULT_MARK[step.result], RESULT_STYLE[step.result]), formatMs(step.durationMs), step.detail]);
  }
  const parts = [heading(`Probe ${report.target}`, report.verdict, report.durationMs, paint), table.toString()];
  const failed = firstFailure(report.connections);
  if (failed) parts.push(`${paint('Where it failed:', 'bold')} ${describeFailure(failed)}`);
  parts.push(renderFindingsText(report.findings, paint));
  return `${parts.join('\n\n')}\n`;
}

export function renderScenariosTable(input: ScenarioRunReport, options: TableOptions): string {
  const report = sanitizeReport(input);
  const paint = painter(options.color);
  const table = newTable(['Scenario', 'Expected', 'Verdict', 'Findings', 'Data channel failed at'], [null, null, null, 26, detailWidth(options, 76)]);
  for (const result of report.results) {
    const state = scenarioState(result);
    const verdict = state === 'skipped' ? paint('-', 'dim') : verdictText(result.probe.verdict, paint);
    const where = state === 'skipped' ? `skipped: ${result.skipped ?? ''}` : describeScenarioFailure(result.failure) || '-';
    // The findings that decide the verdict first; info findings only when nothing else was found.
    const findings = result.probe.findings.filter((finding) => finding.severity !== 'info' || result.probe.findings.every((other) => other.severity === 'info'));
    // With --compare the same scenario appears once per backend: say which row is which.
    const label = new Set(report.results.map((candidate) => candidate.backend)).size > 1 ? `${result.id} [${result.backend}]` : result.id;
    table.push([label, paint(STATE_MARK[state], STATE_STYLE[state]), verdict, findings.map((finding) => finding.code).join('\n') || '-', where]);
  }
  const parts = [heading('Scenarios', report.verdict, report.durationMs, paint), table.toString(), describeScenarioCounts(countScenarios(report.results))];
  // A few scenarios run by hand are for learning: show what the probe concluded and what to change.
  if (report.results.length <= 3) {
    for (const result of report.results.filter((candidate) => candidate.probe.findings.length > 0)) {
      parts.push(`${paint(`${result.id}: what the probe found`, 'bold')}\n\n${renderFindingsText(result.probe.findings, paint)}`);
    }
  }
  for (const result of report.results) {
    // Skipped scenarios say why in their row; only unmet and broken ones need the detail.
    const state = scenarioState(result);
    if (state === 'met' || state === 'skipped') continue;
    const lines = [paint(`${result.id}: ${result.title}`, 'bold')];
    if (result.error) lines.push(`  ${paint('tool error:', 'yellow')} ${indent(result.error, '    ').trimStart()}`);
    for (const mismatch of result.mismatches) lines.push(`  ${paint('✗', 'red')} ${mismatch}`);
    const expectedFindings = result.expected.findings.join(', ') || 'none';
    lines.push(`  expected: ${result.expected.verdict}, findings ${expectedFindings}${result.expected.failingStep ? `, failing step ${result.expected.failingStep}` : ''}`);
    const got = result.probe.findings.map((finding) => finding.code).join(', ') || 'none';
    lines.push(`  got:      ${result.probe.verdict}, findings ${got}`);
    parts.push(lines.join('\n'));
  }
  return `${parts.join('\n\n')}\n`;
}

export function renderSweepTable(input: SweepReport, options: TableOptions): string {
  const report = sanitizeReport(input);
  const paint = painter(options.color);
  const spans = sweepSpans(report);
  const size = report.range.to - report.range.from + 1;
  const table = newTable(['Ports', 'State', 'Count'], [null, null, null]);
  for (const span of spans) {
    const style: Style = span.state === 'open' ? 'green' : span.state === 'error' ? 'yellow' : 'red';
    table.push([span.from === span.to ? String(span.from) : `${span.from}-${span.to}`, paint(span.state, style), String(span.to - span.from + 1)]);
  }
  const parts = [
    heading(`Sweep ${report.target}`, report.verdict, report.durationMs, paint),
    `range ${report.range.from}-${report.range.to}, method ${report.method}, tested ${report.tested} of ${size} ports`,
    formatSpans(spans) || 'no ports tested',
    table.toString(),
    renderFindingsText(report.findings, paint),
  ];
  return `${parts.join('\n\n')}\n`;
}

export function renderCheckTable(input: CheckReport, options: TableOptions): string {
  const report = sanitizeReport(input);
  const paint = painter(options.color);
  const table = newTable(['Name', 'Target', 'Verdict', 'Failures'], [null, null, null, detailWidth(options, 60)]);
  for (const target of report.targets) {
    const failures = [...(target.error ? [`tool error: ${target.error}`] : []), ...target.failures];
    table.push([target.name, target.target, verdictText(target.verdict, paint), failures.join('\n') || '-']);
  }
  return `${[heading('Check', report.verdict, report.durationMs, paint), table.toString()].join('\n\n')}\n`;
}

/** Any report, as terminal text. */
export function renderTable(report: AnyReport, options: TableOptions): string {
  switch (report.kind) {
    case 'probe':
      return renderProbeTable(report, options);
    case 'scenarios':
      return renderScenariosTable(report, options);
    case 'sweep':
      return renderSweepTable(report, options);
    case 'check':
      return renderCheckTable(report, options);
  }
}
