/**
 * The backstop after the rules: every failure the evidence (or the report's steps) shows must be
 * accounted for by some finding. A rule list is never complete — a new server reply, a new way for
 * a session to die — and a failure no rule recognises must fail the run loudly rather than pass.
 */
import type { Finding, Step } from '../report/model.js';
import type { DataAttempt, Evidence, SessionFailure } from '../evidence/model.js';
import { attemptLines, attemptState, replyLine } from './facts.js';

interface LooseEndInput {
  evidence: Evidence;
  explained: ReadonlySet<DataAttempt | SessionFailure>;
  findings: readonly Finding[];
  steps: readonly Step[];
  /** A rule ended the diagnosis: the data failures after it are deliberately left unexplained. */
  stopped: boolean;
}

/** Step ids the main control session records (src/probe/engine.ts), plus name resolution. */
const CONTROL_STEPS = new Set(['resolve', 'connect', 'greeting', 'auth-tls', 'login', 'prot']);

/** A data attempt that did not do its job, including the ways that still look complete. */
export function attemptFailed(attempt: DataAttempt): boolean {
  return attemptState(attempt) !== 'ok' || attempt.controlLostAfterData === true || attempt.token?.matches === false;
}

/** What went wrong on the main control session, as evidence lines; empty when it worked. */
export function controlStageFailures(evidence: Evidence): string[] {
  const lines: string[] = [];
  const { control, greeting, authTls, login } = evidence;
  if (control && control.outcome !== 'connected') lines.push(`* control connection: ${control.outcome}${control.error ? ` (${control.error})` : ''}`);
  if (greeting && 'timeout' in greeting) lines.push(greeting.timeout ? `* greeting: none within ${greeting.waitedMs} ms` : `* greeting: none (${greeting.error ?? 'connection ended'})`);
  else if (greeting && (greeting.code < 200 || greeting.code >= 300)) lines.push(replyLine(greeting));
  if (evidence.tlsMode !== 'none' && authTls && authTls.handshake !== 'ok') {
    lines.push(`* TLS on the control connection: ${authTls.handshake}${authTls.reply ? ` (${replyLine(authTls.reply).slice(2)})` : ''}${authTls.error ? ` (${authTls.error})` : ''}`);
  }
  if (login && !login.ok) {
    const last = login.passReply ?? login.userReply;
    lines.push(last ? replyLine(last) : '* login: no reply');
    if (login.error) lines.push(`* login: ${login.error}`);
  }
  return lines;
}

export function sessionFailureLine(failure: SessionFailure): string {
  return `* ${failure.session} session failed at ${failure.phase}: ${failure.detail}`;
}

/** Does the evidence hold anything for the session a data step ran on ('data:epsv:tls' → 'epsv:tls')? */
function stepBacked(step: Step, evidence: Evidence, controlFailed: boolean): boolean {
  if (CONTROL_STEPS.has(step.id)) return controlFailed;
  const match = /^(?:data|retr):(.+)$/.exec(step.id);
  if (!match) return false;
  const session = match[1];
  return evidence.attempts.some((attempt) => attempt.session === session) || (evidence.sessionFailures ?? []).some((failure) => failure.session === session);
}

/** One UNEXPLAINED_FAILURE error listing every failure nothing accounted for, or undefined. */
export function looseEnds({ evidence, explained, findings, steps, stopped }: LooseEndInput): Finding | undefined {
  const lines: string[] = [];
  const controlLines = controlStageFailures(evidence);
  if (controlLines.length > 0 && !findings.some((finding) => finding.severity === 'error')) lines.push(...controlLines);
  if (!stopped) {
    for (const attempt of evidence.attempts.filter((candidate) => attemptFailed(candidate) && !explained.has(candidate)).slice(0, 3)) {
      lines.push(...attemptLines(attempt));
    }
    for (const failure of (evidence.sessionFailures ?? []).filter((candidate) => !explained.has(candidate))) {
      lines.push(sessionFailureLine(failure));
      if (failure.reply) lines.push(replyLine(failure.reply));
    }
  }
  for (const step of steps.filter((candidate) => candidate.result === 'fail' && !stepBacked(candidate, evidence, controlLines.length > 0))) {
    lines.push(`* step ${step.id} failed: ${step.detail}`);
  }
  if (lines.length === 0) return undefined;
  return {
    code: 'UNEXPLAINED_FAILURE',
    severity: 'error',
    title: 'Something failed that the diagnosis has no rule for',
    explanation:
      `${evidence.source.actedItself ? 'The probe' : `The evidence (${evidence.source.label})`} recorded a failure (below) that none` + ' of the diagnosis rules recognised, so there is no precise cause to name. ' +
      'The run fails anyway: a failure the tool cannot explain is still a failure. The transcript shows what the server said.',
    evidence: lines,
    remedies: [
      {
        product: 'ftp-doctor',
        text: 'Read the transcript and connection log of this run for the exact replies; please report the case with the JSON report so a rule can be added.',
      },
    ],
  };
}
