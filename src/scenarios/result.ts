/** Scenario results that carry no probe run: the tool broke, or the backend cannot reproduce it. */
import type { ProbeReport, ScenarioResult, TraceEntry } from '../report/model.js';
import { SCHEMA_VERSION } from '../report/model.js';
import { TOOL, VERSION } from '../version.js';
import type { Scenario } from './model.js';

export function toolError(scenario: Scenario, error: unknown, trace: TraceEntry[], durationMs: number, backend: 'sim' | 'netns' = 'sim'): ScenarioResult {
  const message = error instanceof Error ? error.message : String(error);
  return {
    id: scenario.id,
    title: scenario.title,
    description: scenario.description,
    source: scenario.source,
    expectationMet: false,
    mismatches: [`the tool failed: ${message}`],
    expected: { verdict: scenario.expect.verdict, findings: scenario.expect.findings ?? [] },
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
    expected: { verdict: scenario.expect.verdict, findings: scenario.expect.findings ?? [] },
    backend,
    probe: emptyProbe(scenario),
    trace: [],
    skipped: reason,
    durationMs: 0,
  };
}
