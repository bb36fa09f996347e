/**
 * The replies that answer one command (or the greeting), in arrival order. The control session
 * delivers each reply to the expectation of the command it answers the moment it is parsed; the
 * command's caller takes them from here, each wait bounded by a deadline.
 */
import { isPositivePreliminary, type Reply } from '../ftp/index.js';
import { ControlLostError } from './control-lost.js';
import { withDeadline } from './deadline.js';

/** More 1xx replies than this to one command is not a slow server but a broken one. */
export const MAX_PRELIMINARY_REPLIES = 16;

export class Expectation {
  private readonly queue: Reply[] = [];
  private waiter: { resolve: (reply: Reply) => void; reject: (error: Error) => void } | undefined;
  private failure: Error | undefined;
  /** A final (non-1xx) reply has been assigned: later replies are not ours. */
  complete = false;

  constructor(readonly label: string) {}

  deliver(reply: Reply): void {
    if (!isPositivePreliminary(reply.code)) this.complete = true;
    if (this.waiter) {
      const { resolve } = this.waiter;
      this.waiter = undefined;
      resolve(reply);
    } else this.queue.push(reply);
  }

  fail(error: Error): void {
    this.failure ??= error;
    if (this.waiter) {
      const { reject } = this.waiter;
      this.waiter = undefined;
      reject(error);
    }
  }

  /** The next reply to this command, 1xx included. */
  next(timeoutMs: number, phase = `reply to ${this.label}`): Promise<Reply> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
    return withDeadline(phase, timeoutMs, (signal) => this.take(signal));
  }

  /**
   * Skip 1xx replies and return the final one; the preliminary ones are returned too. One deadline
   * covers them all: a server dribbling 1xx replies must not stretch the wait 16 times over.
   */
  final(timeoutMs: number, phase = `reply to ${this.label}`): Promise<{ preliminary: Reply[]; reply: Reply }> {
    return withDeadline(phase, timeoutMs, async (signal) => {
      const preliminary: Reply[] = [];
      for (let count = 0; count < MAX_PRELIMINARY_REPLIES; count += 1) {
        const reply = await this.take(signal);
        if (!isPositivePreliminary(reply.code)) return { preliminary, reply };
        preliminary.push(reply);
      }
      throw new ControlLostError('malformed', `more than ${MAX_PRELIMINARY_REPLIES} preliminary replies to ${this.label}`);
    });
  }

  /** The next reply, waiting until one arrives or `signal` fires (the waiter is then forgotten, so no reply is lost to it). */
  private take(signal: AbortSignal): Promise<Reply> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
    if (this.failure) return Promise.reject(this.failure);
    if (this.complete) return Promise.reject(new Error(`${this.label} has no further replies`));
    if (signal.aborted) return Promise.reject(signal.reason as Error);
    return new Promise<Reply>((resolve, reject) => {
      const onAbort = (): void => {
        this.waiter = undefined;
        reject(signal.reason as Error);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      const settle =
        <T,>(done: (value: T) => void) =>
        (value: T): void => {
          signal.removeEventListener('abort', onAbort);
          done(value);
        };
      this.waiter = { resolve: settle(resolve), reject: settle(reject) };
    });
  }
}
