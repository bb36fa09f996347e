/**
 * When the block sweep may open its next block while the newest one is still being dialled (pure;
 * table-tested). Opening a block costs a control round trip and the server's listen() calls for
 * every port of it; done in the gap between two blocks, that was a third of a 1,000-port sweep.
 * Opened ahead instead, the next block is ready as soon as the newest one's first dials are done.
 *
 * The next block is opened ahead only when it fits beside the newest one: the blocks in flight
 * (each holding one control session and its listeners, on both sides) stay within BLOCK_SESSIONS
 * and within both sides' socket budgets. Older blocks — only re-dialling their unanswered ports —
 * may be waited for first; the newest one never is (that would be no head start at all).
 */

export interface PrefetchState {
  /** Span sizes (listeners held) of the blocks in flight, oldest first; the last is the newest. */
  inFlight: readonly number[];
  /** The next block's span size. */
  next: number;
  /** Blocks (control sessions) in flight at most. */
  sessions: number;
  /** Listeners all blocks in flight may hold together. */
  limit: number;
}

/**
 * How many of the oldest blocks must finish before the next block can be opened beside the newest
 * one; undefined when it cannot be, even with only the newest left (then it is opened after).
 */
export function olderBlocksToRetire(state: PrefetchState): number | undefined {
  const { inFlight, next, sessions, limit } = state;
  if (inFlight.length === 0) return 0;
  let held = inFlight.reduce((sum, size) => sum + size, 0);
  for (let retired = 0; retired < inFlight.length; retired += 1) {
    if (inFlight.length - retired < sessions && held + next <= limit) return retired;
    held -= inFlight[retired] ?? 0;
  }
  // Only the newest is left and the next block still does not fit beside it.
  return undefined;
}

/**
 * Whether a block opened ahead is dialled: not when the newest block's first dials pushed the
 * pace below its size (answers slowed, or the server pushed back), since dialling that many at
 * once is what the pace just backed away from; it is closed unused and opened again smaller.
 */
export function keepOpenedAhead(span: number, width: number): boolean {
  return span <= width;
}
