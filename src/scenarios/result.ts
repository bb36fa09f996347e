/**
 * The shapes of a scenario result: a probe run judged against the scenario's expectation, or no
 * run at all (the tool broke, or the backend cannot reproduce the scenario). One place, so both
 * backends report alike.
 */
import type { ProbeReport, ScenarioResult, TraceEntry } from '../report/model.js';
import { SCHEMA_VERSION } from '../report/model.js';
import { TOOL, VERSION } from '../version.js';
import { checkExpectation } from './expectation.js';
import type { Scenario } from '../topology/model.js';
import { parsePortRange } from './validate.js';

export function toolError(scenario: Scenario, error: unknown, trace: TraceEntry[], durationMs: number, backend: 'sim' | 'netns' = 'sim'): ScenarioResult {
  const message = error instanceof Error ? error.message : String(error);
  return {
    id: scenario.id,
    title: scenario.title,
    description: scenario.description,
    source: scenario.source,
    expectationMet: false,
    mismatches: [`the tool failed: ${message}`],
    expected: expectedOf(scenario),
    backend,
    probe: emptyProbe(scenario),
    trace: [...trace],
    error: message,
    durationMs: Math.round(durationMs),
  };
}

function emptyProbe(scenario: Scenario): ProbeReport {
  return {
    tool: TOOL,
    version: VERSION,
    schemaVersion: SCHEMA_VERSION,
    kind: 'probe',
    target: scenario.id,
    verdict: 'fail',
    startedAt: new Date().toISOString(),
    durationMs: 0,
    addressPolicy: 'control-peer',
    steps: [],
    findings: [],
    transcript: [],
    connections: [],
  };
}

export function skippedResult(scenario: Scenario, backend: 'sim' | 'netns', reason: string): ScenarioResult {
  return {
    id: scenario.id,
    title: scenario.title,
    description: scenario.description,
    source: scenario.source,
    // Not a failure of the network or of the tool: the run says so and moves on.
    expectationMet: true,
    mismatches: [],
    expected: expectedOf(scenario),
    backend,
    probe: emptyProbe(scenario),
    trace: [],
    skipped: reason,
    durationMs: 0,
  };
}

/** What the scenario expects, as the report shows it. */
export function expectedOf(scenario: Scenario): ScenarioResult['expected'] {
  // The range is what a --compare run needs to tell a port draw from a disagreement.
  const range = parsePortRange(scenario.client.expectRange);
  return {
    verdict: scenario.expect.verdict,
    findings: scenario.expect.findings ?? [],
    ...(scenario.expect.failingStep ? { failingStep: scenario.expect.failingStep } : {}),
    ...(range ? { expectRange: range } : {}),
  };
}

/** A probe run on a backend, judged against the scenario's expectation. */
export function completedResult(
  scenario: Scenario,
  backend: 'sim' | 'netns',
  run: { probe: ProbeReport; failure: ScenarioResult['failure']; trace: TraceEntry[]; durationMs: number },
): ScenarioResult {
  const mismatches = checkExpectation(scenario.expect, run.probe);
  return {
    id: scenario.id,
    title: scenario.title,
    description: scenario.description,
    source: scenario.source,
    expectationMet: mismatches.length === 0,
    mismatches,
    expected: expectedOf(scenario),
    backend,
    probe: run.probe,
    ...(run.failure ? { failure: run.failure } : {}),
    trace: run.trace,
    durationMs: Math.round(run.durationMs),
  };
}
