/**
 * The simulator backend: one scenario = one simulated internet, our reference server on its server
 * host and our probe on its client host, both unchanged. Where the data channel failed comes from
 * the probe's own evidence (which step, which connection), and the simulator's trace only names the
 * hop and rule that decided that connection.
 */
import { performance } from 'node:perf_hooks';
import { createSimulation, type Simulation } from '../net/sim/index.js';
import { seededRandom } from '../net/sim/hosts.js';
import { runProbe } from '../probe/index.js';
import type { ProbeReport, ScenarioResult, TraceEntry } from '../report/model.js';
import { startServer, type RunningServer } from '../server/index.js';
import { firstFailedDataStep } from './expectation.js';
import { completedResult, toolError } from './result.js';
import type { Scenario } from '../topology/model.js';
import { parseStepId } from '../evidence/record.js';
import { probeOptionsFor, scenarioDefaults, type BackendOptions } from './plan.js';
import { serverOptionsFor } from './server-settings.js';

export async function runScenarioInSimulator(scenario: Scenario, options: BackendOptions = {}): Promise<ScenarioResult> {
  const started = performance.now();
  const timing = scenarioDefaults(scenario, options);
  const sim = createSimulation(scenario.topology, { seed: options.seed ?? 1 });
  let server: RunningServer | undefined;
  try {
    server = await startServer({ ...serverOptionsFor(scenario.topology.server ?? {}, timing, { dualStack: sim.addresses6 !== undefined }), ...seededPorts(options.seed) }, sim.network('server'));
    const host = scenario.client.family === 6 && sim.addresses6 ? sim.addresses6.server : scenario.client.dial === 'edge' ? sim.addresses.edgeOutside : sim.addresses.server;
    const probe = await runProbe(probeOptionsFor(scenario, host, server.port, timing), sim.network('client'));
    return completedResult(scenario, 'sim', { probe, failure: locateFailure(probe, sim), trace: [...sim.trace], durationMs: performance.now() - started });
  } catch (error) {
    return toolError(scenario, error, sim.trace, performance.now() - started);
  } finally {
    // Tear the network down first: a server saying 421 into a connection the simulated NAT has
    // forgotten would otherwise wait out its flush deadline for nothing.
    sim.close();
    await server?.close().catch(() => {});
  }
}

/**
 * A seed given: the server draws its passive ports from it too, so the same scenario hands out the
 * same ports every run (preflight's output is diffed in CI). None: the server's own random draw.
 */
function seededPorts(seed: number | undefined): { passivePortRandom?: (below: number) => number } {
  if (seed === undefined) return {};
  const draw = seededRandom(seed);
  return { passivePortRandom: (below) => Math.floor(draw() * below) };
}

/**
 * The failed step, and the hop and rule that decided its connection: the probe says which
 * connection died and how; the simulator says who decided it.
 */
function locateFailure(probe: ProbeReport, sim: Simulation): ScenarioResult['failure'] {
  const step = firstFailedDataStep(probe);
  if (!step) return undefined;
  const candidates = probe.connections.filter((event) => event.outcome !== 'connected' && (step.mode === undefined || event.session === parseStepId(step.id).session || event.session.startsWith(step.mode)));
  for (const event of candidates) {
    const decision = sim.decisionFor(event.from, event.to);
    if (decision && decision.decision !== 'accept') return { step: step.id, hop: decision.at, rule: decision.rule };
  }
  const lastBlock = [...sim.trace].reverse().find((entry) => entry.decision === 'drop' || entry.decision === 'reject' || entry.decision === 'timeout');
  return lastBlock ? { step: step.id, hop: lastBlock.at, rule: lastBlock.rule } : { step: step.id };
}


