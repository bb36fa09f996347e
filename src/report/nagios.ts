/**
 * `--format nagios`: one status line for Nagios, Icinga, Naemon and anything else that runs
 * monitoring plugins, with performance data after a '|' as the Monitoring Plugins Development
 * Guidelines define it (`'label'=value[UOM];[warn];[crit];[min];[max]`). Pure: report in, line and
 * plugin state out. The plugin exit codes (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN) are the one
 * place where ftp-doctor's exit codes differ from 0/1/2, and only with this format.
 */
import type { CheckReport, Finding, ProbeReport } from './model.js';
import { sanitizeReport, sanitizeText } from './sanitize.js';

export type NagiosState = 'OK' | 'WARNING' | 'CRITICAL' | 'UNKNOWN';

export const NAGIOS_EXIT_CODES: Record<NagiosState, number> = { OK: 0, WARNING: 1, CRITICAL: 2, UNKNOWN: 3 };

export interface NagiosOutput {
  state: NagiosState;
  exitCode: number;
  /** The status line, without a trailing newline. */
  line: string;
}

/** The service name at the head of the line, as check_ftp prints it. */
const SERVICE = 'FTP';

/** Step ids whose durations are worth graphing, in the order they happen (a fixed set: no free text). */
const PHASE_STEPS = ['resolve', 'connect', 'greeting', 'auth-tls', 'login'] as const;

/**
 * The status text comes from the report and may quote a server; it must stay on one line and
 * must not hold the '|' that starts performance data.
 */
export function statusText(text: string): string {
  return sanitizeText(text).replace(/\\n/g, ' ').replace(/\|/g, '/').replace(/\s+/g, ' ').trim();
}

/** A perfdata label: quoted when it has anything beyond [A-Za-z0-9_], and never an '=' or a quote. */
export function perfLabel(label: string): string {
  const clean = label.replace(/['=]/g, '_');
  return /^[A-Za-z0-9_]+$/.test(clean) ? clean : `'${clean}'`;
}

export interface PerfValue {
  label: string;
  value: number;
  uom?: 's' | '%' | 'B' | 'c' | '';
  warn?: number;
  crit?: number;
  min?: number;
  max?: number;
}

/** `label=value[UOM];[warn];[crit];[min];[max]`, trailing empty fields dropped. */
export function perfData(value: PerfValue): string {
  const fields = [value.warn, value.crit, value.min, value.max].map((field) => (field === undefined ? '' : formatNumber(field)));
  while (fields.length > 0 && fields[fields.length - 1] === '') fields.pop();
  return [`${perfLabel(value.label)}=${formatNumber(value.value)}${value.uom ?? ''}`, ...fields].join(';');
}

function formatNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(3).replace(/0+$/, '').replace(/\.$/, '');
}

function findingsState(findings: readonly Finding[], verdict: 'pass' | 'fail'): NagiosState {
  if (verdict === 'fail') return 'CRITICAL';
  return findings.some((finding) => finding.severity === 'warning') ? 'WARNING' : 'OK';
}

function line(state: NagiosState, summary: string, perf: readonly PerfValue[]): NagiosOutput {
  const perfText = perf.map(perfData).join(' ');
  return { state, exitCode: NAGIOS_EXIT_CODES[state], line: `${SERVICE} ${state} - ${statusText(summary)}${perfText ? ` | ${perfText}` : ''}` };
}

/** The finding the line leads with: the first error, else the first warning. */
function leadingFinding(findings: readonly Finding[]): Finding | undefined {
  return findings.find((finding) => finding.severity === 'error') ?? findings.find((finding) => finding.severity === 'warning');
}

function probeSummary(report: ProbeReport): string {
  const lead = leadingFinding(report.findings);
  const dataSteps = report.steps.filter((step) => step.mode !== undefined && step.result !== 'skip');
  if (!lead) {
    const working = dataSteps.filter((step) => step.result === 'ok').map((step) => `${step.mode?.toUpperCase()}${step.tls ? '+TLS' : ''}`);
    return `${report.target}: data channel works (${working.join(', ') || 'no data modes run'})`;
  }
  const others = report.findings.filter((finding) => finding !== lead && finding.severity !== 'info').length;
  return `${String(lead.code)}: ${lead.title}${others > 0 ? ` (+${others} more)` : ''}`;
}

function probePerf(report: ProbeReport, prefix = ''): PerfValue[] {
  const perf: PerfValue[] = [{ label: `${prefix}time`, value: report.durationMs / 1000, uom: 's', min: 0 }];
  for (const id of PHASE_STEPS) {
    const step = report.steps.find((candidate) => candidate.id === id);
    if (step && step.result !== 'skip') perf.push({ label: `${prefix}${id.replace('-', '_')}`, value: step.durationMs / 1000, uom: 's', min: 0 });
  }
  const dataSteps = report.steps.filter((step) => step.mode !== undefined && step.result !== 'skip');
  perf.push({ label: `${prefix}data_channels_ok`, value: dataSteps.filter((step) => step.result === 'ok').length, min: 0, max: dataSteps.length });
  perf.push({ label: `${prefix}findings_error`, value: report.findings.filter((finding) => finding.severity === 'error').length, min: 0 });
  perf.push({ label: `${prefix}findings_warning`, value: report.findings.filter((finding) => finding.severity === 'warning').length, min: 0 });
  return perf;
}

export function renderNagiosProbe(input: ProbeReport): NagiosOutput {
  const report = sanitizeReport(input);
  return line(findingsState(report.findings, report.verdict), probeSummary(report), probePerf(report));
}

/**
 * A check of several targets: CRITICAL when any failed, UNKNOWN when the tool itself failed on a
 * target (the network was not judged), WARNING when all passed with warnings.
 */
export function renderNagiosCheck(input: CheckReport): NagiosOutput {
  const report = sanitizeReport(input);
  const failed = report.targets.filter((target) => target.verdict === 'fail' && target.error === undefined);
  const broken = report.targets.filter((target) => target.error !== undefined);
  const perf: PerfValue[] = [
    { label: 'time', value: report.durationMs / 1000, uom: 's', min: 0 },
    { label: 'targets', value: report.targets.length, min: 0 },
    { label: 'targets_failed', value: failed.length, min: 0, max: report.targets.length },
    { label: 'targets_unknown', value: broken.length, min: 0, max: report.targets.length },
  ];
  for (const target of report.targets) if (target.probe) perf.push({ label: `${target.name} time`, value: target.probe.durationMs / 1000, uom: 's', min: 0 });
  if (failed.length > 0) {
    const first = failed[0]!;
    const reason = first.failures[0] ?? (first.probe ? probeSummary(first.probe) : 'failed');
    return line('CRITICAL', `${failed.length} of ${report.targets.length} targets failed: ${first.name}: ${reason}${failed.length > 1 ? ` (+${failed.length - 1} more)` : ''}`, perf);
  }
  if (broken.length > 0) return line('UNKNOWN', `${broken.length} of ${report.targets.length} targets not judged: ${broken[0]!.name}: ${broken[0]!.error}`, perf);
  const warnings = report.targets.filter((target) => target.probe?.findings.some((finding) => finding.severity === 'warning'));
  if (warnings.length > 0) {
    const lead = leadingFinding(warnings[0]!.probe!.findings)!;
    return line('WARNING', `all ${report.targets.length} targets pass; ${warnings[0]!.name}: ${String(lead.code)}: ${lead.title}`, perf);
  }
  return line('OK', `all ${report.targets.length} targets pass`, perf);
}

/** A failure of the tool itself (bad arguments, a bad policy, a crash): UNKNOWN, as the guidelines ask. */
export function renderNagiosUnknown(message: string): NagiosOutput {
  return line('UNKNOWN', message, []);
}
