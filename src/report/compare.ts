/**
 * A `scenarios run --compare` report holds every scenario twice, once per backend (simulator and
 * real kernel), in one flat `results` list. Renderers that show one row per scenario need them
 * paired again, with a word on whether the two backends saw the same network. Pure.
 */
import type { ScenarioResult } from './model.js';
import { parseStepId } from '../evidence/record.js';

export type Backend = ScenarioResult['backend'];

/**
 * 'agree' and 'disagree' need every backend to have run the scenario; 'incomparable' when one
 * skipped it (a stated kernel limitation), broke (a tool error says nothing about the network)
 * or is missing.
 */
export type Agreement = 'agree' | 'disagree' | 'incomparable';

export interface ScenarioComparison {
  id: string;
  title: string;
  /** The scenario's result on each backend, in `ComparedRun.backends` order; undefined when it did not run there. */
  results: (ScenarioResult | undefined)[];
  agreement: Agreement;
}

export interface ComparedRun {
  backends: Backend[];
  /** Disagreements first, then the incomparable, then agreements; catalogue order within each. */
  scenarios: ScenarioComparison[];
  counts: Record<Agreement, number>;
}

/** The backends in the order their first result appears. */
export function backendsOf(results: readonly ScenarioResult[]): Backend[] {
  return [...new Set(results.map((result) => result.backend))];
}

/** A report is a comparison when some scenario ran on more than one backend. */
export function isComparison(results: readonly ScenarioResult[]): boolean {
  const seen = new Map<string, Backend>();
  for (const result of results) {
    const backend = seen.get(result.id);
    if (backend !== undefined && backend !== result.backend) return true;
    seen.set(result.id, result.backend);
  }
  return false;
}

/** Error findings decide the verdict; warnings (a self-signed certificate) are not the network's doing. */
export function errorCodes(result: ScenarioResult): string[] {
  return result.probe.findings
    .filter((finding) => finding.severity === 'error')
    .map((finding) => String(finding.code))
    .sort();
}

/**
 * Findings that only say "this data connection failed": on a range the server and the firewall
 * share in part, whether a run has one depends on the port the server happened to draw.
 */
const DATA_SYMPTOMS = new Set(['DATA_CHANNEL_BLOCKED', 'DATA_CHANNEL_REFUSED']);

type PortRange = { from: number; to: number };
type Side = 'inside' | 'outside';

const sideOf = (port: number, range: PortRange): Side => (port >= range.from && port <= range.to ? 'inside' : 'outside');

/** The port of "10.0.0.5:5503" or "[2001:db8:2::5]:5503". */
function portOf(endpoint: string): number {
  return Number(endpoint.slice(endpoint.lastIndexOf(':') + 1));
}

/**
 * Does this run's outcome hang on the server's random port draw? Yes when the scenario declares
 * the range the firewall allows and the server handed out ports on both sides of it: each
 * transfer then works or not by chance, on the kernel as in the simulator.
 */
function drawDecides(result: ScenarioResult, range: PortRange | undefined): range is PortRange {
  if (!range) return false;
  const sides = new Set((result.probe.passivePorts ?? []).map((port) => sideOf(port, range)));
  return sides.size === 2;
}

/**
 * How the passive data connections ended, by the side of the range their port fell on:
 * "inside:connected", "outside:timeout". Two backends contradict each other only when ports on
 * the same side ended differently; different draws landing on different sides do not.
 */
function outcomesBySide(result: ScenarioResult, range: PortRange): Map<Side, string> {
  const advertised = new Set(result.probe.passivePorts ?? []);
  const outcomes = new Map<Side, Set<string>>();
  for (const connection of result.probe.connections) {
    const port = portOf(connection.to);
    if (connection.purpose !== 'data' || !advertised.has(port)) continue;
    const side = sideOf(port, range);
    outcomes.set(side, (outcomes.get(side) ?? new Set()).add(connection.outcome));
  }
  return new Map([...outcomes].map(([side, seen]) => [side, [...seen].sort().join('/')]));
}

/** The first step that failed: where the run broke. */
function failingStep(result: ScenarioResult, skipData: boolean): string {
  return result.probe.steps.find((step) => step.result === 'fail' && !(skipData && parseStepId(step.id).kind === 'data'))?.id ?? 'none';
}

/**
 * What a scenario is about, as one comparable line: its verdict, whether its expectation held,
 * each finding it names, its error findings and where it failed. When the port draw decides the
 * data transfers, the data symptoms and data steps are left out here and judged by side instead.
 */
function judgement(result: ScenarioResult, byDraw: boolean): string {
  const codes = errorCodes(result).filter((code) => !(byDraw && DATA_SYMPTOMS.has(code) && !result.expected.findings.includes(code)));
  const named = result.expected.findings.map((code) => `${code}=${result.probe.findings.some((finding) => finding.code === code)}`);
  const expectedStep = result.expected.failingStep;
  const stepResult = expectedStep ? `${expectedStep}=${result.probe.steps.find((step) => step.id === expectedStep)?.result ?? 'absent'}` : '';
  return [result.probe.verdict, result.expectationMet, named.join(','), codes.join(','), failingStep(result, byDraw), stepResult].join('|');
}

/**
 * Did every backend see the same network? The same verdict, the same findings (those the
 * scenario names and every other error) and the same failing step. A port draw is not a network:
 * on a range the server and the firewall share in part (both backends saw ports on both sides of
 * the declared range) each backend's server draws its own random ports, so the transfers are
 * compared by the side of the range their ports fell on, not one by one.
 */
export function agreementOf(results: readonly (ScenarioResult | undefined)[]): Agreement {
  const ran: ScenarioResult[] = [];
  for (const result of results) {
    if (!result || result.skipped !== undefined || result.error) return 'incomparable';
    ran.push(result);
  }
  if (ran.length < 2) return 'incomparable';
  const range = ran[0]?.expected.expectRange;
  const byDraw = ran.every((result) => drawDecides(result, range));
  if (new Set(ran.map((result) => judgement(result, byDraw))).size > 1) return 'disagree';
  if (byDraw && range) {
    const sides = ran.map((result) => outcomesBySide(result, range));
    for (const side of ['inside', 'outside'] as const) {
      const seen = new Set(sides.flatMap((outcomes) => outcomes.get(side) ?? []));
      if (seen.size > 1) return 'disagree';
    }
  }
  return 'agree';
}

const AGREEMENT_ORDER: Record<Agreement, number> = { disagree: 0, incomparable: 1, agree: 2 };

/** Pairs each scenario's results across backends; order of first appearance is kept within a group. */
export function compareBackends(results: readonly ScenarioResult[]): ComparedRun {
  const backends = backendsOf(results);
  const byId = new Map<string, ScenarioResult[]>();
  for (const result of results) {
    const group = byId.get(result.id);
    if (group) group.push(result);
    else byId.set(result.id, [result]);
  }
  const scenarios = [...byId.entries()].map(([id, group]): ScenarioComparison => {
    const paired = backends.map((backend) => group.find((result) => result.backend === backend));
    return { id, title: group[0]?.title ?? id, results: paired, agreement: agreementOf(paired) };
  });
  // Array.prototype.sort is stable: catalogue order survives within each agreement group.
  scenarios.sort((a, b) => AGREEMENT_ORDER[a.agreement] - AGREEMENT_ORDER[b.agreement]);
  const counts: Record<Agreement, number> = { agree: 0, disagree: 0, incomparable: 0 };
  for (const scenario of scenarios) counts[scenario.agreement] += 1;
  return { backends, scenarios, counts };
}

/** "1 of 2 scenarios agree across sim and netns, 1 disagrees" (zero counts left out). */
export function describeAgreement(run: ComparedRun): string {
  const total = run.scenarios.length;
  const extra = [
    run.counts.disagree > 0 ? `${run.counts.disagree} disagree${run.counts.disagree === 1 ? 's' : ''}` : '',
    run.counts.incomparable > 0 ? `${run.counts.incomparable} not comparable (skipped, tool error or missing on a backend)` : '',
  ].filter(Boolean);
  return `${run.counts.agree} of ${total} scenario${total === 1 ? '' : 's'} agree across ${run.backends.join(' and ')}${extra.length > 0 ? `, ${extra.join(', ')}` : ''}`;
}
