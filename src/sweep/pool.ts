/**
 * A pool of logged-in control sessions. A control session can prepare only one passive listener
 * at a time (each PASV or SITE SWEEP <port> closes the previous one), so for the per-port and
 * sampling methods the sweep's concurrency is the number of sessions, and a port is proved on a
 * session it has to itself. The block method needs only two (limitTo).
 *
 * Sessions are opened lazily, up to the limit. When the server will not give us another one
 * (a per-address session limit, a login that fails the tenth time), the pool shrinks to the
 * sessions it has instead of failing the sweep; only when it has none at all does acquire()
 * answer undefined. A session whose state is unknown (a transfer command left unanswered) is
 * closed and replaced, never reused.
 */
import type { ControlSession } from '../client/control.js';
import type { OpenedSession } from '../client/session.js';

export interface PooledSession {
  /** 0 … limit-1: which of the parallel sessions this is (replacements reuse the slot). */
  slot: number;
  control: ControlSession;
  opened: OpenedSession;
  /** Our reference server's data tokens are on for this session. */
  tokens: boolean;
}

/** Opens and prepares one session; `undefined` control in the result means it failed. */
export type SessionOpener = (slot: number) => Promise<{ opened: OpenedSession; tokens: boolean }>;

export class SessionPool {
  /** Sessions that could not be opened, in order (the first one explains a total failure). */
  readonly failures: OpenedSession[] = [];
  private readonly idle: PooledSession[] = [];
  private readonly freeSlots: number[] = [];
  private readonly waiters: (() => void)[] = [];
  private readonly all = new Set<PooledSession>();
  private live = 0;
  private nextSlot = 0;
  private opens = 0;
  private closed = false;

  /**
   * @param maxOpens bounds reconnections in all (a server that breaks every session must not
   *   make us reconnect forever).
   */
  constructor(
    private readonly opener: SessionOpener,
    private limit: number,
    private readonly maxOpens: number,
  ) {}

  /** Use at most `limit` sessions from now on (the block method needs only a few). */
  limitTo(limit: number): void {
    this.limit = Math.max(1, Math.min(this.limit, limit));
  }

  get size(): number {
    return this.live;
  }

  /** A session to use alone until release(); undefined when none can be had any more. */
  async acquire(): Promise<PooledSession | undefined> {
    // Each pass either returns, opens (bounded by maxOpens), or waits for a release/shrink.
    for (;;) {
      if (this.closed) return undefined;
      const ready = this.idle.pop();
      if (ready) return ready;
      if (this.canOpen()) {
        const session = await this.openSlot();
        if (session) return session;
        if (this.live === 0) return undefined;
        continue;
      }
      if (this.live === 0) return undefined;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  /**
   * Open sessions before they are needed, in parallel, until `count` are live (never beyond the
   * limit): their logins then overlap other work instead of delaying the first use of each.
   * Never rejects; a session the server refuses shrinks the pool as in acquire().
   */
  async warm(count: number): Promise<void> {
    const wanted = Math.min(count, this.limit) - this.live;
    await Promise.all(
      Array.from({ length: Math.max(0, wanted) }, async () => {
        if (!this.canOpen()) return;
        const session = await this.openSlot().catch(() => undefined);
        if (session) this.release(session, true);
      }),
    );
  }

  private canOpen(): boolean {
    return !this.closed && this.live < this.limit && this.opens < this.maxOpens;
  }

  /** Open a session in a free slot; undefined (and the pool shrunk to what it has) when refused. */
  private async openSlot(): Promise<PooledSession | undefined> {
    this.live += 1;
    this.opens += 1;
    const slot = this.freeSlots.shift() ?? this.nextSlot++;
    let session: PooledSession | undefined;
    try {
      session = await this.openOne(slot);
    } catch (error) {
      // Not a refusal but a fault: give the slot back and let the caller see it.
      this.live -= 1;
      this.freeSlots.push(slot);
      this.wakeAll();
      throw error;
    }
    if (session) return session;
    this.live -= 1;
    this.freeSlots.push(slot);
    // The server said no: stay at what we have rather than hammering it.
    this.limit = this.live;
    this.wakeAll();
    return undefined;
  }

  /** Give a session back; `usable` false closes it (its slot is reopened on demand). */
  release(session: PooledSession, usable: boolean): void {
    if (this.closed || !usable || session.control.lostReason) {
      this.discard(session);
      return;
    }
    this.idle.push(session);
    this.waiters.shift()?.();
  }

  /** QUIT every session, politely and briefly; waiters get undefined. */
  async close(): Promise<void> {
    this.closed = true;
    this.wakeAll();
    const sessions = [...this.all];
    this.all.clear();
    this.idle.length = 0;
    await Promise.all(sessions.map((session) => session.control.close(500)));
  }

  private discard(session: PooledSession): void {
    if (this.all.delete(session)) {
      session.control.destroy();
      this.live -= 1;
      this.freeSlots.push(session.slot);
    }
    this.waiters.shift()?.();
  }

  private async openOne(slot: number): Promise<PooledSession | undefined> {
    const { opened, tokens } = await this.opener(slot);
    if (!opened.control) {
      this.failures.push(opened);
      return undefined;
    }
    if (this.closed) {
      opened.control.destroy();
      return undefined;
    }
    const session: PooledSession = { slot, control: opened.control, opened, tokens };
    this.all.add(session);
    return session;
  }

  private wakeAll(): void {
    for (const wake of this.waiters.splice(0)) wake();
  }
}
