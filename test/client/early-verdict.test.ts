import { describe, expect, it } from 'vitest';
import {
  ACTIVE_SERVER_ALLOWANCE_MS,
  describeEarlyDrop,
  EARLY_VERDICT_MARGIN_MS,
  earlyDropRecord,
  FIRST_SYN_RETRANSMISSION_MS,
  mergeRoundTrips,
  planEarlyVerdict,
  waitLimitMs,
  type EarlyVerdictInput,
} from '../../src/client/early-verdict.js';

const input = (connectMs: number | undefined, replyMs: number[], overrides: Partial<EarlyVerdictInput> = {}): EarlyVerdictInput => ({
  samples: { ...(connectMs !== undefined ? { connectMs } : {}), replyMs },
  dataTimeoutMs: 5000,
  waitsForServer: false,
  enabled: true,
  ...overrides,
});

describe('early "dropped" verdict for a data connection (pure)', () => {
  // The floor: one SYN retransmission (1 s), four round trips of the path (the smallest sample), the busy-machine margin.
  const floor = (rtt: number, active = false): number => Math.ceil(FIRST_SYN_RETRANSMISSION_MS + 4 * rtt + EARLY_VERDICT_MARGIN_MS + (active ? ACTIVE_SERVER_ALLOWANCE_MS : 0));

  it.each([
    { name: 'loopback', connectMs: 0.2, replyMs: [0.4, 0.3], rtt: 0.2, decideAt: 1251 },
    { name: 'LAN, a busy client', connectMs: 0.6, replyMs: [1.2, 0.9, 150], rtt: 0.6, decideAt: 1253 },
    { name: 'metro WAN', connectMs: 20, replyMs: [22, 25], rtt: 20, decideAt: 1330 },
    { name: 'connect time only', connectMs: 3, replyMs: [], rtt: 3, decideAt: 1262 },
    { name: 'reply latencies only', connectMs: undefined, replyMs: [5, 4], rtt: 4, decideAt: 1266 },
    { name: 'just below the slow-path threshold', connectMs: 100, replyMs: [110], rtt: 100, decideAt: 1650 },
  ])('$name: decided at 1 s + 4 RTTs + margin ($decideAt ms)', ({ connectMs, replyMs, rtt, decideAt }) => {
    expect(planEarlyVerdict(input(connectMs, replyMs))).toEqual({ kind: 'early', decideAtMs: decideAt, rttMs: rtt });
  });

  it('follows its formula: 1 s + 4 RTTs + margin (+ the server allowance when it dials us)', () => {
    for (const rtt of [0.1, 7, 42.5]) {
      expect(planEarlyVerdict(input(rtt, [rtt + 1]))).toEqual({ kind: 'early', decideAtMs: floor(rtt), rttMs: rtt });
      expect(planEarlyVerdict(input(rtt, [rtt + 1], { waitsForServer: true }))).toEqual({ kind: 'early', decideAtMs: floor(rtt, true), rttMs: rtt });
    }
    expect(floor(1, true)).toBeGreaterThan(floor(1));
  });

  it.each([
    { name: 'slow path (RTT above 100 ms)', connectMs: 180, replyMs: [190], reason: /slow path: RTT 180 ms, above 100 ms/ },
    { name: 'variable path (a retransmitted control segment)', connectMs: 1, replyMs: [2, 230], reason: /variable path: control round trips from 1 to 230 ms/ },
    { name: 'loaded server (one reply 300 ms late)', connectMs: 0.3, replyMs: [300.4, 0.5], reason: /variable path/ },
  ])('$name: waits the full data timeout and says why', ({ connectMs, replyMs, reason }) => {
    const plan = planEarlyVerdict(input(connectMs, replyMs, { dataTimeoutMs: 10_000 }));
    expect(plan.kind).toBe('held');
    expect(plan.kind === 'held' ? plan.reason : '').toMatch(reason);
    expect(waitLimitMs(plan, 10_000)).toBe(10_000);
  });

  it('waits the full timeout without a measured round trip, or when turned off', () => {
    expect(planEarlyVerdict(input(undefined, []))).toEqual({ kind: 'held', reason: 'no round trip was measured on the control connection' });
    expect(planEarlyVerdict(input(0.3, [0.4], { enabled: false }))).toEqual({ kind: 'held', reason: 'the early verdict is off (--no-early-verdict)', rttMs: 0.3 });
    expect(planEarlyVerdict(input(Number.NaN, [-1]))).toMatchObject({ kind: 'held' });
  });

  it('--data-timeout caps everything: a timeout at or below the floor leaves nothing early to say', () => {
    for (const dataTimeoutMs of [300, 1000, floor(0.2)]) {
      const plan = planEarlyVerdict(input(0.2, [0.4], { dataTimeoutMs }));
      expect(plan).toEqual({ kind: 'timeout-first', rttMs: 0.2 });
      expect(waitLimitMs(plan, dataTimeoutMs)).toBe(dataTimeoutMs);
      expect(earlyDropRecord(plan, dataTimeoutMs)).toBeUndefined();
    }
    // Even a slow path's reason is not reported when the timeout is the shorter wait anyway.
    expect(planEarlyVerdict(input(400, [400], { dataTimeoutMs: 2000 }))).toMatchObject({ kind: 'timeout-first' });
  });

  it('never waits longer than the data timeout', () => {
    const plan = { kind: 'early' as const, decideAtMs: 1300, rttMs: 0.4 };
    expect(waitLimitMs(plan, 5000)).toBe(1300);
    expect(waitLimitMs(plan, 1000)).toBe(1000);
  });

  it('takes the main session\'s round trips along with the mode session\'s own', () => {
    const merged = mergeRoundTrips({ connectMs: 40, replyMs: [45] }, [{ connectMs: 0.3, replyMs: [0.5, 0.6] }]);
    expect(merged).toEqual({ connectMs: 40, replyMs: [45, 0.3, 0.5, 0.6] });
    // A busy start of the mode session inflates its own samples, not the path's round trip.
    expect(planEarlyVerdict(input(merged.connectMs, [...merged.replyMs]))).toEqual({ kind: 'early', decideAtMs: floor(0.3), rttMs: 0.3 });
    expect(mergeRoundTrips({ replyMs: [] }, [])).toEqual({ replyMs: [] });
  });

  it('words the evidence for the report', () => {
    const early = earlyDropRecord({ kind: 'early', decideAtMs: 1252, rttMs: 0.4 }, 5000);
    expect(early).toEqual({ dataTimeoutMs: 5000, rttMs: 0.4, decidedEarlyAtMs: 1252 });
    expect(describeEarlyDrop(early!)).toBe('no answer within 1.25 s (RTT 0.4 ms, one SYN retransmission); the data timeout is 5 s');
    const held = earlyDropRecord({ kind: 'held', reason: 'a slow path: RTT 180 ms, above 100 ms', rttMs: 180 }, 5000);
    expect(held).toEqual({ dataTimeoutMs: 5000, rttMs: 180, heldBecause: 'a slow path: RTT 180 ms, above 100 ms' });
    expect(describeEarlyDrop(held!)).toBe('waited the full data timeout (5 s): a slow path: RTT 180 ms, above 100 ms');
  });
});
