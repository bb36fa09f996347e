/**
 * A `scenarios run --compare` report holds every scenario twice, once per backend (simulator and
 * real kernel), in one flat `results` list. Renderers that show one row per scenario need them
 * paired again, with a word on whether the two backends saw the same network. Pure.
 */
import type { ScenarioResult } from './model.js';

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

/** Same verdict and the same error findings on every backend. */
export function agreementOf(results: readonly (ScenarioResult | undefined)[]): Agreement {
  const ran: ScenarioResult[] = [];
  for (const result of results) {
    if (!result || result.skipped !== undefined || result.error) return 'incomparable';
    ran.push(result);
  }
  if (ran.length < 2) return 'incomparable';
  const outcomes = new Set(ran.map((result) => `${result.probe.verdict}|${errorCodes(result).join(',')}`));
  return outcomes.size === 1 ? 'agree' : 'disagree';
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
