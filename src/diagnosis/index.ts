/**
 * The diagnosis: a pure function from what the probe recorded to findings with remedies.
 * `verdict` is 'fail' exactly when some finding is an error; a failure no rule explains becomes the
 * error UNEXPLAINED_FAILURE (see backstop.ts).
 */
import type { Finding, Step } from '../report/model.js';
import type { Evidence } from '../evidence/model.js';
import { runRules, type Rule } from './engine.js';
import { RULES } from './rules/index.js';

export type { Rule, RuleInput, RuleOutcome, Diagnosis } from './engine.js';
export { RULES } from './rules/index.js';
export { markShownRemedies, PRODUCTS, remediesFor, remedyContext } from './remedies/index.js';
export { identifyServer, productName, serverClues, type ServerClues, type ServerIdentity, type ServerProduct } from './server-product.js';

/** `steps`: the report's steps, so a failed step nothing in the evidence accounts for still fails the run. */
export function diagnose(evidence: Evidence, rules: readonly Rule[] = RULES, steps: readonly Step[] = []): { verdict: 'pass' | 'fail'; findings: Finding[] } {
  return runRules(rules, evidence, steps);
}
