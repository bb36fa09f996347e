/**
 * The requirement sentences, from real evidence: one probe against the reference server (one
 * with EPSV refused), then evaluateTarget over targets and edited copies of the run, so every
 * sentence is checked without timing anything.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { realNetwork } from '../../src/net/real.js';
import { startServer, type RunningServer } from '../../src/server/index.js';
import { probe, type ProbeRun } from '../../src/probe/engine.js';
import { evaluateTarget } from '../../src/check/evaluate.js';
import type { PolicyTarget } from '../../src/check/policy.js';

let server: RunningServer | undefined;
let healthy: ProbeRun;
let noEpsv: ProbeRun;

beforeAll(async () => {
  server = await startServer({ host: '127.0.0.1', port: 0, anonymous: true, log: 'none', pasvRange: { from: 27000, to: 27999 }, misbehave: {} }, realNetwork);
  const url = `ftp://127.0.0.1:${server.port}/`;
  healthy = await probe({ url, modes: ['epsv', 'pasv'], samples: 2, connectTimeoutMs: 3000, dataTimeoutMs: 3000, retrieve: '/pub/hello.txt' }, realNetwork);
  await server.close();
  server = await startServer({ host: '127.0.0.1', port: 0, anonymous: true, log: 'none', misbehave: { refuseEpsv: true } }, realNetwork);
  noEpsv = await probe({ url: `ftp://127.0.0.1:${server.port}/`, modes: ['epsv', 'pasv'], connectTimeoutMs: 3000, dataTimeoutMs: 3000 }, realNetwork);
});
afterAll(async () => {
  await server?.close();
});

const target = (extra: Partial<PolicyTarget> = {}): PolicyTarget => ({ name: 't', url: 'ftp://127.0.0.1/', modes: ['epsv', 'pasv'], ...extra });

function withStepDuration(run: ProbeRun, id: string, durationMs: number): ProbeRun {
  return { ...run, report: { ...run.report, steps: run.report.steps.map((step) => (step.id === id ? { ...step, durationMs } : step)) } };
}

describe('evaluateTarget', () => {
  it('a healthy run meets range, address and time limits', () => {
    expect(healthy.report.verdict).toBe('pass');
    expect(evaluateTarget(target({ passiveRange: { from: 27000, to: 27999 }, externalAddress: '127.0.0.1', maxTransferMs: 600_000 }), healthy)).toEqual([]);
  });

  it('names the ports outside the range and how many of those seen', () => {
    const ports = [...new Set(healthy.evidence.passivePorts)].sort((a, b) => a - b);
    const [failure] = evaluateTarget(target({ passiveRange: { from: 5500, to: 5525 } }), healthy);
    expect(failure).toBe(`passive ports ${ports.slice(0, 5).join(', ')}${ports.length > 5 ? ` and ${ports.length - 5} more` : ''} are outside 5500-5525 (${ports.length} of ${ports.length} ports seen)`);
  });

  it('one port outside: singular', () => {
    const run: ProbeRun = { ...healthy, evidence: { ...healthy.evidence, passivePorts: [27001, 61234, 27001] } };
    expect(evaluateTarget(target({ passiveRange: { from: 27000, to: 27999 } }), run)).toEqual(['passive port 61234 is outside 27000-27999 (1 of 2 ports seen)']);
  });

  it('a wrong external address in 227 replies', () => {
    expect(evaluateTarget(target({ externalAddress: '203.0.113.5' }), healthy)).toEqual(['PASV advertised 127.0.0.1, not the external address 203.0.113.5']);
  });

  it('a transfer slower than the limit, for the listing and for the retrieval', () => {
    const slow = withStepDuration(withStepDuration(healthy, 'data:pasv', 5000), 'retr:pasv', 7000);
    expect(evaluateTarget(target({ maxTransferMs: 1000, retrieve: '/pub/hello.txt' }), slow)).toEqual([
      'PASV took 5000 ms to a complete listing (limit 1000 ms)',
      'PASV took 7000 ms to retrieve /pub/hello.txt (limit 1000 ms)',
    ]);
  });

  it('a required mode that does not work is named, with the finding that explains it', () => {
    const failures = evaluateTarget(target(), noEpsv);
    expect(failures[0]).toMatch(/^EPSV did not work: /);
    expect(failures.filter((failure) => failure.startsWith('PASV'))).toEqual([]);
    // A mode that is not required is not judged.
    expect(evaluateTarget(target({ modes: ['pasv'] }), noEpsv).filter((failure) => failure.startsWith('EPSV'))).toEqual([]);
  });

  it('a finding the registry says speaks for several modes is cited for each of them', () => {
    // One DATA_CHANNEL_BLOCKED for both passive modes: the registry lists EPSV and PASV for it, so
    // each failed mode names it (by code prefix, PASV fell back to the bare step detail).
    const blocked = { code: 'DATA_CHANNEL_BLOCKED' as const, severity: 'error' as const, title: 'Passive data connections are dropped', explanation: '', evidence: [], remedies: [] };
    const attempts = healthy.evidence.attempts.map((attempt) => ({ ...attempt, transfer: { ...attempt.transfer, outcome: 'not-started' as const } }));
    const run: ProbeRun = { evidence: { ...healthy.evidence, attempts }, report: { ...healthy.report, verdict: 'fail', findings: [blocked] } };
    expect(evaluateTarget(target(), run)).toEqual(['EPSV did not work: DATA_CHANNEL_BLOCKED: Passive data connections are dropped', 'PASV did not work: DATA_CHANNEL_BLOCKED: Passive data connections are dropped']);
  });

  it('no passive port to check is a failure, not a silent pass', () => {
    const run: ProbeRun = { ...healthy, evidence: { ...healthy.evidence, passivePorts: [] } };
    expect(evaluateTarget(target({ passiveRange: { from: 1, to: 2 } }), run)).toEqual(['no passive port was handed out, so the range 1-2 could not be checked']);
  });

  it('error findings no requirement states are still failures', () => {
    const finding = { code: 'DATA_MISROUTED' as const, severity: 'error' as const, title: 'The data connection reached something else', explanation: '', evidence: [], remedies: [] };
    const run: ProbeRun = { ...healthy, report: { ...healthy.report, findings: [finding] } };
    expect(evaluateTarget(target(), run)).toEqual(['DATA_MISROUTED: The data connection reached something else']);
  });
});
