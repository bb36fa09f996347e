/**
 * Data-mode sessions that ended before a data attempt. Each mode runs on a control session of its
 * own; when the main session worked but a mode's session was turned away (421 too many sessions),
 * refused at login or PROT P, or died, that mode was never tested — which is a failure to report,
 * not a mode to forget.
 */
import type { SessionFailure } from '../../evidence/model.js';
import type { Rule, RuleInput } from '../engine.js';
import { replyLine } from '../facts.js';
import { remediesFor, type Problem } from '../remedies/index.js';
import { matchWording, SESSION_LIMIT_WORDINGS, TLS_REQUIRED_WORDINGS } from '../wording.js';

const sessionName = (failure: SessionFailure): string => `${failure.mode.toUpperCase()}${failure.tls ? ' (TLS)' : ''}`;

function limitMatch(failure: SessionFailure) {
  return matchWording([failure.reply], SESSION_LIMIT_WORDINGS) ?? (failure.reply ? undefined : matchDetail(failure));
}

/** A reply the client could not record (a 421 then a close) still shows in the phase detail. */
function matchDetail(failure: SessionFailure) {
  const code = /\b(4\d\d|5\d\d)\b/.exec(failure.detail)?.[1];
  return code ? matchWording([{ code: Number(code), message: failure.detail, at: 0 }], SESSION_LIMIT_WORDINGS) : undefined;
}

function unexplainedFailures(input: RuleInput, keep: (failure: SessionFailure) => boolean): SessionFailure[] {
  return (input.evidence.sessionFailures ?? []).filter((failure) => !input.explained.has(failure) && keep(failure));
}

function lines(failures: readonly SessionFailure[]): string[] {
  return failures.slice(0, 3).flatMap((failure) => [
    `* ${failure.session} session: failed at ${failure.phase}: ${failure.detail}`,
    ...(failure.reply ? [replyLine(failure.reply)] : []),
  ]);
}

const names = (failures: readonly SessionFailure[]): string => [...new Set(failures.map(sessionName))].join(', ');

export const sessionLimitReached: Rule = {
  id: 'session-limit-reached',
  code: 'SESSION_LIMIT_REACHED',
  applies(input) {
    const limited = unexplainedFailures(input, (failure) => limitMatch(failure) !== undefined);
    const first = limited[0];
    if (!first) return undefined;
    const match = limitMatch(first);
    const said = first.reply ? `${first.reply.code} ${first.reply.message}` : first.detail;
    return {
      finding: {
        code: 'SESSION_LIMIT_REACHED',
        severity: 'error',
        title: `The server turned away the ${names(limited)} session: too many sessions (${said})`,
        explanation:
          `The probe runs each data mode on a control session of its own, all at the same time; ${match?.server ?? 'the server'} refused ${limited.length === 1 ? 'one of them' : `${limited.length} of them`} ` +
          `with "${said}" — a limit on sessions per client address (or in total), so ${names(limited)} could not be tested. ` +
          'Real clients hit the same wall: FileZilla, WinSCP and browsers open a second connection for transfers while the first stays open, ' +
          'and everyone behind one NAT address counts as one client. A per-address limit of one or two is too low.',
        evidence: lines(limited),
        remedies: remediesFor(['session-limit'], input.remedy),
      },
      explains: limited,
    };
  },
};

/** The remedy problems for a session that failed at a given phase. */
function problems(failure: SessionFailure): Problem[] {
  switch (failure.phase) {
    case 'connect':
    case 'greeting':
      return ['open-control'];
    case 'auth-tls':
      return ['auth-tls', 'tls-inspection'];
    case 'login':
      return ['login'];
    case 'prot':
      return ['data-protection'];
    case 'data':
      return ['session-lost'];
  }
}

const PHASE_WORDS: Record<SessionFailure['phase'], string> = {
  connect: 'could not connect (the main session could, moments before)',
  greeting: 'was not greeted with 220',
  'auth-tls': 'could not turn on TLS',
  login: 'was refused at login (the main session logged in with the same credentials)',
  prot: 'was refused PBSZ/PROT P, so its data connections could not be encrypted',
  data: 'died while its data channel was set up or running',
};

export const modeSessionFailed: Rule = {
  id: 'mode-session-failed',
  code: 'MODE_SESSION_FAILED',
  applies(input) {
    const failures = unexplainedFailures(input, () => true);
    const first = failures[0];
    if (!first) return undefined;
    const reply = first.reply ? ` ("${first.reply.code} ${first.reply.message}")` : ` (${first.detail})`;
    const tlsFirst = first.phase === 'login' && matchWording([first.reply], TLS_REQUIRED_WORDINGS) !== undefined;
    return {
      finding: {
        code: 'MODE_SESSION_FAILED',
        severity: 'error',
        title: `The ${sessionName(first)} session failed at ${first.phase === 'prot' ? 'PROT P' : first.phase}, before any data connection${reply}`,
        explanation:
          `Each data mode runs on a control session of its own. The ${sessionName(first)} session ${PHASE_WORDS[first.phase]}${reply}, ` +
          `so ${names(failures)} could not be tested at all.` +
          (tlsFirst ? ' The server wants TLS before login on this session.' : '') +
          (failures.length > 1 ? ` ${failures.length} sessions failed like this.` : '') +
          ' A failure the main session did not have points at limits, load balancing across differently configured servers, or a filter that treats sessions differently.',
        evidence: lines(failures),
        remedies: remediesFor(problems(first), input.remedy),
      },
      explains: failures,
    };
  },
};
