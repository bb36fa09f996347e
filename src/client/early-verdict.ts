/**
 * When a data connection that has not come yet may be called dropped before the data timeout.
 *
 * A SYN nothing drops is answered within one round trip. A SYN lost on the way is sent again
 * after the kernel's initial retransmission timeout (1 s on Linux, RFC 6298's 1 s elsewhere) and
 * answered one round trip later. The control connection already measured the path's round trip
 * (its connect, and the latency of light replies), so on a LAN-like path no answer after one SYN
 * retransmission plus a few round trips and a margin for a busy machine is a drop, not a slow
 * path: only a SYN lost twice in a row (the next retransmission comes at 3 s) would be misread.
 * On a slow or variable path that reasoning does not hold — a high round trip, or control replies
 * whose latency jumps by a retransmission timeout (a lost segment, or a loaded server) — so the
 * full data timeout is waited there, and the report says why. Pure.
 */

/** Linux's initial RTO (TCP_TIMEOUT_INIT): when a SYN that got no answer is sent again. */
export const FIRST_SYN_RETRANSMISSION_MS = 1000;
/** Round trips of the path allowed after that retransmission (the answer needs one; the rest is slack). */
export const EARLY_VERDICT_ROUND_TRIPS = 4;
/**
 * Added for a busy machine: timer slack and a late event loop on either side. Measured on this
 * 2-core machine through the netns topology with half the SYNs dropped (bench/early-verdict-floor.ts):
 * connects that needed one retransmission completed 1022 ms (median) to 1058 ms (latest of 85)
 * after they started at load average 7, 1024 ms to 1110 ms (latest of 184) at load average 15;
 * 250 ms keeps more than twice the worst overshoot seen.
 */
export const EARLY_VERDICT_MARGIN_MS = 250;
/**
 * Active modes wait for the server to read LIST and dial: its processing time (a server that
 * forks or asks a privileged helper for port 20, a loaded host) gets this much on top. vsftpd in
 * the netns topology at load average 11: LIST to the connection's arrival took 1-89 ms (16 runs).
 */
export const ACTIVE_SERVER_ALLOWANCE_MS = 150;
/** A round trip above this is no LAN: a lost SYN's answer may come late, so the full timeout is waited. */
export const SLOW_PATH_RTT_MS = 100;
/**
 * Control round trips spread wider than this (Linux's minimum RTO: what one retransmitted
 * segment adds) mean loss or a loaded server: the full timeout is waited.
 */
export const VARIABLE_PATH_SPREAD_MS = 200;

/** What a control connection measured: its connect (SYN to SYN-ACK) and light reply latencies. */
export interface RoundTripSamples {
  connectMs?: number;
  replyMs: readonly number[];
}

/**
 * One set of samples from several control connections to the same server (the probe's main
 * session, measured while nothing else ran, and the mode's own session).
 */
export function mergeRoundTrips(own: RoundTripSamples, others: readonly RoundTripSamples[]): RoundTripSamples {
  const extra = others.flatMap((samples) => [...(samples.connectMs !== undefined ? [samples.connectMs] : []), ...samples.replyMs]);
  return { ...(own.connectMs !== undefined ? { connectMs: own.connectMs } : {}), replyMs: [...own.replyMs, ...extra] };
}

export type EarlyVerdictPlan =
  /** Call the data connection dropped at `decideAtMs` when it has not come by then. */
  | { kind: 'early'; decideAtMs: number; rttMs: number }
  /** Wait the full data timeout, and say why in the report. */
  | { kind: 'held'; reason: string; rttMs?: number }
  /** The data timeout ends the wait before an early verdict could: nothing to say. */
  | { kind: 'timeout-first'; rttMs?: number };

export interface EarlyVerdictInput {
  samples: RoundTripSamples;
  dataTimeoutMs: number;
  /** Active modes: the server reads the transfer command and dials us. */
  waitsForServer: boolean;
  /** false: --no-early-verdict. */
  enabled: boolean;
}

const round = (ms: number): number => Math.round(ms * 10) / 10;

export function planEarlyVerdict(input: EarlyVerdictInput): EarlyVerdictPlan {
  const samples = [input.samples.connectMs, ...input.samples.replyMs].filter((ms): ms is number => ms !== undefined && Number.isFinite(ms) && ms >= 0);
  const rtt = samples.length > 0 ? round(Math.min(...samples)) : undefined;
  const withRtt = rtt === undefined ? {} : { rttMs: rtt };
  if (!input.enabled) return { kind: 'held', reason: 'the early verdict is off (--no-early-verdict)', ...withRtt };
  if (rtt === undefined) return { kind: 'held', reason: 'no round trip was measured on the control connection' };
  // The smallest sample is the path's round trip; the others add the server's and our own
  // processing (a busy event loop), which the margin covers and the spread check bounds.
  const worst = round(Math.max(...samples));
  const decideAtMs = Math.ceil(FIRST_SYN_RETRANSMISSION_MS + EARLY_VERDICT_ROUND_TRIPS * rtt + EARLY_VERDICT_MARGIN_MS + (input.waitsForServer ? ACTIVE_SERVER_ALLOWANCE_MS : 0));
  if (decideAtMs >= input.dataTimeoutMs) return { kind: 'timeout-first', rttMs: rtt };
  if (rtt > SLOW_PATH_RTT_MS) return { kind: 'held', reason: `a slow path: RTT ${rtt} ms, above ${SLOW_PATH_RTT_MS} ms`, rttMs: rtt };
  if (worst - rtt > VARIABLE_PATH_SPREAD_MS) {
    return { kind: 'held', reason: `a variable path: control round trips from ${rtt} to ${worst} ms (a retransmission, or a loaded server)`, rttMs: rtt };
  }
  return { kind: 'early', decideAtMs, rttMs: rtt };
}

/** How long to wait for the data connection under this plan. */
export function waitLimitMs(plan: EarlyVerdictPlan, dataTimeoutMs: number): number {
  return plan.kind === 'early' ? Math.min(plan.decideAtMs, dataTimeoutMs) : dataTimeoutMs;
}

export type EarlyDropRecord = { dataTimeoutMs: number; rttMs?: number; decidedEarlyAtMs?: number; heldBecause?: string };

/** The evidence of a wait that ended without a connection; undefined when there is nothing to say. */
export function earlyDropRecord(plan: EarlyVerdictPlan, dataTimeoutMs: number): EarlyDropRecord | undefined {
  const rtt = plan.rttMs === undefined ? {} : { rttMs: plan.rttMs };
  if (plan.kind === 'early') return { dataTimeoutMs, ...rtt, decidedEarlyAtMs: plan.decideAtMs };
  if (plan.kind === 'held') return { dataTimeoutMs, ...rtt, heldBecause: plan.reason };
  return undefined;
}

const seconds = (ms: number): string => `${Number((ms / 1000).toFixed(ms < 10_000 ? 2 : 1))} s`;

/**
 * "no answer within 1.3 s (RTT 0.4 ms, one SYN retransmission); the data timeout is 5 s", or
 * "waited the full data timeout (5 s): a slow path: RTT 180 ms, above 100 ms".
 */
export function describeEarlyDrop(record: EarlyDropRecord): string {
  if (record.decidedEarlyAtMs !== undefined) {
    const rtt = record.rttMs === undefined ? '' : `RTT ${record.rttMs} ms, `;
    return `no answer within ${seconds(record.decidedEarlyAtMs)} (${rtt}one SYN retransmission); the data timeout is ${seconds(record.dataTimeoutMs)}`;
  }
  return `waited the full data timeout (${seconds(record.dataTimeoutMs)}): ${record.heldBecause ?? 'no early verdict'}`;
}
