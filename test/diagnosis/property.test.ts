import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { diagnose } from '../../src/diagnosis/index.js';
import type { DataAttempt, ProbeEvidence, SessionFailure } from '../../src/evidence/model.js';
import { active, passive, probe, reply } from './fixtures.js';

const notStarted = { outcome: 'not-started' as const, bytes: 0, durationMs: 0 };
const noTransfer = { transferCommand: undefined, preliminaryReply: undefined, finalReply: undefined, transfer: notStarted };

const PASSIVE_STATES = ['ok', 'timeout', 'refused', 'unreachable', 'mode-refused', 'unusable', 'refused-425', 'closed-early', 'stalled', 'tls-failed', 'idle'] as const;
const ACTIVE_STATES = ['ok', 'mode-refused', 'inbound-missing', 'refused-425'] as const;

function passiveAttempt(mode: 'pasv' | 'epsv', tls: boolean, state: (typeof PASSIVE_STATES)[number]): DataAttempt {
  switch (state) {
    case 'ok':
      return passive(mode, { tls });
    case 'timeout':
    case 'refused':
    case 'unreachable':
      return passive(mode, { tls, connect: state });
    case 'mode-refused':
      return passive(mode, { tls, patch: { modeReply: reply(502, 'Command not implemented.'), advertised: undefined, dialed: undefined, connect: undefined, dataTls: undefined, ...noTransfer } });
    case 'unusable':
      return passive(mode, { tls, patch: { parseError: 'no port found', advertised: undefined, dialed: undefined, connect: undefined, dataTls: undefined, ...noTransfer } });
    case 'refused-425':
      return passive(mode, { tls, replies: [[425, "Can't open data connection."]], outcome: 'refused-by-server', bytes: 0 });
    case 'closed-early':
      return passive(mode, { tls, replies: [[150, 'Opening']], outcome: 'closed-early', bytes: 10 });
    case 'stalled':
      return passive(mode, { tls, replies: [[150, 'Opening']], outcome: 'timeout', bytes: 0 });
    case 'tls-failed':
      return passive(mode, { tls: true, replies: [], outcome: 'tls-failed', bytes: 0, patch: { dataTls: { handshake: 'failed', error: 'handshake timeout' } } });
    case 'idle':
      return passive(mode, { tls, replies: [[150, 'Opening']], outcome: 'timeout', bytes: 9000, patch: { controlLostAfterData: true } });
  }
}

function activeAttempt(mode: 'port' | 'eprt', tls: boolean, state: (typeof ACTIVE_STATES)[number]): DataAttempt {
  switch (state) {
    case 'ok':
      return active(mode, { tls });
    case 'mode-refused':
      return active(mode, { tls, modeReply: [500, 'Illegal PORT command.'] });
    case 'inbound-missing':
      return active(mode, { tls, arrived: false });
    case 'refused-425':
      return active(mode, { tls, replies: [[425, 'Failed to establish connection.']], outcome: 'refused-by-server' });
  }
}

const attemptArbitrary = fc.oneof(
  fc.record({ mode: fc.constantFrom('pasv' as const, 'epsv' as const), tls: fc.boolean(), state: fc.constantFrom(...PASSIVE_STATES) }).map(({ mode, tls, state }) => passiveAttempt(mode, tls, state)),
  fc.record({ mode: fc.constantFrom('port' as const, 'eprt' as const), tls: fc.boolean(), state: fc.constantFrom(...ACTIVE_STATES) }).map(({ mode, tls, state }) => activeAttempt(mode, tls, state)),
);

/** The one failure the diagnosis deliberately lets pass: EPSV refused by command while PASV works (clients fall back). */
function tolerated(attempt: DataAttempt, all: readonly DataAttempt[]): boolean {
  return (
    attempt.mode === 'epsv' &&
    (attempt.modeReply?.code ?? 0) >= 400 &&
    all.some((other) => other.mode === 'pasv' && other.tls === attempt.tls && other.transfer.outcome === 'complete')
  );
}

/** How the main control session went; every state but 'ok' is a failure before any data attempt. */
const CONTROL_STATES = ['ok', 'connect-timeout', 'greeting-421', 'greeting-silent', 'auth-334', 'auth-unusable', 'auth-500', 'auth-reset', 'login-530', 'login-lost'] as const;

function controlState(state: (typeof CONTROL_STATES)[number]): Partial<ProbeEvidence> {
  switch (state) {
    case 'ok':
      return {};
    case 'connect-timeout':
      return { control: { outcome: 'timeout', durationMs: 300 }, greeting: undefined, login: undefined };
    case 'greeting-421':
      return { greeting: reply(421, 'Service not available'), login: undefined };
    case 'greeting-silent':
      return { greeting: { timeout: true, waitedMs: 300 }, login: undefined };
    case 'auth-334':
      return { tlsMode: 'explicit', authTls: { reply: reply(334, 'ADAT required'), handshake: 'not-attempted' }, login: undefined };
    case 'auth-unusable':
      return { tlsMode: 'explicit', authTls: { handshake: 'not-attempted', error: 'malformed reply' }, login: undefined };
    case 'auth-500':
      return { tlsMode: 'explicit', authTls: { reply: reply(500, 'AUTH not understood'), handshake: 'not-attempted' }, login: undefined };
    case 'auth-reset':
      return { tlsMode: 'explicit', authTls: { reply: reply(234, 'Proceed'), handshake: 'reset', error: 'ECONNRESET' }, login: undefined };
    case 'login-530':
      return { login: { userReply: reply(331, 'Password?'), passReply: reply(530, 'Login incorrect.'), ok: false } };
    case 'login-lost':
      return { login: { userReply: reply(331, 'Password?'), ok: false, error: 'read ECONNRESET' } };
  }
}

const PHASES = ['connect', 'greeting', 'auth-tls', 'login', 'prot', 'data'] as const;
const FAILURE_REPLIES = [undefined, [421, 'There are too many connections from your internet address.'], [530, 'Login incorrect.'], [421, 'Timeout.'], [536, 'PROT P not supported']] as const;

const sessionFailureArbitrary = fc
  .record({ mode: fc.constantFrom('pasv' as const, 'epsv' as const, 'port' as const, 'eprt' as const), tls: fc.boolean(), phase: fc.constantFrom(...PHASES), answer: fc.constantFrom(...FAILURE_REPLIES) })
  .map(({ mode, tls, phase, answer }): SessionFailure => ({
    session: `${mode}${tls ? ':tls' : ''}`,
    mode,
    tls,
    phase,
    detail: answer ? `${answer[0]} ${answer[1]}` : 'socket closed',
    ...(answer ? { reply: reply(answer[0], answer[1]) } : {}),
  }));

describe('no failure passes silently', () => {
  it('verdict is fail exactly when some attempt failed (bar the tolerated EPSV refusal)', () => {
    fc.assert(
      fc.property(fc.array(attemptArbitrary, { minLength: 1, maxLength: 6 }), (attempts) => {
        const result = diagnose(probe({ attempts }));
        const failing = attempts.filter((attempt) => attempt.transfer.outcome !== 'complete' || attempt.controlLostAfterData);
        const expected = failing.some((attempt) => !tolerated(attempt, attempts)) ? 'fail' : 'pass';
        expect(result.verdict).toBe(expected);
        for (const finding of result.findings.filter((candidate) => candidate.severity === 'error')) {
          expect(finding.remedies.length).toBeGreaterThan(0);
          expect(finding.evidence.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('a failed control phase or mode session fails the run, with or without data attempts, and a rule (not the backstop) says why', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...CONTROL_STATES),
        fc.array(sessionFailureArbitrary, { maxLength: 3 }),
        fc.array(attemptArbitrary, { maxLength: 3 }),
        (control, sessionFailures, attempts) => {
          const evidence = probe({ attempts, sessionFailures, ...controlState(control) });
          const result = diagnose(evidence);
          const failing = attempts.filter((attempt) => attempt.transfer.outcome !== 'complete' || attempt.controlLostAfterData);
          const failed = control !== 'ok' || sessionFailures.length > 0 || failing.some((attempt) => !tolerated(attempt, attempts));
          expect(result.verdict).toBe(failed ? 'fail' : 'pass');
          // Every generated failure is one the rules know: the backstop is for the unknown.
          expect(result.findings.map((finding) => finding.code)).not.toContain('UNEXPLAINED_FAILURE');
          for (const finding of result.findings.filter((candidate) => candidate.severity === 'error')) {
            expect(finding.remedies.length, finding.code).toBeGreaterThan(0);
            expect(finding.evidence.length, finding.code).toBeGreaterThan(0);
          }
        },
      ),
      { numRuns: 400 },
    );
  });
});
