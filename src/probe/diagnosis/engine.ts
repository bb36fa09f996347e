/**
 * The rule engine: an ordered list of pure rules, each reading the evidence and saying at most one
 * finding. Order is meaning: an earlier rule that explains a data attempt (DATA_SOURCE_REJECTED)
 * takes it away from later, blunter rules (DATA_CHANNEL_REFUSED), and a rule can end the
 * diagnosis when nothing after it could be true (no control connection, no data to judge).
 */
import type { AnyFindingCode, Finding, Verdict } from '../../report/model.js';
import type { DataAttempt, ProbeEvidence } from '../evidence.js';
import { remedyContext, type RemedyContext } from './remedies/index.js';

export interface RuleInput {
  evidence: ProbeEvidence;
  /** Data attempts an earlier rule already explained. */
  explained: ReadonlySet<DataAttempt>;
  /** Findings of earlier rules, for correlations. */
  findings: readonly Finding[];
  remedy: RemedyContext;
}

export interface RuleOutcome {
  finding: Finding;
  /** The failed data attempts this finding accounts for; later rules will not see them. */
  explains?: readonly DataAttempt[];
  /** Nothing after this rule can be judged (e.g. the control connection never opened). */
  final?: boolean;
}

export interface Rule {
  id: string;
  code: AnyFindingCode;
  applies(input: RuleInput): RuleOutcome | undefined;
}

export interface Diagnosis {
  verdict: Verdict;
  findings: Finding[];
}

export function runRules(rules: readonly Rule[], evidence: ProbeEvidence): Diagnosis {
  const explained = new Set<DataAttempt>();
  const findings: Finding[] = [];
  const remedy = remedyContext(evidence);
  for (const rule of rules) {
    const outcome = rule.applies({ evidence, explained, findings, remedy });
    if (!outcome) continue;
    findings.push(outcome.finding);
    for (const attempt of outcome.explains ?? []) explained.add(attempt);
    if (outcome.final) break;
  }
  const verdict: Verdict = findings.some((finding) => finding.severity === 'error') ? 'fail' : 'pass';
  return { verdict, findings };
}

/** Attempts no earlier rule has explained, optionally filtered. */
export function unexplained(input: RuleInput, keep: (attempt: DataAttempt) => boolean = () => true): DataAttempt[] {
  return input.evidence.attempts.filter((attempt) => !input.explained.has(attempt) && keep(attempt));
}
