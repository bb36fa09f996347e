/**
 * A capture's TCP segments, one at a time, into FTP sessions (pure, streaming, bounded). Every
 * connection is tracked by counters; a connection is a control connection when its port says so
 * (21, 990, --port) or its first bytes do (a 220 greeting, an FTP command), and only control
 * connections keep payload (reassembled, bounded, cut into lines). Every other connection is
 * matched, when it opens, to the session whose control channel announced it, or counted and
 * forgotten. What was cut short (connections beyond the table, sessions beyond the cap) is said.
 */
import type { ObservedDataConnection, ObservedSession } from '../evidence/observed.js';
import { watchDataTls, type DataTlsWatch } from './data-tls.js';
import { UnacknowledgedTail } from './unacknowledged.js';
import { looksLikeCommand, looksLikeGreeting, controlPortsOf, FTPS_IMPLICIT_PORT, LOOKALIKE_PORTS } from './control-content.js';
import { ControlChannelReader } from './control-channel.js';
import { isNewConnection, openConnection, trackSegment, trackUnreachable, type Direction, type TrackedConnection } from './connections.js';
import { DEFAULT_TABLE_LIMITS, ConnectionTable, type ClosedBecause, type TableEntry, type TableLimits } from './connection-table.js';
import { DataMatcher } from './data-match.js';
import { readConnection } from './outcome.js';
import { settleUnanswered } from './data-wait.js';
import { CONTROL_REASSEMBLY_LIMITS, StreamReassembler, type SharedBudget, type StreamOutput } from './reassembly.js';
import type { CaptureItem, CapturedSegment } from './segment.js';
import { EventBudget, SessionBuilder } from './session-builder.js';

export interface AnalyzeOptions {
  /** The file name as the user gave it: every provenance names it. */
  file: string;
  controlPorts?: readonly number[];
  limits?: Partial<TableLimits & { maxSessions: number; maxEvents: number; maxWaitingBytes: number }>;
}

interface ControlState {
  session: SessionBuilder;
  reader: ControlChannelReader;
  streams: Record<Direction, StreamReassembler>;
  clientTail: UnacknowledgedTail;
}

interface Entry extends TableEntry<Entry> {
  connection: TrackedConnection;
  role: 'pending' | 'control' | 'data' | 'other';
  control?: ControlState;
  data?: { session: SessionBuilder; event: ObservedDataConnection; tls?: DataTlsWatch };
}

/** What the analysis counted besides the sessions, for the reading's limits. */
export interface AnalysisCounts {
  segments: number;
  skippedFrames: number;
  /** Why frames were skipped, the first few reasons with their counts. */
  skipReasons: Record<string, number>;
  connections: number;
  /** Connections that belonged to no FTP session (counted, not kept). */
  unrelated: number;
  /** Connections closed early because the table was full. */
  evicted: number;
  /** Of those, the ones that belonged to an FTP session (their sessions carry a note). */
  evictedFtp: number;
  /** Control connections beyond the session cap (read as unrelated). */
  sessionsNotKept: number;
  firstTimeUs?: number;
  lastTimeUs?: number;
}

const DEFAULT_MAX_SESSIONS = 5_000;
const EXPIRE_EVERY = 4096;

export class CaptureAnalyzer {
  readonly counts: AnalysisCounts = { segments: 0, skippedFrames: 0, skipReasons: {}, connections: 0, unrelated: 0, evicted: 0, evictedFtp: 0, sessionsNotKept: 0 };
  private readonly controlPorts: Set<number>;
  private readonly table: ConnectionTable<Entry>;
  private readonly matcher = new DataMatcher();
  private readonly sessions: SessionBuilder[] = [];
  private readonly maxSessions: number;
  private endUs = 0;
  private cutAfterFrame: number | undefined;
  /** Bounds shared by every session and control stream of the capture. */
  private readonly events: EventBudget;
  private readonly waiting: SharedBudget;

  constructor(private readonly options: AnalyzeOptions) {
    this.controlPorts = controlPortsOf(options.controlPorts);
    this.maxSessions = options.limits?.maxSessions ?? DEFAULT_MAX_SESSIONS;
    this.events = new EventBudget(options.limits?.maxEvents);
    this.waiting = { bytes: 0, max: options.limits?.maxWaitingBytes ?? 32 * 1024 * 1024 };
    this.table = new ConnectionTable<Entry>({ ...DEFAULT_TABLE_LIMITS, ...options.limits }, (entry, because) => this.closed(entry, because), (entry) => entry.role === 'control' || entry.role === 'data');
  }

  push(item: CaptureItem): void {
    if (item.kind === 'skipped') {
      this.counts.skippedFrames += 1;
      const reasons = this.counts.skipReasons;
      if (Object.hasOwn(reasons, item.reason) || Object.keys(reasons).length < 8) reasons[item.reason] = (reasons[item.reason] ?? 0) + 1;
      return;
    }
    if (item.kind === 'unreachable') {
      const { unreachable } = item;
      const entry = this.table.find(unreachable.src, unreachable.srcPort, unreachable.dst, unreachable.dstPort);
      if (entry) trackUnreachable(entry.connection, unreachable);
      return;
    }
    this.segment(item.segment);
  }

  /**
   * The capture ended: every connection still open is read as it stands. `cutAfterFrame`: the file
   * was cut short there, so a session whose control connection was still open gets a note saying
   * so (what it was doing has no outcome in the file).
   */
  finish(cutAfterFrame?: number): ObservedSession[] {
    this.cutAfterFrame = cutAfterFrame;
    this.table.closeAll();
    return this.sessions.map((session) => session.finish());
  }

  get sessionBuilders(): readonly SessionBuilder[] {
    return this.sessions;
  }

  private segment(segment: CapturedSegment): void {
    this.counts.segments += 1;
    this.endUs = Math.max(this.endUs, segment.timeUs);
    this.counts.firstTimeUs ??= segment.timeUs;
    this.counts.lastTimeUs = this.endUs;
    let entry = this.table.find(segment.src, segment.srcPort, segment.dst, segment.dstPort);
    if (entry && isNewConnection(entry.connection, segment)) {
      this.table.close(entry, 'port-reused');
      entry = undefined;
    }
    if (entry) this.table.touch(entry);
    else entry = this.open(segment);
    const previousUs = entry.connection.last.timeUs;
    let direction = trackSegment(entry.connection, segment);
    if (entry.role === 'pending' && segment.payloadLength > 0) direction = this.decideByContent(entry, segment, direction);
    if (entry.control) this.feedControl(entry.control, segment, direction, previousUs);
    else if (entry.data && segment.payload.length > 0) watchDataTls(entry.data, segment);
    if (this.counts.segments % EXPIRE_EVERY === 0) this.table.expire(segment.timeUs);
  }

  private open(segment: CapturedSegment): Entry {
    const connection = openConnection(segment, (side) => this.controlPorts.has(side.port));
    this.counts.connections += 1;
    // Every field present from the start: one object shape for all entries keeps the per-packet code monomorphic.
    const entry: Entry = { connection, role: 'pending', control: undefined, data: undefined, older: undefined, newer: undefined };
    this.table.add(entry);
    if (this.controlPorts.has(connection.responder.port)) {
      this.becomeControl(entry, connection.responder.port === FTPS_IMPLICIT_PORT);
      return entry;
    }
    const match = this.matcher.match(connection.initiator, connection.responder, segment.timeUs);
    if (match) {
      entry.role = 'data';
      const openedBy = connection.openerSeen ? match.openedBy : undefined;
      const event = match.session.addData({ kind: 'data', ...(openedBy ? { openedBy } : {}), from: connection.initiator, to: connection.responder, outcome: 'unknown' }, connection.firstSyn ?? connection.first);
      if (match.inferred) {
        match.session.note('this data connection was matched to the session by time and addresses (the control channel was encrypted)', connection.first, { from: connection.initiator, to: connection.responder });
      }
      entry.data = { session: match.session, event };
    }
    return entry;
  }

  /** Returns the segment's direction, which changes when the greeting shows the ends were guessed the wrong way round. */
  private decideByContent(entry: Entry, segment: CapturedSegment, direction: Direction): Direction {
    const { connection } = entry;
    if (LOOKALIKE_PORTS.has(connection.responder.port) || LOOKALIKE_PORTS.has(connection.initiator.port)) {
      entry.role = 'other';
      return direction;
    }
    const greeting = looksLikeGreeting(segment.payload);
    const command = !greeting && looksLikeCommand(segment.payload);
    // Without the SYN the ends were guessed: the one that greets is the server, the one that sends a command the client.
    const swapped = !connection.openerSeen && ((greeting && direction === 'initiator') || (command && direction === 'responder'));
    if (swapped) swapEnds(connection);
    if ((greeting && (direction === 'responder' || swapped)) || (command && (direction === 'initiator' || swapped))) {
      this.becomeControl(entry, false);
      return swapped ? (direction === 'initiator' ? 'responder' : 'initiator') : direction;
    }
    entry.role = 'other';
    return direction;
  }

  private becomeControl(entry: Entry, implicitTls: boolean): void {
    const { connection } = entry;
    if (this.sessions.length >= this.maxSessions) {
      entry.role = 'other';
      this.counts.sessionsNotKept += 1;
      return;
    }
    const id = `${this.options.file}#${this.sessions.length + 1}`;
    const session = new SessionBuilder(this.options.file, id, connection.initiator, connection.responder, connection.firstSyn ?? connection.first, this.events);
    this.sessions.push(session);
    const streams = { initiator: new StreamReassembler(CONTROL_REASSEMBLY_LIMITS, this.waiting), responder: new StreamReassembler(CONTROL_REASSEMBLY_LIMITS, this.waiting) };
    // Found by content after the handshake: the streams still start where the SYNs said.
    if (connection.firstSyn) streams.initiator.start(connection.firstSyn.seq);
    if (connection.synAck) streams.responder.start(connection.synAck.seq);
    entry.role = 'control';
    session.controlConnection = connection;
    entry.control = { session, reader: new ControlChannelReader(implicitTls), streams, clientTail: new UnacknowledgedTail() };
    if (implicitTls) {
      session.happened({ kind: 'encrypted', ...(connection.firstSyn ?? connection.first) });
      this.matcher.encryptedSession(session);
    }
  }

  private feedControl(control: ControlState, segment: CapturedSegment, direction: Direction, previousUs: number): void {
    const other: Direction = direction === 'initiator' ? 'responder' : 'initiator';
    const place = { frame: segment.frame, timeUs: segment.timeUs };
    if (direction === 'initiator' && !segment.flags.syn) control.clientTail.sent(segment.seq, segment.payloadLength, place, previousUs);
    if (direction === 'responder' && segment.flags.ack) control.clientTail.acknowledged(segment.ack);
    if (segment.flags.syn) control.streams[direction].start(segment.seq);
    const outputs: Record<Direction, StreamOutput[]> = { initiator: [], responder: [] };
    if (segment.flags.ack) outputs[other].push(...control.streams[other].peerAcknowledged(segment.ack, place));
    if (segment.payloadLength > 0 && !segment.flags.syn) {
      outputs[direction].push(...control.streams[direction].push(segment.seq, segment.payload, segment.payloadLength, place));
    }
    this.deliver(control, outputs);
  }

  private deliver(control: ControlState, outputs: Record<Direction, StreamOutput[]>): void {
    const wasEncrypted = control.reader.encrypted;
    const happenings = [...control.reader.fromClient(outputs.initiator), ...control.reader.fromServer(outputs.responder)];
    happenings.sort((a, b) => a.frame - b.frame);
    for (const happening of happenings) {
      const announcement = control.session.happened(happening);
      if (announcement) this.matcher.announced(announcement);
    }
    if (!wasEncrypted && control.reader.encrypted) this.matcher.encryptedSession(control.session);
  }

  private closed(entry: Entry, because: ClosedBecause): void {
    const { connection } = entry;
    const endUs = because === 'end-of-capture' ? this.endUs : connection.last.timeUs;
    if (because === 'table-full') this.counts.evicted += 1;
    if (because === 'table-full' && (entry.control || entry.data)) this.counts.evictedFtp += 1;
    if (entry.control) {
      const { session, streams } = entry.control;
      const place = connection.last;
      this.deliver(entry.control, { initiator: streams.initiator.finish(place), responder: streams.responder.finish(place) });
      const reading = readConnection(connection, endUs);
      // The control-connect event is about opening: a reset later is the session's end, said in a note.
      session.controlConnect.outcome = reading.outcome === 'reset' ? 'connected' : reading.outcome;
      if (reading.ended === 'reset' && connection.rst && !session.saidGoodbye && !session.session.encryptedFrom) {
        const by = connection.rst.by === 'initiator' ? 'client' : 'server';
        session.add({ kind: 'note', meaning: 'connection-lost', text: `the ${by} reset the control connection`, ...session.stamp(connection.rst) });
      }
      const unacknowledged = entry.control.clientTail.reading();
      if (unacknowledged) {
        const idle = unacknowledged.idleBeforeMs >= 1000 ? `, after ${Math.round(unacknowledged.idleBeforeMs / 1000)} s idle` : '';
        session.add({
          kind: 'note',
          meaning: 'control-timeout',
          text: `the client's last control bytes were sent ${unacknowledged.sends} times (from frame ${unacknowledged.first.frame}${idle}) and never acknowledged: the control connection was cut on the way`,
          ...session.stamp(unacknowledged.first),
        });
      }
      session.live = false;
      if (connection.firstSyn && connection.synAck && connection.handshakeAck) {
        session.handshake = { synUs: (connection.lastSyn ?? connection.firstSyn).timeUs, synAckUs: connection.synAck.timeUs, ackUs: connection.handshakeAck.timeUs };
      }
      session.endUs = Math.max(session.endUs, connection.last.timeUs);
      if (because === 'table-full') session.note('tracking of this control connection stopped early: the capture had more connections open at once than are tracked', place);
      const open = !connection.rst && !connection.fin.initiator && !connection.fin.responder;
      if (because === 'end-of-capture' && this.cutAfterFrame !== undefined && open) {
        const text = `the capture file was cut short after frame ${this.cutAfterFrame}, with this session still open: what it did next is not in the file`;
        session.add({ kind: 'note', meaning: 'source-cut', text, ...session.stamp({ frame: this.cutAfterFrame, timeUs: this.endUs }) });
      }
      return;
    }
    if (entry.data) {
      const reading = readConnection(connection, endUs);
      const { event, session } = entry.data;
      event.outcome = reading.outcome;
      if (reading.synRetransmits > 0) event.synRetransmits = reading.synRetransmits;
      event.waitedMs = reading.waitedMs;
      event.bytes = connection.bytes.initiator + connection.bytes.responder;
      if (reading.ended) event.ended = reading.ended;
      if (reading.outcome === 'no-answer') settleUnanswered(session, event, connection, endUs, because === 'end-of-capture');
      if (reading.answeredAt) event.answeredAt = session.provenance(reading.answeredAt);
      if (reading.outcome === 'unreachable' && connection.unreachable) {
        const { reporter, code, icmpVersion, codeNumber } = connection.unreachable;
        event.icmp = { reporter, name: code, version: icmpVersion, code: codeNumber, at: session.provenance(connection.unreachable) };
      }
      if (because === 'table-full') session.note('tracking of this data connection stopped early: too many connections open at once', connection.last, { to: connection.responder });
      return;
    }
    this.counts.unrelated += 1;
  }
}

/** The end that sent the greeting is the server: a capture that began mid-connection guessed wrong. */
function swapEnds(connection: TrackedConnection): void {
  const { initiator, responder } = connection;
  connection.initiator = responder;
  connection.responder = initiator;
  connection.bytes = { initiator: connection.bytes.responder, responder: connection.bytes.initiator };
  connection.sawBothSides = { initiator: connection.sawBothSides.responder, responder: connection.sawBothSides.initiator };
  connection.fin = { initiator: connection.fin.responder, responder: connection.fin.initiator };
}
