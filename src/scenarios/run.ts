/**
 * Running a set of scenarios on a backend, concurrently (p-limit), into one ScenarioRunReport.
 */
import { performance } from 'node:perf_hooks';
import pLimit from 'p-limit';
import type { ScenarioResult, ScenarioRunReport } from '../report/model.js';
import { SCHEMA_VERSION } from '../report/model.js';
import { TOOL, VERSION } from '../version.js';
import type { Scenario } from '../topology/model.js';
import type { BackendOptions } from './plan.js';
import { runScenarioInSimulator } from './run-sim.js';

export type BackendName = 'sim' | 'netns';

export type ScenarioRunner = (scenario: Scenario, options: BackendOptions) => Promise<ScenarioResult>;

export interface RunScenariosOptions extends BackendOptions {
  concurrency?: number;
  /** Called as each scenario finishes (progress line). */
  onResult?: (result: ScenarioResult, done: number, total: number) => void;
}

export async function runScenarios(scenarios: Scenario[], runner: ScenarioRunner = runScenarioInSimulator, options: RunScenariosOptions = {}): Promise<ScenarioRunReport> {
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const limit = pLimit(Math.max(1, options.concurrency ?? 4));
  let done = 0;
  const results = await Promise.all(
    scenarios.map((scenario) =>
      limit(async () => {
        const result = await runner(scenario, options);
        done += 1;
        options.onResult?.(result, done, scenarios.length);
        return result;
      }),
    ),
  );
  return {
    tool: TOOL,
    version: VERSION,
    schemaVersion: SCHEMA_VERSION,
    kind: 'scenarios',
    verdict: results.every((result) => result.expectationMet) ? 'pass' : 'fail',
    startedAt,
    durationMs: Math.round(performance.now() - started),
    results,
  };
}
