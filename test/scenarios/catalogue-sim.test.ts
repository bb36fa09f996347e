/**
 * The whole catalogue through the simulator: every scenario must meet its expectation, and an
 * expectation that is changed must make the run fail (so the expectations are really checked).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadScenarioDirectory, CATALOGUE_DIR } from '../../src/scenarios/load.js';
import type { Scenario } from '../../src/topology/model.js';
import { runScenarios } from '../../src/scenarios/run.js';
import type { ScenarioRunReport } from '../../src/report/model.js';
import { checkExpectation } from '../../src/scenarios/expectation.js';

let scenarios: Scenario[] = [];
let report: ScenarioRunReport;

beforeAll(async () => {
  scenarios = await loadScenarioDirectory(CATALOGUE_DIR);
  // The scenarios' 300 ms deadlines are sized for an idle machine: a busy one gets three times as long.
  report = await runScenarios(scenarios, undefined, { concurrency: 4, timeScale: 3 });
}, 120_000);

describe('scenario catalogue in the simulator', () => {
  it('ran every scenario without a tool error', () => {
    expect(report.results).toHaveLength(scenarios.length);
    for (const result of report.results) expect(result.error, result.id).toBeUndefined();
  });

  it('every scenario meets its expectation', () => {
    // With the steps that did not pass, so a failure on a loaded machine says which deadline it was.
    const notOk = (result: (typeof report.results)[number]): string =>
      (result.probe?.steps ?? []).filter((step) => step.result !== 'ok').map((step) => `${step.id} ${step.result} after ${Math.round(step.durationMs)} ms: ${step.detail}`).join(' | ');
    const unmet = report.results.filter((result) => !result.expectationMet).map((result) => `${result.id}: ${result.mismatches.join('; ')} [${notOk(result)}]`);
    expect(unmet).toEqual([]);
    expect(report.verdict).toBe('pass');
  });

  it('every failing scenario says where the data channel failed', () => {
    // A fail verdict without a failed step (a wrong 227 address that our probe worked around) has
    // no place where the data channel died; every other failing scenario must name one.
    for (const result of report.results.filter((candidate) => candidate.probe.steps.some((step) => step.result === 'fail'))) {
      expect(result.failure?.step, result.id).toBeDefined();
      const failed = result.probe.steps.filter((step) => step.result === 'fail').map((step) => step.id);
      expect(failed, result.id).toContain(result.failure?.step);
    }
  });

  it('names the firewall rule that dropped the data connection', () => {
    const controlOnly = report.results.find((result) => result.id === 'control-channel-only');
    expect(controlOnly?.failure).toMatchObject({ hop: 'edge firewall', rule: 'policy drop' });
    const refused = report.results.find((result) => result.id === 'data-channel-refused');
    expect(refused?.failure).toMatchObject({ hop: 'server host firewall', rule: 'reject passive range' });
  });

  it('a changed expectation makes the scenario fail', () => {
    for (const result of report.results) {
      const flipped = { ...result.expected, verdict: result.expected.verdict === 'pass' ? ('fail' as const) : ('pass' as const) };
      expect(checkExpectation(flipped, result.probe).length, result.id).toBeGreaterThan(0);
      if (result.probe.findings.length > 0) {
        const code = result.probe.findings[0]!.code;
        expect(checkExpectation({ verdict: result.probe.verdict, absent: [code] }, result.probe), result.id).toHaveLength(1);
      }
    }
  });

  it('findings come from the evidence: every error finding carries evidence lines and remedies', () => {
    for (const result of report.results) {
      for (const finding of result.probe.findings.filter((candidate) => candidate.severity === 'error')) {
        expect(finding.evidence.length, `${result.id} ${finding.code}`).toBeGreaterThan(0);
        expect(finding.remedies.length, `${result.id} ${finding.code}`).toBeGreaterThan(0);
      }
    }
  });
});
