/**
 * The bounded table of tracked connections: at most `maxConnections` at once, idle ones closed
 * after `idleUs` of capture time, the least recently active one closed when the table is full —
 * each closure is handed to the caller, who says what was cut short.
 *
 * It is consulted for every packet of the capture, so a lookup and a touch are O(1) and allocate
 * nothing in the common case: a small cache by port pair answers for the connections seen lately
 * (no key string built), and the recency order is a list threaded through the entries themselves
 * (moving an entry to the end is a few pointer writes, not a Map delete and insert).
 */
import { connectionKey, type TrackedConnection } from './connections.js';

export type ClosedBecause = 'idle' | 'table-full' | 'end-of-capture' | 'port-reused';

export interface TableLimits {
  maxConnections: number;
  /** Capture time without a packet after which a connection is closed (µs). */
  idleUs: number;
  /**
   * The same for connections worth keeping (FTP control and data): much longer, so a control
   * connection idle for 20 minutes and then reset by a NAT that forgot it stays one session.
   */
  keptIdleUs: number;
}

/** How many of the oldest entries a full table looks through for one not worth keeping. */
const EVICTION_SCAN = 64;

export const DEFAULT_TABLE_LIMITS: TableLimits = { maxConnections: 20_000, idleUs: 15 * 60 * 1_000_000, keptIdleUs: 6 * 3600 * 1_000_000 };

/** Slots of the recent-connection cache (a power of two). */
const RECENT_SLOTS = 4096;

/** What the table keeps: the connection, and the links of the recency list (the table's own). */
export interface TableEntry<T> {
  connection: TrackedConnection;
  older?: T | undefined;
  newer?: T | undefined;
}

/** The cache slot of a port pair, the same whichever end sent the packet. */
function recentSlot(portA: number, portB: number): number {
  const low = portA < portB ? portA : portB;
  const high = portA < portB ? portB : portA;
  return (Math.imul(low, 0x9e3779b1) ^ high) & (RECENT_SLOTS - 1);
}

/** Is this connection the one between these two ends (either way round)? */
function joins(connection: TrackedConnection, src: string, srcPort: number, dst: string, dstPort: number): boolean {
  const { initiator, responder } = connection;
  if (initiator.port === srcPort && responder.port === dstPort && initiator.host === src && responder.host === dst) return true;
  return responder.port === srcPort && initiator.port === dstPort && responder.host === src && initiator.host === dst;
}

/** Least recently active first, so the eviction candidate and the idle ones are always at the front. */
export class ConnectionTable<T extends TableEntry<T>> {
  private readonly byKey = new Map<string, T>();
  private readonly recent: (T | undefined)[] = new Array<T | undefined>(RECENT_SLOTS).fill(undefined);
  private oldest: T | undefined;
  private newest: T | undefined;

  constructor(
    private readonly limits: TableLimits,
    private readonly onClose: (entry: T, because: ClosedBecause) => void,
    /** Entries worth keeping longer (FTP control and data): a full table closes others first. */
    private readonly keep: (entry: T) => boolean = () => false,
  ) {}

  /** The connection between these two ends, if tracked. */
  find(src: string, srcPort: number, dst: string, dstPort: number): T | undefined {
    const slot = recentSlot(srcPort, dstPort);
    const cached = this.recent[slot];
    if (cached !== undefined && joins(cached.connection, src, srcPort, dst, dstPort)) return cached;
    const entry = this.byKey.get(connectionKey({ host: src, port: srcPort }, { host: dst, port: dstPort }));
    if (entry !== undefined) this.recent[slot] = entry;
    return entry;
  }

  get size(): number {
    return this.byKey.size;
  }

  /** The entry was active: it becomes the newest. */
  touch(entry: T): void {
    if (this.newest === entry) return;
    this.unlink(entry);
    this.link(entry);
  }

  add(entry: T): void {
    this.byKey.set(entry.connection.key, entry);
    this.link(entry);
    this.recent[recentSlot(entry.connection.initiator.port, entry.connection.responder.port)] = entry;
    while (this.byKey.size > this.limits.maxConnections) this.close(this.evictionCandidate(), 'table-full');
  }

  /**
   * The least recently active entry not worth keeping, looked for among the oldest few (bounded
   * work per packet); when they are all worth keeping, the oldest goes anyway. A flood of SYNs
   * then pushes out other SYNs, not an idle FTP control connection.
   */
  private evictionCandidate(): T {
    let entry = this.oldest;
    for (let looked = 0; entry !== undefined && looked < EVICTION_SCAN; looked += 1, entry = entry.newer) {
      if (!this.keep(entry)) return entry;
    }
    return this.oldest as T;
  }

  close(entry: T, because: ClosedBecause): void {
    const { connection } = entry;
    if (this.byKey.get(connection.key) === entry) {
      this.byKey.delete(connection.key);
      this.unlink(entry);
      const slot = recentSlot(connection.initiator.port, connection.responder.port);
      if (this.recent[slot] === entry) this.recent[slot] = undefined;
    }
    this.onClose(entry, because);
  }

  /** Close every connection idle for longer than the limit at capture time `nowUs`. */
  expire(nowUs: number): void {
    let entry = this.oldest;
    while (entry !== undefined) {
      const next: T | undefined = entry.newer;
      const idle = nowUs - entry.connection.last.timeUs;
      // Oldest first: the first entry of no interest that is not idle ends the walk; kept ones are passed over.
      if (this.keep(entry)) {
        if (idle > this.limits.keptIdleUs) this.close(entry, 'idle');
      } else {
        if (idle <= this.limits.idleUs) return;
        this.close(entry, 'idle');
      }
      entry = next;
    }
  }

  closeAll(): void {
    // Each close removes the oldest, so this ends after `size` rounds.
    for (let left = this.byKey.size; left > 0 && this.oldest !== undefined; left -= 1) this.close(this.oldest, 'end-of-capture');
  }

  private link(entry: T): void {
    entry.older = this.newest;
    entry.newer = undefined;
    if (this.newest !== undefined) this.newest.newer = entry;
    else this.oldest = entry;
    this.newest = entry;
  }

  private unlink(entry: T): void {
    if (entry.older !== undefined) entry.older.newer = entry.newer;
    else if (this.oldest === entry) this.oldest = entry.newer;
    if (entry.newer !== undefined) entry.newer.older = entry.older;
    else if (this.newest === entry) this.newest = entry.older;
    entry.older = undefined;
    entry.newer = undefined;
  }
}
