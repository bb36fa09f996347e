/**
 * Failures that leave no data attempt behind: a mode session turned away at the greeting, refused
 * at login or PROT, AUTH TLS answered with something other than 234 or a refusal — and the engine's
 * backstop for anything no rule explains. None of these may end in a silent `pass`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { realNetwork } from '../../src/net/real.js';
import { diagnose, RULES } from '../../src/diagnosis/index.js';
import { probe as runProbe } from '../../src/probe/engine.js';
import type { SessionFailure } from '../../src/evidence/model.js';
import type { Step } from '../../src/report/model.js';
import { startServer, type RunningServer } from '../../src/server/index.js';
import { codes, find, passive, probe, reply } from './fixtures.js';

const failure = (patch: Partial<SessionFailure> = {}): SessionFailure => ({
  session: 'epsv',
  mode: 'epsv',
  tls: false,
  phase: 'greeting',
  detail: '421 too many sessions from 203.0.113.7 (1); try again later.',
  reply: reply(421, 'too many sessions from 203.0.113.7 (1); try again later.'),
  ...patch,
});

describe('mode sessions that fail before any data attempt', () => {
  it('421 too many sessions is a session limit, with per-IP limit remedies', () => {
    const result = diagnose(probe({ attempts: [passive('pasv')], sessionFailures: [failure()] }));
    expect(result.verdict).toBe('fail');
    const finding = find(result.findings, 'SESSION_LIMIT_REACHED');
    expect(finding.severity).toBe('error');
    expect(finding.title).toContain('EPSV');
    expect(finding.evidence.join('\n')).toContain('< 421 too many sessions');
    const vsftpd = finding.remedies.find((remedy) => remedy.product === 'vsftpd');
    expect(vsftpd?.commands?.join(' ')).toMatch(/max_per_ip=/);
  });

  it.each([
    ['login', reply(530, 'Login incorrect.'), /login/i],
    ['prot', undefined, /PROT P/],
    ['auth-tls', reply(431, 'Unable to accept security mechanism.'), /TLS/],
    ['connect', undefined, /connect/i],
    ['data', undefined, /data/i],
  ] as const)('a %s failure is an error finding naming the phase', (phase, failureReply, wording) => {
    const detail = phase === 'prot' ? 'PROT P refused: 536 PROT P not supported' : `${phase} went wrong: ECONNRESET`;
    const result = diagnose(
      probe({
        attempts: [passive('pasv')],
        sessionFailures: [failure({ phase, detail, ...(failureReply ? { reply: failureReply } : { reply: undefined }) })],
      }),
    );
    expect(result.verdict).toBe('fail');
    const finding = find(result.findings, 'MODE_SESSION_FAILED');
    expect(finding.severity).toBe('error');
    expect(`${finding.title} ${finding.explanation}`).toMatch(wording);
    expect(finding.evidence.join('\n')).toContain(failureReply ? `< ${failureReply.code}` : detail);
    expect(finding.remedies.length).toBeGreaterThan(0);
  });

  it('a real server limited to one session per address fails the run, naming the limit', async () => {
    const server: RunningServer = await startServer(
      { host: '127.0.0.1', port: 0, anonymous: true, log: 'none', limits: { maxSessionsPerIp: 1, pasvAcceptTimeoutMs: 500 } },
      realNetwork,
    );
    try {
      // EPSV and PASV run on two sessions at once: the second one is turned away with 421.
      const run = await runProbe({ url: `ftp://127.0.0.1:${server.port}/`, modes: ['epsv', 'pasv'], connectTimeoutMs: 2000, dataTimeoutMs: 1000 }, realNetwork);
      expect(run.report.steps.some((step) => step.result === 'fail')).toBe(true);
      expect(run.evidence.sessionFailures?.length ?? 0).toBeGreaterThan(0);
      expect(run.report.verdict).toBe('fail');
      const finding = find(run.report.findings, 'SESSION_LIMIT_REACHED');
      expect(finding.evidence.join('\n')).toMatch(/421 .*too many sessions/);
    } finally {
      await server.close();
    }
  });
});

describe('AUTH TLS answered with neither 234 nor a refusal', () => {
  it.each([
    ['a 334 reply', { reply: reply(334, 'ADAT required'), handshake: 'not-attempted' as const }, /334/],
    ['an unusable reply', { handshake: 'not-attempted' as const, error: 'reply too large (over 65536 bytes)' }, /reply too large/],
  ])('%s is TLS_NEGOTIATION_BLOCKED', (_name, authTls, wording) => {
    const result = diagnose(probe({ tlsMode: 'explicit', authTls, login: undefined, attempts: [] }));
    expect(result.verdict).toBe('fail');
    const finding = find(result.findings, 'TLS_NEGOTIATION_BLOCKED');
    expect(`${finding.title} ${finding.evidence.join(' ')}`).toMatch(wording);
  });
});

describe('the backstop', () => {
  it('a failed attempt no rule explains still fails the run', () => {
    const result = diagnose(probe({ attempts: [passive('pasv', { connect: 'timeout' })] }), []);
    expect(result.verdict).toBe('fail');
    expect(codes(result.findings)).toEqual(['UNEXPLAINED_FAILURE']);
    expect(find(result.findings, 'UNEXPLAINED_FAILURE').evidence.join('\n')).toContain('timeout');
  });

  it('a session failure no rule explains still fails the run', () => {
    const result = diagnose(probe({ attempts: [], sessionFailures: [failure({ phase: 'prot', detail: 'PROT P refused: 536 no', reply: undefined })] }), []);
    expect(result.verdict).toBe('fail');
    expect(find(result.findings, 'UNEXPLAINED_FAILURE').evidence.join('\n')).toContain('PROT P refused');
  });

  it('a control-stage failure no rule explains still fails the run', () => {
    const result = diagnose(probe({ login: { userReply: reply(530, 'Go away'), ok: false }, attempts: [] }), []);
    expect(result.verdict).toBe('fail');
    expect(codes(result.findings)).toEqual(['UNEXPLAINED_FAILURE']);
  });

  it('a failed step with nothing in the evidence behind it fails the run', () => {
    const step: Step = { id: 'data:pasv', name: 'Data channel PASV', mode: 'pasv', result: 'fail', startedAt: 0, durationMs: 1, detail: 'socket hang up' };
    const result = diagnose(probe({ attempts: [passive('epsv')] }), RULES, [step]);
    expect(result.verdict).toBe('fail');
    expect(find(result.findings, 'UNEXPLAINED_FAILURE').evidence.join('\n')).toContain('socket hang up');
  });

  it('a failed step backed by an explained attempt adds nothing', () => {
    const step: Step = { id: 'data:pasv', name: 'Data channel PASV', mode: 'pasv', result: 'fail', startedAt: 0, durationMs: 1, detail: 'timeout' };
    const result = diagnose(probe({ attempts: [passive('pasv', { connect: 'timeout' })] }), RULES, [step]);
    expect(codes(result.findings)).not.toContain('UNEXPLAINED_FAILURE');
    expect(result.verdict).toBe('fail');
  });

  it('a healthy run with only passing steps stays a pass', () => {
    const step: Step = { id: 'data:pasv', name: 'Data channel PASV', mode: 'pasv', result: 'ok', startedAt: 0, durationMs: 1, detail: 'ok' };
    expect(diagnose(probe(), RULES, [step])).toEqual({ verdict: 'pass', findings: [] });
  });
});
