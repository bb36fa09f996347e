/**
 * Every TCP connection in a capture, tracked by its 4-tuple with counters only: SYNs (the first and
 * how many), the SYN-ACK, RST and FIN with who sent them, payload bytes per direction (counted,
 * never kept), first and last frame. Pure state; the bounded table that holds them is in
 * connection-table.ts. Folding in a segment allocates nothing unless it is a SYN, SYN-ACK, RST or FIN
 * (the bulk of a capture is plain data and ACKs).
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
  unreachable?: StreamPlace & Pick<CapturedUnreachable, 'reporter' | 'code' | 'icmpVersion' | 'codeNumber'>;
  first: StreamPlace;
  /** Updated in place for every segment (its own object, never shared with another field). */
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
    last: { frame: place.frame, timeUs: place.timeUs },
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
  const { flags, frame, timeUs } = segment;
  connection.last.frame = frame;
  connection.last.timeUs = timeUs;
  if (flags.syn && !flags.ack && direction === 'initiator') {
    connection.syns += 1;
    connection.firstSyn ??= { frame, timeUs, seq: segment.seq };
    connection.lastSyn = { frame, timeUs };
  } else if (flags.syn && flags.ack && direction === 'responder') {
    connection.synAck ??= { frame, timeUs, seq: segment.seq };
    connection.openerSeen = true;
  } else if (flags.ack && direction === 'initiator' && connection.synAck && !connection.handshakeAck) {
    connection.handshakeAck = { frame, timeUs };
  }
  if (!flags.syn) connection.sawBothSides[direction] = true;
  if (flags.rst) connection.rst ??= { frame, timeUs, by: direction };
  if (flags.fin) connection.fin[direction] ??= { frame, timeUs };
  connection.bytes[direction] += segment.payloadLength;
  return direction;
}

export function trackUnreachable(connection: TrackedConnection, unreachable: CapturedUnreachable): void {
  const { frame, timeUs, reporter, code, icmpVersion, codeNumber } = unreachable;
  connection.unreachable ??= { frame, timeUs, reporter, code, icmpVersion, codeNumber };
  connection.last = { frame: unreachable.frame, timeUs: unreachable.timeUs };
}
