import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { diagnose } from '../../src/probe/diagnosis/index.js';
import type { DataAttempt } from '../../src/probe/evidence.js';
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
});
