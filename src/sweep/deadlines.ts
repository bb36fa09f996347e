/**
 * Deadlines of the token connections of a dial chunk (pure; table-tested): one timer for all of
 * them instead of one per connection. Each connection gets the same allowance from the moment it
 * connected, so the deadlines arrive in time order and a FIFO holds them; a connection decided
 * before its deadline is cancelled in place (skipped when reached), not searched for.
 */

export interface DeadlineEntry<T> {
  readonly at: number;
  readonly item: T;
  cancelled: boolean;
}

/** Entries already passed are dropped from the front of the array once this many pile up. */
const COMPACT_AFTER = 256;

export class DeadlineQueue<T> {
  private entries: DeadlineEntry<T>[] = [];
  private head = 0;

  /**
   * A deadline at `at`. One earlier than the last one added (a clock read out of order) is moved
   * to the last one's time: a little more time, never less.
   */
  add(at: number, item: T): DeadlineEntry<T> {
    const last = this.entries[this.entries.length - 1];
    const entry: DeadlineEntry<T> = { at: last && last.at > at ? last.at : at, item, cancelled: false };
    this.entries.push(entry);
    return entry;
  }

  cancel(entry: DeadlineEntry<T>): void {
    entry.cancelled = true;
  }

  /** The items whose deadline is at or before `now`, in order, taken out of the queue. */
  takeDue(now: number): T[] {
    const due: T[] = [];
    // Bounded by the entries in the queue.
    while (this.head < this.entries.length) {
      const entry = this.entries[this.head] as DeadlineEntry<T>;
      if (!entry.cancelled && entry.at > now) break;
      this.head += 1;
      if (!entry.cancelled) due.push(entry.item);
    }
    this.compact();
    return due;
  }

  /** The earliest deadline still pending, if any. */
  get nextAt(): number | undefined {
    while (this.head < this.entries.length && this.entries[this.head]?.cancelled) this.head += 1;
    this.compact();
    return this.entries[this.head]?.at;
  }

  private compact(): void {
    if (this.head >= this.entries.length) {
      this.entries = [];
      this.head = 0;
    } else if (this.head >= COMPACT_AFTER) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
  }
}
