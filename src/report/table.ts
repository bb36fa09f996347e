/**
 * Terminal output, fitted to a width (80 columns unless the terminal says otherwise): tables wrap
 * inside their cells (grid.ts), prose and evidence wrap with a hanging indent, commands wrap with
 * their shell's continuation. Colour is plain ANSI, added only when the caller asks
 * (`shouldUseColor` decides from the stream and the environment), because cli-table3 and most
 * colour libraries would otherwise colour even when piped into a file or a CI log.
 */
import { preflightBlocks } from './preflight-text.js';
import type { AnyReport, CheckReport, ExplainReport, PreflightReport, Finding, ProbeReport, ScenarioResult, ScenarioRunReport, StepResult, SweepReport, Verdict } from './model.js';
import { hiddenRemediesNote, shownRemedies } from './remedies-shown.js';
import { sanitizeReport } from './sanitize.js';
import { catalogueStatus, countScenarios, describeFailure, describeFailureHop, describeScenarioCounts, failedStepIds, firstFailure, formatMs, formatSpans, scenarioState, sweepSpans, type ScenarioState } from './format.js';
import { renderGrid, type GridCell } from './grid.js';
import { inputLine, sessionsNote, sessionsShown } from './explain-text.js';
import { displayWidth, wrapCommand, wrapIndented, wrapText } from './wrap.js';

export interface TableOptions {
  color: boolean;
  /** Terminal width in columns (default 80); every line fits it. */
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

const RESULT_STYLE: Record<StepResult, Style> = { ok: 'green', fail: 'red', warn: 'yellow', skip: 'dim' };
const RESULT_MARK: Record<StepResult, string> = { ok: '✓ ok', fail: '✗ fail', warn: '! warn', skip: '- skip' };
const STATE_MARK: Record<ScenarioState, string> = { met: '✓ yes', unmet: '✗ no', error: '! error', skipped: '- skipped' };
const STATE_STYLE: Record<ScenarioState, Style> = { met: 'green', unmet: 'red', error: 'yellow', skipped: 'dim' };

/** The width tables and prose are fitted to: 80 columns unless the caller knows the terminal's. */
const widthOf = (options: TableOptions): number => options.width ?? 80;

const painted = (text: string, style: Style, paint: Paint): GridCell => ({ text, paint: (line) => paint(line, style) });

function verdictText(verdict: Verdict, paint: Paint): string {
  return verdict === 'pass' ? paint('PASS', 'green') : paint('FAIL', 'red');
}

/** "Probe ftp://host/  FAIL  (5.2 s)", the title wrapped when it is longer than the line. */
function heading(title: string, status: string, durationMs: number | undefined, paint: Paint, width: number): string {
  const tail = durationMs === undefined ? status : `${status}  ${paint(`(${formatMs(durationMs)})`, 'dim')}`;
  const lines = wrapText(title, width);
  const last = lines.length - 1;
  if (displayWidth(`${lines[last] ?? ''}  ${tail}`) <= width) return lines.map((line, index) => (index === last ? `${paint(line, 'bold')}  ${tail}` : paint(line, 'bold'))).join('\n');
  return [...lines.map((line) => paint(line, 'bold')), tail].join('\n');
}

/** Prose wrapped to the width, every line after the first indented under a label. */
function labelled(label: string, text: string, paint: Paint, width: number): string {
  return wrapIndented(text, width, `${label} `, '  ')
    .map((line, index) => (index === 0 ? `${paint(label, 'bold')}${line.slice(label.length)}` : line))
    .join('\n');
}

/** Findings as prose: severity, title, explanation, evidence, then remedies grouped by product. */
export function renderFindingsText(findings: readonly Finding[], paint: Paint, width = 80): string {
  if (findings.length === 0) return paint('No findings.', 'green');
  const blocks = findings.map((finding) => {
    const style: Style = finding.severity === 'error' ? 'red' : finding.severity === 'warning' ? 'yellow' : 'blue';
    const severity = finding.severity.toUpperCase();
    const code = String(finding.code);
    const lines = wrapIndented(`${finding.title}`, width, `${severity} ${code}: `, '  ');
    lines[0] = `${paint(severity, style)} ${paint(code, 'bold')}${(lines[0] ?? '').slice(severity.length + 1 + code.length)}`;
    lines.push(...wrapIndented(finding.explanation, width, '  '));
    if (finding.evidence.length > 0) {
      lines.push('  Evidence:');
      for (const item of finding.evidence) lines.push(...wrapIndented(item, width, '    ', '      ').map((line) => paint(line, 'dim')));
    }
    const products = new Map<string, Finding['remedies']>();
    for (const remedy of shownRemedies(finding)) products.set(remedy.product, [...(products.get(remedy.product) ?? []), remedy]);
    if (products.size > 0) lines.push('  Remedies:');
    const hiddenNote = hiddenRemediesNote(finding);
    if (hiddenNote) lines.push(...wrapIndented(hiddenNote, width, '  ').map((line) => paint(line, 'dim')));
    for (const [product, remedies] of products) {
      lines.push(`    ${paint(product, 'bold')}`);
      for (const remedy of remedies) {
        lines.push(...wrapIndented(remedy.text, width, '    - ', '      '));
        for (const command of remedy.commands ?? []) lines.push(...wrapCommand(command, width, '        $ '));
      }
    }
    return lines.join('\n');
  });
  return blocks.join('\n\n');
}

export function renderProbeTable(input: ProbeReport, options: TableOptions): string {
  const report = sanitizeReport(input);
  const paint = painter(options.color);
  const width = widthOf(options);
  const rows = report.steps.map((step): GridCell[] => {
    const mode = step.mode ? `${step.mode}${step.tls ? '+tls' : ''}` : step.tls ? 'tls' : '';
    return [step.name, mode, painted(RESULT_MARK[step.result], RESULT_STYLE[step.result], paint), formatMs(step.durationMs), step.detail];
  });
  const parts = [heading(`Probe ${report.target}`, verdictText(report.verdict, paint), report.durationMs, paint, width), renderGrid(['Step', 'Mode', 'Result', 'Time', 'Detail'], rows, { width, keep: [false, true, true, true, false] })];
  const failed = firstFailure(report.connections);
  if (failed) parts.push(labelled('Where it failed:', describeFailure(failed), paint, width));
  parts.push(renderFindingsText(report.findings, paint, width));
  return `${parts.join('\n\n')}\n`;
}

/** "fail" and the expected findings, one per line, and the step it must fail at. */
function expectedCell(result: ScenarioResult): string {
  const step = result.expected.failingStep ? `\nat ${result.expected.failingStep}` : '';
  return `${result.expected.verdict}${step}${result.expected.findings.map((code) => `\n${code}`).join('')}`;
}

/**
 * What the run showed: the verdict, the steps that failed and the hop and rule that decided it,
 * and the findings only when they are not the expected ones (a met row would repeat Expected).
 */
function observedCell(result: ScenarioResult, state: ScenarioState): string {
  if (state === 'skipped') return `skipped: ${result.skipped ?? ''}`;
  if (state === 'error') return `tool error: ${(result.error ?? '').split('\n')[0] ?? ''}`;
  const failed = failedStepIds(result.probe);
  const steps = failed.length > 0 ? `\nat ${failed.slice(0, 3).join(', ')}${failed.length > 3 ? ', …' : ''}` : '';
  const hop = describeFailureHop(result.failure) ? `\n${describeFailureHop(result.failure)}` : '';
  // The findings that decide the verdict; info findings only when nothing else was found.
  const findings = result.probe.findings.filter((finding) => finding.severity !== 'info' || result.probe.findings.every((other) => other.severity === 'info'));
  const codes = state === 'met' ? [] : findings.map((finding) => String(finding.code));
  return `${result.probe.verdict}${steps}${hop}${codes.map((code) => `\n${code}`).join('')}`;
}

export function renderScenariosTable(input: ScenarioRunReport, options: TableOptions): string {
  const report = sanitizeReport(input);
  const paint = painter(options.color);
  const width = widthOf(options);
  const counts = countScenarios(report.results);
  // With --compare the same scenario appears once per backend: say which row is which.
  const tagBackend = new Set(report.results.map((candidate) => candidate.backend)).size > 1;
  const rows = report.results.map((result): GridCell[] => {
    const state = scenarioState(result);
    return [tagBackend ? `${result.id} [${result.backend}]` : result.id, expectedCell(result), observedCell(result, state), painted(STATE_MARK[state], STATE_STYLE[state], paint)];
  });
  // The catalogue passes when every scenario did what it expects, failures included: the heading
  // says so in those words, never PASS over a column of expected FAILs.
  const status = paint(catalogueStatus(report.verdict, counts), report.verdict === 'pass' ? 'green' : 'red');
  const parts = [
    heading('Scenarios', status, report.durationMs, paint, width),
    renderGrid(['Scenario', 'Expected', 'Observed', 'Met'], rows, { width, keep: [true, true, false, true] }),
    wrapText(`${describeScenarioCounts(counts)}. A scenario is met when the probe's verdict, findings and failing step are the ones it expects: an expected fail that was observed is a success.`, width).join('\n'),
  ];
  // A few scenarios run by hand are for learning: show what the probe concluded and what to change.
  if (report.results.length <= 3) {
    for (const result of report.results.filter((candidate) => candidate.probe.findings.length > 0)) {
      parts.push(`${paint(`${result.id}: what the probe found`, 'bold')}\n\n${renderFindingsText(result.probe.findings, paint, width)}`);
    }
  }
  for (const result of report.results) {
    // Skipped scenarios say why in their row; only unmet and broken ones need the detail.
    const state = scenarioState(result);
    if (state === 'met' || state === 'skipped') continue;
    const lines = wrapText(`${result.id}: ${result.title}`, width).map((line) => paint(line, 'bold'));
    if (result.error) lines.push(...wrapIndented(result.error, width, '  tool error: ', '    '));
    for (const mismatch of result.mismatches) lines.push(...wrapIndented(mismatch, width, '  ✗ ', '    '));
    const expectedFindings = result.expected.findings.join(', ') || 'none';
    lines.push(...wrapIndented(`${result.expected.verdict}, findings ${expectedFindings}${result.expected.failingStep ? `, failing step ${result.expected.failingStep}` : ''}`, width, '  expected: ', '            '));
    const got = result.probe.findings.map((finding) => finding.code).join(', ') || 'none';
    lines.push(...wrapIndented(`${result.probe.verdict}, findings ${got}`, width, '  got:      ', '            '));
    parts.push(lines.join('\n'));
  }
  return `${parts.join('\n\n')}\n`;
}

export function renderSweepTable(input: SweepReport, options: TableOptions): string {
  const report = sanitizeReport(input);
  const paint = painter(options.color);
  const width = widthOf(options);
  const spans = sweepSpans(report);
  const size = report.range.to - report.range.from + 1;
  const rows = spans.map((span): GridCell[] => {
    const style: Style = span.state === 'open' ? 'green' : span.state === 'error' ? 'yellow' : 'red';
    return [span.from === span.to ? String(span.from) : `${span.from}-${span.to}`, painted(span.state, style, paint), String(span.to - span.from + 1)];
  });
  const parts = [
    heading(`Sweep ${report.target}`, verdictText(report.verdict, paint), report.durationMs, paint, width),
    wrapText(`range ${report.range.from}-${report.range.to}, method ${report.method}, tested ${report.tested} of ${size} ports`, width).join('\n'),
    wrapText(formatSpans(spans) || 'no ports tested', width).join('\n'),
    renderGrid(['Ports', 'State', 'Count'], rows, { width }),
    renderFindingsText(report.findings, paint, width),
  ];
  return `${parts.join('\n\n')}\n`;
}

export function renderCheckTable(input: CheckReport, options: TableOptions): string {
  const report = sanitizeReport(input);
  const paint = painter(options.color);
  const width = widthOf(options);
  const rows = report.targets.map((target): GridCell[] => {
    const failures = [...(target.error ? [`tool error: ${target.error}`] : []), ...target.failures];
    return [target.name, target.target, painted(target.verdict === 'pass' ? 'PASS' : 'FAIL', target.verdict === 'pass' ? 'green' : 'red', paint), failures.join('\n') || '-'];
  });
  return `${[heading('Check', verdictText(report.verdict, paint), report.durationMs, paint, width), renderGrid(['Name', 'Target', 'Verdict', 'Failures'], rows, { width, keep: [false, false, true, false] })].join('\n\n')}\n`;
}

export function renderExplainTable(input: ExplainReport, options: TableOptions): string {
  const report = sanitizeReport(input);
  const paint = painter(options.color);
  const width = widthOf(options);
  const shown = sessionsShown(report);
  const head = [
    heading('Explain', verdictText(report.verdict, paint), report.durationMs, paint, width),
    report.inputs.flatMap((item) => [...wrapIndented(inputLine(item), width, '', '  '), ...item.limits.flatMap((limit) => wrapIndented(limit, width, '  limit: ', '         '))]).join('\n'),
    report.summary.flatMap((line) => wrapText(line, width)).join('\n'),
  ];
  const across = report.findings.length > 0 ? [renderFindingsText(report.findings, paint, width)] : [];
  const sessions = shown.map((session) => renderProbeTable(session.report, options).trimEnd());
  const note = sessionsNote(report, shown.length);
  return `${[...head.filter(Boolean), ...across, ...sessions, ...(note ? [note] : [])].join('\n\n')}\n`;
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
    case 'explain':
      return renderExplainTable(report, options);
    case 'preflight':
      return renderPreflightTable(report, options);
  }
}

export function renderPreflightTable(input: PreflightReport, options: TableOptions): string {
  const report = sanitizeReport(input);
  const paint = painter(options.color);
  const width = widthOf(options);
  const blocks = preflightBlocks(report).map((block) => [block.title, ...block.lines.map((line) => wrapIndented(line, width, '  ', '    ').join('\n'))].join('\n'));
  // No duration: the same files must give byte-identical text (users diff it in CI); --json has it.
  return `${[heading('Preflight', verdictText(report.verdict, paint), undefined, paint, width), ...blocks, renderFindingsText(report.findings, paint, width)].join('\n\n')}\n`;
}
