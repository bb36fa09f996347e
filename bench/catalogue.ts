/**
 * Benchmark 4: wall time of the whole scenario catalogue, in the simulator and on the real
 * firewall (network namespaces), with the concurrency `ftp-doctor scenarios run` uses by default
 * (4 in the simulator, 2 on netns). There is no peer tool for this: the two backends are shown
 * side by side, and how many scenarios met their expectation says the times are of real runs.
 */
import { performance } from 'node:perf_hooks';
import type { ScenarioRunReport } from '../src/report/model.js';
import { loadScenarioDirectory, CATALOGUE_DIR } from '../src/scenarios/load.js';
import type { Scenario } from '../src/topology/model.js';
import { runScenarios } from '../src/scenarios/run.js';
import { runScenarioInSimulator } from '../src/scenarios/run-sim.js';
import { netnsRunner, NetnsUnavailableError } from '../src/scenarios/run-netns.js';
import { formatSeconds, type BenchRow } from './table.js';

export interface CatalogueFigure {
  scenarios: number;
  wallMs: number;
  met: number;
  skipped: number;
  errors: number;
  failedIds: string[];
}

export interface CatalogueResult {
  sim?: CatalogueFigure;
  netns?: CatalogueFigure;
  netnsSkipped?: string;
}

/** In --quick, a few scenarios of different kinds rather than the whole catalogue on netns. */
const QUICK_NETNS = ['control-channel-only', 'healthy-all-modes', 'active-from-port-20-blocked'];

function summarize(report: ScenarioRunReport, wallMs: number): CatalogueFigure {
  const results = report.results;
  return {
    scenarios: results.length,
    wallMs,
    met: results.filter((result) => result.expectationMet && !result.skipped).length,
    skipped: results.filter((result) => result.skipped).length,
    errors: results.filter((result) => result.error).length,
    failedIds: results.filter((result) => !result.expectationMet && !result.skipped).map((result) => result.id),
  };
}

function describe(figure: CatalogueFigure): string {
  const skipped = figure.skipped > 0 ? `, ${figure.skipped} skipped` : '';
  return `${formatSeconds(figure.wallMs)} (${figure.met}/${figure.scenarios} met${skipped})`;
}

async function timed(scenarios: Scenario[], run: () => Promise<ScenarioRunReport>): Promise<CatalogueFigure> {
  const started = performance.now();
  const report = await run();
  if (report.results.length !== scenarios.length) throw new Error('the runner lost scenarios');
  return summarize(report, performance.now() - started);
}

export async function benchCatalogue(quick: boolean): Promise<{ rows: BenchRow[]; result: CatalogueResult }> {
  const catalogue = await loadScenarioDirectory(CATALOGUE_DIR);
  const result: CatalogueResult = {};
  result.sim = await timed(catalogue, () => runScenarios(catalogue, runScenarioInSimulator, { concurrency: 4 }));
  const onKernel = quick ? catalogue.filter((scenario) => QUICK_NETNS.includes(scenario.id)) : catalogue;
  try {
    const runner = await netnsRunner();
    result.netns = await timed(onKernel, () => runScenarios(onKernel, runner, { concurrency: 2 }));
  } catch (error) {
    if (!(error instanceof NetnsUnavailableError)) throw error;
    result.netnsSkipped = error.message;
  }
  // No peer tool replays firewall scenarios: the two backends are the two rows.
  const rows: BenchRow[] = [
    { benchmark: 'catalogue', measure: `whole catalogue (${catalogue.length}) in the simulator`, ours: describe(result.sim), peer: 'no peer tool', ratio: null, met: null, note: 'concurrency 4' },
    {
      benchmark: 'catalogue',
      measure: `${quick ? `${onKernel.length} scenarios (quick)` : `whole catalogue (${onKernel.length})`} on the real firewall (netns)`,
      ours: result.netns ? describe(result.netns) : '-',
      peer: 'no peer tool',
      ratio: null,
      met: null,
      note: result.netns
        ? `concurrency 2; ${(result.netns.wallMs / result.netns.scenarios / (result.sim.wallMs / result.sim.scenarios)).toFixed(1)}× the simulator's time per scenario`
        : `skipped: ${result.netnsSkipped}`,
    },
  ];
  const failed = [...(result.sim.failedIds ?? []).map((id) => `sim:${id}`), ...(result.netns?.failedIds ?? []).map((id) => `netns:${id}`)];
  if (failed.length > 0) rows.push({ benchmark: 'catalogue', measure: 'expectations not met', ours: failed.join(', ').slice(0, 200), peer: '-', ratio: null, met: false });
  return { rows, result };
}
