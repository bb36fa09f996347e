/**
 * Does a probe report meet a scenario's expectation? Pure. Each unmet expectation becomes one
 * sentence, so a run that disagrees with its scenario says exactly how.
 */
import type { ProbeReport } from '../report/model.js';
import type { Expectation } from '../topology/model.js';
import { parseStepId } from '../evidence/record.js';

export function checkExpectation(expectation: Expectation, report: ProbeReport): string[] {
  const mismatches: string[] = [];
  const codes = new Set<string>(report.findings.map((finding) => finding.code));
  if (report.verdict !== expectation.verdict) {
    mismatches.push(`verdict is ${report.verdict}, expected ${expectation.verdict}`);
  }
  for (const code of expectation.findings ?? []) {
    if (!codes.has(code)) mismatches.push(`finding ${code} is missing (found: ${[...codes].join(', ') || 'none'})`);
  }
  for (const code of expectation.absent ?? []) {
    if (codes.has(code)) mismatches.push(`finding ${code} is present but must not be`);
  }
  if (expectation.failingStep !== undefined) {
    const step = report.steps.find((candidate) => candidate.id === expectation.failingStep);
    if (!step) mismatches.push(`step ${expectation.failingStep} did not run (steps: ${report.steps.map((candidate) => candidate.id).join(', ')})`);
    else if (step.result !== 'fail') mismatches.push(`step ${expectation.failingStep} ${step.result === 'ok' ? 'succeeded' : `ended "${step.result}"`}, expected it to fail`);
  }
  return mismatches;
}

/** The first data step that failed, which is where "the data channel failed". */
export function firstFailedDataStep(report: ProbeReport): ProbeReport['steps'][number] | undefined {
  return report.steps.find((step) => parseStepId(step.id).kind === 'data' && step.result === 'fail') ?? report.steps.find((step) => step.result === 'fail');
}
