/**
 * The early "dropped" verdict through a whole probe, all four modes, on the simulator's firewalls
 * (the bench's topology: only port 21 in at the edge, a client host firewall that drops inbound
 * connections): the verdict and finding codes are those of a probe that waits the full data
 * timeout, the evidence says when and why it was decided, and the step details say it in words.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createSimulation, type Simulation } from '../../src/net/sim/index.js';
import { probe } from '../../src/probe/index.js';
import { startServer, type RunningServer } from '../../src/server/index.js';
import { DROP_TOPOLOGY } from '../../bench/verdict.js';

/** The benchmark's path: only port 21 in at the edge, the client host drops what it did not start. */
const DROPPED = DROP_TOPOLOGY;
const DATA_TIMEOUT_MS = 2500;

let sim: Simulation | undefined;
let server: RunningServer | undefined;
afterEach(async () => {
  sim?.close();
  await server?.close().catch(() => {});
  sim = undefined;
  server = undefined;
});

async function probeDropped(earlyVerdict: boolean) {
  sim = createSimulation(DROPPED);
  // The server gives up on its own active dial well after our data timeout: its 425 never decides.
  server = await startServer({ host: '0.0.0.0', port: 21, anonymous: true, log: 'none', limits: { pasvAcceptTimeoutMs: 3 * DATA_TIMEOUT_MS } }, sim.network('server'));
  return probe({ url: `ftp://${sim.addresses.server}/`, modes: ['epsv', 'pasv', 'port', 'eprt'], connectTimeoutMs: 5000, dataTimeoutMs: DATA_TIMEOUT_MS, earlyVerdict }, sim.network('client'));
}

describe('probe: early "dropped" verdict, all four modes', () => {
  it('gives the verdict and codes of the full wait, decided early, and says when and why in each step', async () => {
    const early = await probeDropped(true);
    sim?.close();
    await server?.close();
    const full = await probeDropped(false);

    expect(early.report.verdict).toBe('fail');
    const codes = (run: typeof early) => run.report.findings.map((finding) => finding.code).sort();
    expect(codes(early)).toEqual(codes(full));
    expect(codes(early)).toEqual(expect.arrayContaining(['ACTIVE_INBOUND_BLOCKED', 'DATA_CHANNEL_BLOCKED']));
    expect(early.report.verdict).toBe(full.report.verdict);

    const attempts = early.evidence.attempts;
    expect(attempts.map((attempt) => attempt.mode).sort()).toEqual(['eprt', 'epsv', 'pasv', 'port']);
    for (const attempt of attempts) {
      expect(attempt.earlyDrop?.decidedEarlyAtMs).toBeLessThan(DATA_TIMEOUT_MS);
      expect(attempt.earlyDrop).toMatchObject({ dataTimeoutMs: DATA_TIMEOUT_MS, rttMs: expect.any(Number) });
    }
    for (const step of early.report.steps.filter((item) => item.id.startsWith('data:'))) {
      expect(step.result).toBe('fail');
      expect(step.detail).toMatch(/\(no answer within 1\.\d+ s \(RTT [\d.]+ ms, one SYN retransmission\); the data timeout is 2\.5 s\)/);
    }
    // Without the early verdict every wait ran to the data timeout, and the evidence says why.
    for (const attempt of full.evidence.attempts) {
      expect(attempt.earlyDrop).toEqual({ dataTimeoutMs: DATA_TIMEOUT_MS, rttMs: expect.any(Number), heldBecause: 'the early verdict is off (--no-early-verdict)' });
      expect(attempt.connect?.durationMs ?? attempt.inbound?.waitedMs ?? 0).toBeGreaterThanOrEqual(DATA_TIMEOUT_MS - 5);
    }
  });
});
