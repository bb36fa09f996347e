/**
 * Small pure helpers shared by the renderers: durations, folded port spans, and the one-sentence
 * story of a failed connection ("SYN to 10.0.0.5:50123 dropped by edge firewall: ...").
 */
import type { ConnectionEvent, PortState, ProbeReport, ScenarioResult, SweepReport, TraceEntry, Verdict } from './model.js';

export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '-';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

export interface PortSpan {
  from: number;
  to: number;
  state: PortState;
}

/** Folds per-port results into runs of consecutive ports with the same state. */
export function foldPorts(ports: readonly { port: number; state: PortState }[]): PortSpan[] {
  const sorted = [...ports].sort((a, b) => a.port - b.port);
  const spans: PortSpan[] = [];
  for (const { port, state } of sorted) {
    const last = spans[spans.length - 1];
    if (last && last.state === state && last.to + 1 === port) last.to = port;
    else if (last && last.state === state && last.to === port) continue; // the same port reported twice
    else spans.push({ from: port, to: port, state });
  }
  return spans;
}

/** The sweep's spans, folded from the ports when the producer did not fold them. */
export function sweepSpans(report: SweepReport): PortSpan[] {
  return report.spans.length > 0 ? report.spans : foldPorts(report.ports);
}

export function formatSpan(span: PortSpan): string {
  return span.from === span.to ? `${span.from} ${span.state}` : `${span.from}-${span.to} ${span.state}`;
}

/** "5500-5519 open, 5520-5525 dropped" */
export function formatSpans(spans: readonly PortSpan[]): string {
  return spans.map(formatSpan).join(', ');
}

export const FAILED_OUTCOMES: ReadonlySet<ConnectionEvent['outcome']> = new Set([
  'timeout',
  'refused',
  'unreachable',
  'reset',
  'closed-early',
  'tls-failed',
  'error',
]);

export function connectionFailed(event: ConnectionEvent): boolean {
  return FAILED_OUTCOMES.has(event.outcome);
}

export const OUTCOME_WORDS: Record<ConnectionEvent['outcome'], string> = {
  connected: 'connected',
  timeout: 'got no answer (dropped)',
  refused: 'was refused (RST)',
  unreachable: 'was unreachable',
  reset: 'was reset',
  'closed-early': 'closed before any data',
  'tls-failed': 'failed the TLS handshake',
  error: 'failed',
};

/** The trace entries that concern a connection (matched on either endpoint, before or after NAT). */
export function traceFor(event: ConnectionEvent, trace: readonly TraceEntry[]): TraceEntry[] {
  return trace.filter((entry) => entry.connection.includes(event.to) || (event.from.includes(':') && entry.connection.includes(event.from)));
}

/** The hop that killed a connection: from the event itself, or from a drop/reject in the trace. */
export function decidingEntry(event: ConnectionEvent, trace: readonly TraceEntry[]): TraceEntry | undefined {
  return traceFor(event, trace).find((entry) => entry.decision === 'drop' || entry.decision === 'reject' || entry.decision === 'timeout');
}

export function hopLabel(at: string): string {
  if (at === 'nat') return 'NAT';
  return /firewall|nat|router|alg/i.test(at) ? at : `${at} firewall`;
}

/**
 * One sentence for a failed connection, the line a person reads first:
 * "data SYN to 10.0.0.5:50123 dropped by edge firewall: no rule matched, policy drop".
 */
export function describeFailure(event: ConnectionEvent, trace: readonly TraceEntry[] = []): string {
  const head = `${event.purpose} SYN to ${event.to}`;
  if (event.decidedBy) return `${head} ${event.decidedBy}`;
  const entry = decidingEntry(event, trace);
  if (entry) {
    const verb = entry.decision === 'reject' ? 'rejected' : entry.decision === 'timeout' ? 'timed out' : 'dropped';
    return `${head} ${verb} by ${hopLabel(entry.at)}: ${entry.rule}`;
  }
  return `${head} ${OUTCOME_WORDS[event.outcome]} after ${formatMs(event.durationMs)}`;
}

/** The first failed data connection (else any failed connection): what the reader should see. */
export function firstFailure(connections: readonly ConnectionEvent[]): ConnectionEvent | undefined {
  return connections.find((event) => event.purpose === 'data' && connectionFailed(event)) ?? connections.find(connectionFailed);
}

/** "step data:pasv, hop edge firewall, rule policy drop" for a scenario's failure. */
export function describeScenarioFailure(failure: ScenarioResult['failure']): string {
  if (!failure) return '';
  const parts = [`step ${failure.step}`];
  if (failure.hop) parts.push(`hop ${failure.hop}`);
  if (failure.rule) parts.push(`rule ${failure.rule}`);
  return parts.join(', ');
}

/** The ids of the steps that failed ("data:epsv", "data:pasv"), what a scenario observed. */
export function failedStepIds(probe: Pick<ProbeReport, 'steps'>): string[] {
  return probe.steps.filter((step) => step.result === 'fail').map((step) => step.id);
}

/** "edge firewall: policy drop": the hop and rule that decided a scenario's failure, or ''. */
export function describeFailureHop(failure: ScenarioResult['failure']): string {
  return failure?.hop ? `${failure.hop}${failure.rule ? `: ${failure.rule}` : ''}` : '';
}

/** Cuts text to a length, marking the cut, without splitting a surrogate pair. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const chars = Array.from(text);
  if (chars.length <= max) return text;
  return `${chars.slice(0, Math.max(0, max - 1)).join('')}…`;
}

export type ScenarioState = 'met' | 'unmet' | 'error' | 'skipped';

/** One word for a scenario's outcome; a tool error outranks everything, a skip is not a pass. */
export function scenarioState(result: Pick<ScenarioResult, 'expectationMet' | 'error' | 'skipped'>): ScenarioState {
  if (result.error) return 'error';
  if (result.skipped !== undefined) return 'skipped';
  return result.expectationMet ? 'met' : 'unmet';
}

export type ScenarioCounts = Record<ScenarioState, number> & { total: number };

export function countScenarios(results: readonly Pick<ScenarioResult, 'expectationMet' | 'error' | 'skipped'>[]): ScenarioCounts {
  const counts: ScenarioCounts = { met: 0, unmet: 0, error: 0, skipped: 0, total: results.length };
  for (const result of results) counts[scenarioState(result)] += 1;
  return counts;
}

/** "7 of 9 scenarios met their expectation, 1 unmet, 1 skipped" (zero counts left out). */
export function describeScenarioCounts(counts: ScenarioCounts): string {
  const extra = [
    counts.unmet > 0 ? `${counts.unmet} unmet` : '',
    counts.error > 0 ? `${counts.error} tool error${counts.error === 1 ? '' : 's'}` : '',
    counts.skipped > 0 ? `${counts.skipped} skipped` : '',
  ].filter(Boolean);
  return `${counts.met} of ${counts.total} scenarios met their expectation${extra.length > 0 ? `, ${extra.join(', ')}` : ''}`;
}

/**
 * The catalogue's status in words: it passes when every scenario did what it expects, expected
 * failures included, so it never says PASS or FAIL over a column of expected failures.
 */
export function catalogueStatus(verdict: Verdict, counts: ScenarioCounts): string {
  return verdict === 'pass' ? 'every expectation met' : `${counts.total - counts.met} of ${counts.total} not met`;
}

/** "fail at data:pasv: DATA_CHANNEL_BLOCKED", what the scenario expects. */
export function scenarioExpectedText(result: ScenarioResult): string {
  const step = result.expected.failingStep ? ` at ${result.expected.failingStep}` : '';
  return `${result.expected.verdict}${step}${result.expected.findings.length > 0 ? `: ${result.expected.findings.join(', ')}` : ''}`;
}

/** What the run showed: verdict, failed steps, where the data channel failed, the findings. */
export function scenarioObservedText(result: ScenarioResult): string {
  if (result.skipped !== undefined) return `skipped: ${result.skipped}`;
  if (result.error) return `tool error: ${result.error.split('\n')[0] ?? ''}`;
  const failed = failedStepIds(result.probe);
  const where = failed.length > 0 ? ` at ${failed.join(', ')}` : '';
  const hop = describeFailureHop(result.failure) ? ` (${describeFailureHop(result.failure)})` : '';
  const codes = result.probe.findings.map((finding) => finding.code).join(', ');
  return `${result.probe.verdict}${where}${hop}${codes ? `: ${codes}` : ''}`;
}
