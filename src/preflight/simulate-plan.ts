/**
 * Which simulated runs a prediction makes. The simulated server draws its passive port at random,
 * so one run over the whole range would report whichever span that port fell in (and EPSV and PASV
 * drawing ports of different spans read as "EPSV blocked"). Instead the server is pinned to a
 * few ports of each span of different outcome the files showed: the same files give the same runs.
 * Which of those few ports a session gets is drawn from the run's seed (predict.ts passes one), so
 * the 227/229 ports the findings quote are the same every run too.
 */
import type { Scenario } from '../topology/model.js';
import type { Outcome, PortsOutcome } from './reach.js';

export interface PlannedRun {
  scenario: Scenario;
  /** The span this run's passive port stands for; absent: the server's own choice (no range known). */
  span?: PortsOutcome;
}

/**
 * One run per outcome, pinned to the first ports of the first span with it. Without a server
 * configuration the real range is unknown: only a span that gets through is tried (the run then
 * checks the rest of the session), else the stand-in server picks as it likes.
 */
export function simulationPlan(scenario: Scenario, passive: readonly PortsOutcome[], serverKnown: boolean): PlannedRun[] {
  const seen = new Set<Outcome>();
  const runs: PlannedRun[] = [];
  for (const span of passive) {
    if (seen.has(span.outcome) || (!serverKnown && span.outcome !== 'open')) continue;
    seen.add(span.outcome);
    runs.push({ scenario: pinned(scenario, span.ports.from, Math.min(span.ports.to, span.ports.from + PORTS_PER_RUN - 1)), span });
  }
  return runs.length > 0 ? runs : [{ scenario }];
}

/** A session may hold one port while it opens the next: a few ports, all of the same span. */
const PORTS_PER_RUN = 4;

function pinned(scenario: Scenario, from: number, to: number): Scenario {
  const server = { ...(scenario.topology.server ?? {}), pasvRange: from === to ? String(from) : `${from}-${to}` };
  return { ...scenario, topology: { ...scenario.topology, server } };
}
