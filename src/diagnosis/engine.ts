/**
 * The rule engine: an ordered list of pure rules, each reading the evidence and saying at most one
 * finding. Order is meaning: an earlier rule that explains a data attempt (DATA_SOURCE_REJECTED)
 * takes it away from later, blunter rules (DATA_CHANNEL_REFUSED), and a rule can end the
 * diagnosis when nothing after it could be true (no control connection, no data to judge).
 */
import type { Finding, FindingCode, Step, Verdict } from '../report/model.js';
import type { DataAttempt, Evidence, SessionFailure } from '../evidence/model.js';
import { looseEnds } from './backstop.js';
import { remedyContext, type RemedyContext } from './remedies/index.js';

/** A failure a rule can account for: a data attempt or a mode session that never got to one. */
export type Explainable = DataAttempt | SessionFailure;

export interface RuleInput {
  evidence: Evidence;
  /** Data attempts and session failures an earlier rule already explained. */
  explained: ReadonlySet<Explainable>;
  /** Findings of earlier rules, for correlations. */
  findings: readonly Finding[];
  remedy: RemedyContext;
}

export interface RuleOutcome {
  finding: Finding;
  /** The failed data attempts (or session failures) this finding accounts for; later rules will not see them. */
  explains?: readonly Explainable[];
  /** Nothing after this rule can be judged (e.g. the control connection never opened). */
  final?: boolean;
}

export interface Rule {
  id: string;
  /** The code(s) the rule can say (the registry in src/findings lists each). */
  code: FindingCode | readonly FindingCode[];
  applies(input: RuleInput): RuleOutcome | undefined;
}

export interface Diagnosis {
  verdict: Verdict;
  findings: Finding[];
}

/**
 * Runs the rules, then the backstop: a failure in the evidence (or a failed step in `steps`) that
 * no rule accounted for becomes an UNEXPLAINED_FAILURE error, so a gap in the rules can never turn
 * a failed run into a pass.
 */
export function runRules(rules: readonly Rule[], evidence: Evidence, steps: readonly Step[] = []): Diagnosis {
  const explained = new Set<Explainable>();
  const findings: Finding[] = [];
  const remedy = remedyContext(evidence);
  let stopped = false;
  for (const rule of rules) {
    const outcome = rule.applies({ evidence, explained, findings, remedy });
    if (!outcome) continue;
    findings.push(outcome.finding);
    for (const item of outcome.explains ?? []) explained.add(item);
    if (outcome.final) {
      stopped = true;
      break;
    }
  }
  const backstop = looseEnds({ evidence, explained, findings, steps, stopped });
  if (backstop) findings.push(backstop);
  const verdict: Verdict = findings.some((finding) => finding.severity === 'error') ? 'fail' : 'pass';
  return { verdict, findings };
}

/** Attempts no earlier rule has explained, optionally filtered. */
export function unexplained(input: RuleInput, keep: (attempt: DataAttempt) => boolean = () => true): DataAttempt[] {
  return input.evidence.attempts.filter((attempt) => !input.explained.has(attempt) && keep(attempt));
}
