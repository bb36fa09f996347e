/**
 * One FTP session as a capture saw it, built event by event in capture order: the control
 * connection, its commands and replies, TLS, and the data connections matched to it. Every event
 * carries its provenance (file, frame, time). What the control channel announced (227/229 from the
 * server, PORT/EPRT from the client) is kept, bounded, so data connections can be matched to it;
 * an announcement no connection ever followed becomes a note — a SYN is never invented.
 */
import type { Endpoint, ObservedControlConnect, ObservedDataConnection, ObservedEvent, ObservedSession, Provenance } from '../evidence/observed.js';
import { parseEprtArgument, parseEpsvReply, parsePasvReply, parsePortArgument, formatHostPort } from '../ftp/passive.js';
import type { ControlHappening } from './control-channel.js';
import type { TrackedConnection } from './connections.js';
import type { StreamPlace } from './reassembly.js';

export const MAX_EVENTS_PER_SESSION = 20_000;

/**
 * What all the sessions of one capture may keep together, so thousands of sessions of thousands
 * of lines stay bounded too: a count of events and the bytes of their text.
 */
export class EventBudget {
  constructor(
    public events = 200_000,
    public bytes = 32 * 1024 * 1024,
  ) {}

  take(bytes: number): boolean {
    if (this.events < 1 || this.bytes < bytes) return false;
    this.events -= 1;
    this.bytes -= bytes;
    return true;
  }
}

function textBytes(event: ObservedEvent): number {
  if (event.kind === 'command' || event.kind === 'note') return event.text.length + 64;
  if (event.kind === 'reply') return event.message.length + 64;
  return 128;
}
const MAX_ANNOUNCEMENTS_KEPT = 64;

/** Where the control channel said a data connection would go. */
export interface Announcement {
  session: SessionBuilder;
  /** passive: the client will connect to host:port; active: the server will. */
  mode: 'passive' | 'active';
  host: string;
  port: number;
  place: StreamPlace;
  /** The event (227/229 reply, PORT/EPRT command) that announced it. */
  event: ObservedEvent;
  followed: boolean;
}

export function isoTime(timeUs: number): string {
  return new Date(Math.floor(timeUs / 1000)).toISOString();
}

export class SessionBuilder {
  readonly session: ObservedSession;
  readonly controlConnect: ObservedControlConnect;
  readonly announcements: Announcement[] = [];
  /** The control connection is still open (data connections can still belong to it). */
  live = true;
  endUs: number;
  dataConnections = 0;
  /** The server answered QUIT (221): a reset after it is no lost connection. */
  saidGoodbye = false;
  /** The control connection's handshake times (µs), when all three packets were captured: where the capture stood. */
  handshake?: { synUs: number; synAckUs: number; ackUs: number };
  /** The control connection's counters (its FIN, RST and handshake): when the client gave up on a data connection. */
  controlConnection?: TrackedConnection;
  private readonly startUs: number;
  private capped = false;

  constructor(
    readonly file: string,
    id: string,
    readonly client: Endpoint,
    readonly server: Endpoint,
    opened: StreamPlace,
    private readonly budget: EventBudget = new EventBudget(),
  ) {
    this.startUs = opened.timeUs;
    this.endUs = opened.timeUs;
    this.controlConnect = { kind: 'control-connect', client, server, outcome: 'unknown', ...this.stamp(opened) };
    this.session = { id, client, server, events: [this.controlConnect] };
  }

  provenance(place: StreamPlace): Provenance {
    return { source: 'capture', file: this.file, frame: place.frame, time: isoTime(place.timeUs) };
  }

  stamp(place: StreamPlace): { at: Provenance; t: number } {
    return { at: this.provenance(place), t: Math.max(0, Math.round((place.timeUs - this.startUs) / 1000)) };
  }

  add(event: ObservedEvent): void {
    const room = this.session.events.length < MAX_EVENTS_PER_SESSION;
    if (room && this.budget.take(textBytes(event))) {
      this.session.events.push(event);
      return;
    }
    if (this.capped) return;
    this.capped = true;
    const why = room ? 'the capture\'s sessions hold more than the analysis keeps' : `this session has more than ${MAX_EVENTS_PER_SESSION} events`;
    const note: ObservedEvent = { kind: 'note', meaning: 'other', text: `${why}; later events of this session were not kept`, ...this.stamp({ frame: event.at.source === 'capture' ? event.at.frame : 0, timeUs: this.endUs }) };
    // The note takes the last slot when the session is full, so the list never grows past the bound.
    if (room) this.session.events.push(note);
    else this.session.events[this.session.events.length - 1] = note;
  }

  note(text: string, place: StreamPlace, extra: { to?: Endpoint; from?: Endpoint } = {}): void {
    this.add({ kind: 'note', meaning: 'other', text, ...extra, ...this.stamp(place) });
  }

  /** A note placed right after `event` (it speaks about it), within the session's bound. */
  noteAfter(event: ObservedEvent, text: string, place: StreamPlace, extra: { to?: Endpoint } = {}): void {
    const index = this.session.events.indexOf(event);
    if (index < 0 || this.session.events.length >= MAX_EVENTS_PER_SESSION || !this.budget.take(text.length + 64)) return;
    this.session.events.splice(index + 1, 0, { kind: 'note', meaning: 'other', text, ...extra, ...this.stamp(place) });
  }

  /** Takes back an event (a data connection whose outcome the capture does not hold, said in a note instead). */
  forget(event: ObservedEvent): void {
    const index = this.session.events.indexOf(event);
    if (index >= 0) this.session.events.splice(index, 1);
  }

  /** One thing the control channel said; returns a new announcement when it made one. */
  happened(happening: ControlHappening): Announcement | undefined {
    this.endUs = Math.max(this.endUs, happening.timeUs);
    const stamp = this.stamp(happening);
    switch (happening.kind) {
      case 'command': {
        const event: ObservedEvent = { kind: 'command', text: happening.text, ...stamp };
        this.add(event);
        if (happening.verb === 'PORT' || happening.verb === 'EPRT') {
          const target = happening.verb === 'PORT' ? parsePortArgument(happening.argument) : parseEprtArgument(happening.argument);
          if (target.ok) return this.announce('active', target.value.host, target.value.port, happening, event);
        }
        return undefined;
      }
      case 'reply': {
        const event: ObservedEvent = { kind: 'reply', code: happening.code, message: happening.message, ...stamp };
        this.add(event);
        if (happening.code === 221) this.saidGoodbye = true;
        if (happening.code === 227) {
          const target = parsePasvReply(happening.message);
          if (target.ok) return this.announce('passive', target.value.host, target.value.port, happening, event);
        } else if (happening.code === 229) {
          const port = parseEpsvReply(happening.message);
          if (port.ok) return this.announce('passive', this.server.host, port.value, happening, event);
        }
        return undefined;
      }
      case 'encrypted':
        this.session.encryptedFrom ??= stamp.at;
        return undefined;
      case 'tls':
        this.add({ kind: 'tls', channel: 'control', handshake: happening.handshake, detail: happening.detail, ...stamp });
        return undefined;
      case 'cleartext':
        this.note(`the ${happening.side}'s side of the control channel is clear text again after TLS (CCC): readable from here`, happening);
        return undefined;
      case 'damaged':
        this.note(happening.text, happening);
        return undefined;
    }
  }

  /** A data connection matched to this session; the caller fills in its outcome when it closes. */
  addData(event: Omit<ObservedDataConnection, 'at' | 't'>, place: StreamPlace): ObservedDataConnection {
    const data: ObservedDataConnection = { ...event, ...this.stamp(place) };
    this.dataConnections += 1;
    this.add(data);
    this.endUs = Math.max(this.endUs, place.timeUs);
    return data;
  }

  /** The control connection closed (or the capture ended): announcements nobody followed are said. */
  finish(): ObservedSession {
    for (const announcement of this.announcements) {
      if (announcement.followed) continue;
      const what = announcement.mode === 'passive' ? 'the server announced' : 'the client announced';
      const index = this.session.events.indexOf(announcement.event);
      const note: ObservedEvent = {
        kind: 'note',
        meaning: 'other',
        text: `${what} ${formatHostPort(announcement.host, announcement.port)}; no connection to it appears in this capture`,
        to: { host: announcement.host, port: announcement.port },
        ...this.stamp(announcement.place),
      };
      if (index >= 0 && this.session.events.length < MAX_EVENTS_PER_SESSION) this.session.events.splice(index + 1, 0, note);
    }
    return this.session;
  }

  private announce(mode: Announcement['mode'], host: string, port: number, place: StreamPlace, event: ObservedEvent): Announcement {
    const announcement: Announcement = { session: this, mode, host, port, place: { frame: place.frame, timeUs: place.timeUs }, event, followed: false };
    this.announcements.push(announcement);
    // Only recent ones are followed in practice; a session with hundreds of transfers keeps the last 64.
    if (this.announcements.length > MAX_ANNOUNCEMENTS_KEPT) this.announcements.shift();
    return announcement;
  }
}
