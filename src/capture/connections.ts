/**
 * Every TCP connection in a capture, tracked by its 4-tuple with counters only: SYNs (the first and
 * how many), the SYN-ACK, RST and FIN with who sent them, payload bytes per direction (counted,
 * never kept), first and last frame. Pure state plus a bounded table: at most `maxConnections` at
 * once, idle ones closed after `idleUs` of capture time, the least recently active one closed when
 * the table is full — each closure is handed to the caller, who says what was cut short.
 */
import type { CapturedSegment, CapturedUnreachable } from './segment.js';
import type { StreamPlace } from './reassembly.js';

export interface Side {
  host: string;
  port: number;
}

/** 'initiator' sent the SYN (the client of this TCP connection), 'responder' the other end. */
export type Direction = 'initiator' | 'responder';

export interface TrackedConnection {
  key: string;
  initiator: Side;
  responder: Side;
  /** True when the SYN (or SYN-ACK) was seen, so which end opened it is known, not guessed. */
  openerSeen: boolean;
  syns: number;
  firstSyn?: StreamPlace & { seq: number };
  lastSyn?: StreamPlace;
  synAck?: StreamPlace & { seq: number };
  /** The initiator's first ACK after the SYN-ACK (the handshake's third packet): for vantage timing. */
  handshakeAck?: StreamPlace;
  rst?: StreamPlace & { by: Direction };
  fin: { initiator?: StreamPlace; responder?: StreamPlace };
  bytes: { initiator: number; responder: number };
  unreachable?: StreamPlace & { reporter: string; code: string };
  first: StreamPlace;
  last: StreamPlace;
  /** Both sides sent something after the SYN phase (a capture that began mid-connection). */
  sawBothSides: { initiator: boolean; responder: boolean };
}

export function connectionKey(a: Side, b: Side): string {
  const left = `${a.host}|${a.port}`;
  const right = `${b.host}|${b.port}`;
  return left < right ? `${left}|${right}` : `${right}|${left}`;
}

export function directionOf(connection: TrackedConnection, segment: Pick<CapturedSegment, 'src' | 'srcPort'>): Direction {
  return segment.src === connection.initiator.host && segment.srcPort === connection.initiator.port ? 'initiator' : 'responder';
}

/**
 * A new connection from its first captured segment. Without a SYN the opener is guessed: the end
 * that sent a SYN-ACK is the responder; otherwise `serverGuess` (a control or announced port) or
 * the lower port is taken for the responder.
 */
export function openConnection(segment: CapturedSegment, serverGuess?: (side: Side) => boolean): TrackedConnection {
  const source = { host: segment.src, port: segment.srcPort };
  const destination = { host: segment.dst, port: segment.dstPort };
  const place = { frame: segment.frame, timeUs: segment.timeUs };
  let sourceIsInitiator: boolean;
  if (segment.flags.syn) sourceIsInitiator = !segment.flags.ack;
  else if (serverGuess?.(source)) sourceIsInitiator = false;
  else if (serverGuess?.(destination)) sourceIsInitiator = true;
  else sourceIsInitiator = segment.srcPort >= segment.dstPort;
  return {
    key: connectionKey(source, destination),
    initiator: sourceIsInitiator ? source : destination,
    responder: sourceIsInitiator ? destination : source,
    openerSeen: segment.flags.syn,
    syns: 0,
    fin: {},
    bytes: { initiator: 0, responder: 0 },
    first: place,
    last: place,
    sawBothSides: { initiator: false, responder: false },
  };
}

/** Is this SYN the start of a new connection on a 4-tuple already seen (the port reused)? */
export function isNewConnection(connection: TrackedConnection, segment: CapturedSegment): boolean {
  if (!segment.flags.syn || segment.flags.ack || connection.firstSyn === undefined) return false;
  if (segment.seq === connection.firstSyn.seq) return false; // a retransmitted SYN
  return connection.synAck !== undefined || connection.rst !== undefined || connection.fin.initiator !== undefined;
}

/** Fold one segment into the connection's counters. */
export function trackSegment(connection: TrackedConnection, segment: CapturedSegment): Direction {
  const direction = directionOf(connection, segment);
  const place = { frame: segment.frame, timeUs: segment.timeUs };
  const { flags } = segment;
  connection.last = place;
  if (flags.syn && !flags.ack && direction === 'initiator') {
    connection.syns += 1;
    connection.firstSyn ??= { ...place, seq: segment.seq };
    connection.lastSyn = place;
  } else if (flags.syn && flags.ack && direction === 'responder') {
    connection.synAck ??= { ...place, seq: segment.seq };
    connection.openerSeen = true;
  } else if (flags.ack && direction === 'initiator' && connection.synAck && !connection.handshakeAck) {
    connection.handshakeAck = place;
  }
  if (!flags.syn) connection.sawBothSides[direction] = true;
  if (flags.rst) connection.rst ??= { ...place, by: direction };
  if (flags.fin) connection.fin[direction] ??= place;
  connection.bytes[direction] += segment.payloadLength;
  return direction;
}

export function trackUnreachable(connection: TrackedConnection, unreachable: CapturedUnreachable): void {
  connection.unreachable ??= { frame: unreachable.frame, timeUs: unreachable.timeUs, reporter: unreachable.reporter, code: unreachable.code };
  connection.last = { frame: unreachable.frame, timeUs: unreachable.timeUs };
}

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

/**
 * The bounded table. Map order is kept as least-recently-active first (a touched entry is moved
 * to the end), so the eviction candidate and the idle ones are always at the front.
 */
export class ConnectionTable<T extends { connection: TrackedConnection }> {
  private readonly entries = new Map<string, T>();

  constructor(
    private readonly limits: TableLimits,
    private readonly onClose: (entry: T, because: ClosedBecause) => void,
    /** Entries worth keeping longer (FTP control and data): a full table closes others first. */
    private readonly keep: (entry: T) => boolean = () => false,
  ) {}

  get(key: string): T | undefined {
    return this.entries.get(key);
  }

  get size(): number {
    return this.entries.size;
  }

  touch(entry: T): void {
    this.entries.delete(entry.connection.key);
    this.entries.set(entry.connection.key, entry);
  }

  add(entry: T): void {
    this.entries.set(entry.connection.key, entry);
    while (this.entries.size > this.limits.maxConnections) this.close(this.evictionCandidate(), 'table-full');
  }

  /**
   * The least recently active entry not worth keeping, looked for among the oldest few (bounded
   * work per packet); when they are all worth keeping, the oldest goes anyway. A flood of SYNs
   * then pushes out other SYNs, not an idle FTP control connection.
   */
  private evictionCandidate(): T {
    let first: T | undefined;
    let looked = 0;
    for (const entry of this.entries.values()) {
      first ??= entry;
      if (!this.keep(entry)) return entry;
      if (++looked >= EVICTION_SCAN) break;
    }
    return first as T;
  }

  close(entry: T, because: ClosedBecause): void {
    if (this.entries.get(entry.connection.key) === entry) this.entries.delete(entry.connection.key);
    this.onClose(entry, because);
  }

  /** Close every connection idle for longer than the limit at capture time `nowUs`. */
  expire(nowUs: number): void {
    for (const entry of this.entries.values()) {
      const idle = nowUs - entry.connection.last.timeUs;
      // Oldest first: the first entry of no interest that is not idle ends the walk; kept ones are passed over.
      if (this.keep(entry)) {
        if (idle > this.limits.keptIdleUs) this.close(entry, 'idle');
        continue;
      }
      if (idle <= this.limits.idleUs) return;
      this.close(entry, 'idle');
    }
  }

  closeAll(): void {
    for (const entry of [...this.entries.values()]) this.close(entry, 'end-of-capture');
  }
}
