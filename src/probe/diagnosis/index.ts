/**
 * The diagnosis: a pure function from what the probe recorded to findings with remedies.
 * `verdict` is 'fail' exactly when some finding is an error.
 */
import type { Finding } from '../../report/model.js';
import type { ProbeEvidence } from '../evidence.js';
import { runRules, type Rule } from './engine.js';
import { RULES } from './rules/index.js';

export type { Rule, RuleInput, RuleOutcome, Diagnosis } from './engine.js';
export { RULES } from './rules/index.js';
export { PRODUCTS, remediesFor, remedyContext } from './remedies/index.js';

export function diagnose(evidence: ProbeEvidence, rules: readonly Rule[] = RULES): { verdict: 'pass' | 'fail'; findings: Finding[] } {
  return runRules(rules, evidence);
}
