/**
 * The pace of a block sweep (pure; table-tested): how many ports one block holds — all of them
 * dialled at once — and how long a dial may go unanswered before its port is suspected dropped.
 *
 * - Deadline. A dropped SYN never gets an answer; an answered one gets it within a round trip, or
 *   — when the SYN itself was lost — within the kernel's first SYN retransmission (1 s on Linux)
 *   plus a round trip. So the first pass gives each dial that plus a few round trips and a margin
 *   for scheduling, not the full data timeout. It only *suspects*: every port it calls dropped is
 *   dialled again with the full data timeout before the sweep says so (blocks.ts), so a lost SYN
 *   or a slow machine costs time, never a false "dropped".
 * - Width. Blocks start at START_WIDTH ports (more when the open-files limits allow: startWidthFor)
 *   and grow GROWTH-fold after every block that went
 *   cleanly, up to the smallest limit (the server's block size, our own open-files budget,
 *   --concurrency, the ports left); they halve when the server or the path pushes back: a 425,
 *   listeners the server could not open, answers slower than the deadline allows for.
 */

/** Linux's initial retransmission timeout for a SYN (TCP_TIMEOUT_INIT). */
export const SYN_RETRANSMIT_MS = 1_000;
/** Round trips allowed for the answer after that retransmission. */
const RTT_FACTOR = 4;
/** Timers and the event loop on a busy machine: late by this much is still on time. */
const SCHEDULING_SLACK_MS = 300;
export const START_WIDTH = 512;
/** The first block may be this many times START_WIDTH when the sockets allow (startWidthFor). */
const START_GROWTH_MAX = 4;
/** The first block takes at most this share of the socket budget both sides can spend. */
const START_BUDGET_SHARE = 8;

/**
 * The first block's width: START_WIDTH, or more when both sides' socket budgets (from their
 * open-files limits) are large — an eighth of the budget, up to 4 × START_WIDTH. With the usual
 * limits of 20,000 or more that is 2,048: a 1,000-port sweep in one block, the whole dynamic
 * range in three (2,048, 8,192, the rest) instead of four, one fast-deadline wait fewer.
 */
export function startWidthFor(socketBudget: number): number {
  return Math.max(START_WIDTH, Math.min(START_GROWTH_MAX * START_WIDTH, Math.floor(socketBudget / START_BUDGET_SHARE)));
}
const GROWTH = 4;
const MIN_WIDTH = 16;
/** Reasons kept for the report (the count is kept beyond). */
const PUSHBACKS_KEPT = 4;

/** The first pass's deadline for a connect: never longer than the full data timeout. */
export function fastDeadlineMs(rttMs: number, dataTimeoutMs: number): number {
  return Math.min(dataTimeoutMs, Math.ceil(SYN_RETRANSMIT_MS + RTT_FACTOR * Math.max(0, rttMs) + SCHEDULING_SLACK_MS));
}

/** What one limit allows, and the words that name it in the report. */
export interface WidthLimit {
  width: number;
  why: string;
}

/** What a finished block tells the pace. */
export interface BlockObservation {
  /**
   * The fastest connect answer of the block (ms), when any came: the slow ones may only have
   * waited for our own event loop, with thousands of dials in flight; the fastest did not.
   */
  fastestAnswerMs?: number;
  /** Why the server or the path pushed back during this block, when it did. */
  pushback?: string;
}

export class Pace {
  private current: number;
  private everPushedBack = false;
  readonly limit: WidthLimit;
  readonly pushbacks: string[] = [];
  pushbackCount = 0;
  peak: number;

  constructor(
    limits: readonly WidthLimit[],
    /** The path's round trip (ms), from the control connection; lowered by faster answers. */
    public rttMs: number,
    start = START_WIDTH,
  ) {
    const sorted = [...limits].sort((a, b) => a.width - b.width);
    this.limit = sorted[0] ? { width: Math.max(1, Math.floor(sorted[0].width)), why: sorted[0].why } : { width: start, why: 'the default' };
    this.current = Math.max(1, Math.min(start, this.limit.width));
    this.peak = this.current;
  }

  get width(): number {
    return this.current;
  }

  /**
   * The time the fastest answer of a block may take before it counts as the path (or this
   * machine) slowing down: half the SYN retransmission time, beyond the round trips allowed —
   * later than that, answers start to eat into the fast deadline's margin.
   */
  get answerAllowanceMs(): number {
    return RTT_FACTOR * this.rttMs + SYN_RETRANSMIT_MS / 2;
  }

  /**
   * The width after the block being dialled now, if it goes cleanly: the next block is opened
   * at this width while that one is still dialled (blocks.ts), and dropped unused if it did not.
   */
  get widthIfClean(): number {
    // After a push-back, grow gently: doubling, not quadrupling, back towards the limit.
    return Math.min(this.limit.width, this.current * (this.everPushedBack ? 2 : GROWTH));
  }

  observe(observation: BlockObservation): void {
    const slow = observation.fastestAnswerMs !== undefined && observation.fastestAnswerMs > this.answerAllowanceMs;
    const reason = observation.pushback ?? (slow ? `even the fastest answer took ${Math.round(observation.fastestAnswerMs ?? 0)} ms (path round trip ${formatMs(this.rttMs)})` : undefined);
    if (reason !== undefined) return this.pushback(reason);
    this.current = this.widthIfClean;
    this.peak = Math.max(this.peak, this.current);
  }

  pushback(reason: string): void {
    this.everPushedBack = true;
    this.pushbackCount += 1;
    if (this.pushbacks.length < PUSHBACKS_KEPT) this.pushbacks.push(reason);
    this.current = Math.max(Math.min(MIN_WIDTH, this.limit.width), Math.floor(this.current / 2));
  }

  /** The narrowest width reached: a pushback below it is not worth another try. */
  get atFloor(): boolean {
    return this.current <= Math.min(MIN_WIDTH, this.limit.width);
  }
}

export function formatMs(ms: number): string {
  return ms < 10 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`;
}
