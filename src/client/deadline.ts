/**
 * Deadlines per phase. A dropped packet never produces an error on its own — the only way to
 * notice it is to stop waiting — so every wait in the client goes through here and says which
 * phase it was, so the evidence can name what timed out.
 */

export class DeadlineError extends Error {
  constructor(
    readonly phase: string,
    readonly ms: number,
  ) {
    super(`${phase}: no answer within ${ms} ms`);
    this.name = 'DeadlineError';
  }
}

export function isDeadlineError(error: unknown): error is DeadlineError {
  return error instanceof DeadlineError;
}

/**
 * Runs `work` with an AbortSignal that fires after `ms`; rejects with DeadlineError when it does.
 * The timer is always cleared, so a finished phase never keeps the process alive. `ioFirst`: see
 * withVerdictDeadline.
 */
export async function withDeadline<T>(phase: string, ms: number, work: (signal: AbortSignal) => Promise<T>, options: { ioFirst?: boolean } = {}): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let turn: NodeJS.Immediate | undefined;
  const expired = new Promise<never>((_, reject) => {
    const expire = (): void => {
      controller.abort(new DeadlineError(phase, ms));
      reject(new DeadlineError(phase, ms));
    };
    timer = setTimeout(() => (options.ioFirst ? (turn = setImmediate(expire)) : expire()), ms);
  });
  try {
    return await Promise.race([work(controller.signal), expired]);
  } finally {
    clearTimeout(timer);
    if (turn) clearImmediate(turn);
  }
}

/**
 * withDeadline for a wait whose expiry is a verdict ("dropped"): when the timer fires, what the
 * event loop already has queued gets one turn first. Timers run before I/O in each turn of the
 * loop, so after a stall (a busy machine) a connection that completed in time would otherwise lose
 * to a timer that is merely late.
 */
export function withVerdictDeadline<T>(phase: string, ms: number, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  return withDeadline(phase, ms, work, { ioFirst: true });
}

/** A promise that settles when the signal aborts (for racing against waits without their own signal). */
export function whenAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

/**
 * A transfer's total deadline when nothing sets one, in data timeouts. The idle deadline alone
 * never ends a transfer whose data trickles in (one byte just inside each idle period restarts
 * it), so every transfer also has a total one; a listing of a few hundred entries that needs
 * four idle periods is not slow but broken.
 */
export const TRANSFER_DEADLINE_DATA_TIMEOUTS = 4;

export function defaultTransferDeadlineMs(dataTimeoutMs: number): number {
  return TRANSFER_DEADLINE_DATA_TIMEOUTS * dataTimeoutMs;
}

/** A timer that aborts a signal when a transfer's total deadline passes; `clear()` when it is over. */
export interface TransferDeadline {
  readonly ms: number;
  readonly signal: AbortSignal;
  /** Milliseconds left (0 once passed). */
  remaining(): number;
  clear(): void;
}

export function startTransferDeadline(ms: number): TransferDeadline {
  const controller = new AbortController();
  const endsAt = Date.now() + ms;
  const timer = setTimeout(() => controller.abort(new DeadlineError('transfer', ms)), ms);
  return {
    ms,
    signal: controller.signal,
    remaining: () => Math.max(0, endsAt - Date.now()),
    clear: () => clearTimeout(timer),
  };
}
