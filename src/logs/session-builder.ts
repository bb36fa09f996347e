/**
 * Pure: LogItems in line order → ObservedSessions with provenance. Interleaved server logs keep one
 * session per key; a client's log is one stream in which a new control connection starts a new
 * session. Commands are masked here (PASS → ****), and every stored text has remembered passwords
 * removed.
 */
import type {
  ObservedConnectOutcome,
  ObservedControlConnect,
  ObservedDataConnection,
  ObservedEvent,
  ObservedSession,
  Provenance,
} from '../evidence/observed.js';
import { dataAddressOf, isTransferCommand, REPLY_LINE, type LogItem, type ParsedLine } from './items.js';
import { redactCommand, redactText } from './redact.js';

interface OpenSession {
  session: ObservedSession;
  firstMs?: number;
  commands: number;
  ended: boolean;
  multi?: { code: number; lines: string[]; at: Provenance; t?: number };
  lastAttempt?: ObservedControlConnect | ObservedDataConnection;
  transferStarted: boolean;
  /** The address the last 227 offered: fills in a data connection whose log names only the port. */
  offered?: { host: string; port: number };
}

/** Most sessions kept from one file: a log of a busy server has millions; the diagnosis needs the ones that failed, which come with errors. */
export const MAX_SESSIONS = 5_000;
/** Most events in one session (a mirror job's session can list a million files). */
export const MAX_EVENTS_PER_SESSION = 20_000;
/** Most events kept from one file, all sessions together: what bounds the reading's memory (a few hundred MB at most). */
export const MAX_EVENTS = 1_000_000;

function startsSession(item: LogItem): boolean {
  if (item.type === 'connect') return item.role !== 'data';
  if (item.type === 'command') return /^USER\b/i.test(item.text.trim());
  if (item.type === 'reply') return item.code === 220;
  return item.type === 'reply-line' && /^220[ -]/.test(item.text);
}

export class SessionBuilder {
  private readonly open = new Map<string, OpenSession>();
  private readonly done: ObservedSession[] = [];
  private count = 0;
  private events = 0;
  private readonly ids = new Set<string>();
  /** Sessions not kept past MAX_SESSIONS, and events past MAX_EVENTS_PER_SESSION. */
  droppedSessions = 0;
  droppedEvents = 0;
  private readonly droppedKeys = new Set<string>();

  constructor(private file: string, private idPrefix: string) {}

  /** The next lines come from `file` (the next of a log's rotated files): a session still open continues there. */
  useFile(file: string, idPrefix: string): void {
    this.file = file;
    this.idPrefix = idPrefix;
  }

  add(parsed: ParsedLine, line: number): void {
    const key = parsed.key ?? '';
    const at: Provenance = { source: 'log', file: this.file, line, ...(parsed.time ? { time: parsed.time.iso } : {}) };
    for (const item of parsed.items) this.apply(key, item, at, parsed.time?.ms);
  }

  finish(): ObservedSession[] {
    for (const key of [...this.open.keys()]) this.close(key);
    return this.done;
  }

  private current(key: string, ms: number | undefined, fresh: boolean, item: LogItem): OpenSession | undefined {
    let state = this.open.get(key);
    if (state && fresh) {
      this.close(key);
      state = undefined;
    }
    if (!state) {
      if (this.count >= MAX_SESSIONS) {
        // Counted once per key until that session's end (a client's log has one key, '').
        if (!this.droppedKeys.has(key)) this.droppedSessions += 1;
        if (this.droppedKeys.size >= 100_000) this.droppedKeys.clear();
        if (item.type === 'end' || (key === '' && item.type === 'reply-line' && /^221\b/.test(item.text))) this.droppedKeys.delete(key);
        else this.droppedKeys.add(key);
        return undefined;
      }
      this.count += 1;
      // A key comes back when a pid or client port is reused: the second session gets its own id.
      let id = key === '' ? `${this.idPrefix}#${this.count}` : `${this.idPrefix}#${key}`;
      if (this.ids.has(id)) id = `${id}~${this.count}`;
      this.ids.add(id);
      state = { session: { id, events: [] }, commands: 0, ended: false, transferStarted: false, ...(ms !== undefined ? { firstMs: ms } : {}) };
      this.open.set(key, state);
    }
    if (state.firstMs === undefined && ms !== undefined) state.firstMs = ms;
    return state;
  }

  private close(key: string): void {
    const state = this.open.get(key);
    if (!state) return;
    this.flushMulti(state);
    this.open.delete(key);
    if (state.session.events.length > 0) this.done.push(state.session);
  }

  private push(state: OpenSession, event: ObservedEvent): void {
    if (state.session.events.length >= MAX_EVENTS_PER_SESSION || this.events >= MAX_EVENTS) {
      this.droppedEvents += 1;
      return;
    }
    this.events += 1;
    state.session.events.push(event);
  }

  private base(state: OpenSession, at: Provenance, ms: number | undefined): { at: Provenance; t?: number } {
    return ms !== undefined && state.firstMs !== undefined ? { at, t: ms - state.firstMs } : { at };
  }

  private apply(key: string, item: LogItem, at: Provenance, ms: number | undefined): void {
    const isControlConnect = item.type === 'connect' && this.isControl(key, item.role);
    const ended = this.open.get(key)?.ended === true;
    // After a session ended, what the server still logs for it (pyftpdlib answers ABOR after the
    // close) stays in it; a new connection, greeting or USER starts the next one.
    const state = this.current(key, ms, (isControlConnect && this.hasActivity(key)) || (ended && startsSession(item)), item);
    if (!state) return;
    const base = this.base(state, at, ms);
    switch (item.type) {
      case 'command': {
        this.flushMulti(state);
        state.commands += 1;
        const text = redactCommand(item.text.trim());
        if (isTransferCommand(text)) state.transferStarted = false;
        this.push(state, { kind: 'command', text, ...base });
        return;
      }
      case 'reply-line':
        return this.replyLine(state, item.text, base);
      case 'reply':
        this.flushMulti(state);
        return this.reply(state, item.code, item.message, base);
      case 'connect': {
        this.flushMulti(state);
        if (isControlConnect) {
          const event: ObservedControlConnect = { kind: 'control-connect', outcome: item.outcome ?? 'unknown', ...base };
          if (item.to) event.server = item.to;
          if (item.from) event.client = item.from;
          if (item.to && !state.session.server) state.session.server = item.to;
          if (item.from && !state.session.client) state.session.client = item.from;
          state.lastAttempt = event;
          return this.push(state, event);
        }
        const last = state.lastAttempt;
        // One attempt logged twice ("Connecting to … port 50123", then "Trying …:50123...").
        if (last?.kind === 'data' && last.outcome === 'unknown' && item.to && last.to.host === item.to.host && last.to.port === item.to.port) return;
        if (!item.to || item.to.port === 0) return; // a data connection to nobody knows where says nothing
        // A log that names only the port (a 229's, a server's own listener): the 227 that offered it, or the control peer.
        const host = item.to.host !== '' ? item.to.host : state.offered?.port === item.to.port ? state.offered.host : (state.session.server?.host ?? '');
        const to = { host, port: item.to.port };
        const event: ObservedDataConnection = { kind: 'data', to, outcome: item.outcome ?? 'unknown', ...base };
        if (item.from) event.from = item.from;
        if (item.openedBy) event.openedBy = item.openedBy;
        if (item.bytes !== undefined) event.bytes = item.bytes;
        if (item.waitedMs !== undefined) event.waitedMs = item.waitedMs;
        if (item.ended) event.ended = item.ended;
        if (item.listenerOnly) event.listenerOnly = true;
        state.lastAttempt = event;
        return this.push(state, event);
      }
      case 'connect-result':
        return this.settle(state, item.outcome, item.to, undefined, base.t);
      case 'note': {
        const note = { kind: 'note' as const, meaning: item.meaning, text: redactText(item.text), ...base, ...(item.to ? { to: item.to } : {}), ...(item.from ? { from: item.from } : {}), ...(item.waitedMs !== undefined ? { waitedMs: item.waitedMs } : {}) };
        if (item.meaning === 'data-timeout') this.settle(state, 'no-answer', undefined, item.waitedMs, base.t);
        return this.push(state, note);
      }
      case 'tls':
        return this.push(state, { kind: 'tls', channel: item.channel, handshake: item.handshake, ...base, ...(item.detail ? { detail: redactText(item.detail) } : {}) });
      case 'endpoints':
        if (item.client) state.session.client ??= item.client;
        if (item.server) state.session.server ??= item.server;
        return;
      case 'end':
        this.flushMulti(state);
        state.ended = true;
        return;
    }
  }

  private isControl(key: string, role: 'control' | 'data' | undefined): boolean {
    if (role) return role === 'control';
    const state = this.open.get(key);
    return !state || state.ended || state.commands === 0 && !state.session.events.some((event) => event.kind === 'reply');
  }

  private hasActivity(key: string): boolean {
    const state = this.open.get(key);
    return state !== undefined && state.session.events.some((event) => event.kind !== 'control-connect' || event.outcome !== 'unknown');
  }

  /** The latest attempt still unsettled (to `to`, when named) gets its outcome. */
  private settle(state: OpenSession, outcome: ObservedConnectOutcome, to?: { host: string; port: number }, waitedMs?: number, settledAt?: number): void {
    const last = state.lastAttempt;
    if (!last || last.outcome !== 'unknown') return;
    const target = last.kind === 'data' ? last.to : last.server;
    if (to && target && (target.port !== to.port || (target.host !== '' && to.host !== '' && target.host !== to.host))) return;
    last.outcome = outcome;
    if (last.kind !== 'data') return;
    if (waitedMs !== undefined) last.waitedMs = waitedMs;
    // The log's own clocks (lftp `debug -t`, curl --trace-time, FileZilla): from the attempt to the line that settled it.
    else if (outcome !== 'connected' && last.t !== undefined && settledAt !== undefined) last.waitedMs = Math.max(0, settledAt - last.t);
  }

  private replyLine(state: OpenSession, text: string, base: { at: Provenance; t?: number }): void {
    const m = REPLY_LINE.exec(text);
    const multi = state.multi;
    if (multi) {
      if (m && Number(m[1]) === multi.code && m[2] !== '-') {
        multi.lines.push(m[3] ?? '');
        state.multi = undefined;
        this.reply(state, multi.code, multi.lines.join('\n'), { at: multi.at, ...(multi.t !== undefined ? { t: multi.t } : {}) });
      } else if (multi.lines.length < 200) multi.lines.push(m && Number(m[1]) === multi.code ? (m[3] ?? '') : text);
      return;
    }
    if (!m) return;
    if (m[2] === '-') {
      state.multi = { code: Number(m[1]), lines: [m[3] ?? ''], at: base.at, ...(base.t !== undefined ? { t: base.t } : {}) };
      return;
    }
    this.reply(state, Number(m[1]), m[3] ?? '', base);
  }

  private flushMulti(state: OpenSession): void {
    const multi = state.multi;
    if (!multi) return;
    state.multi = undefined;
    this.reply(state, multi.code, multi.lines.join('\n'), { at: multi.at, ...(multi.t !== undefined ? { t: multi.t } : {}) });
  }

  private reply(state: OpenSession, code: number, message: string, base: { at: Provenance; t?: number }): void {
    if (code === 150 || code === 125) state.transferStarted = true;
    if (code === 227) {
      const offered = dataAddressOf(`227 ${message}`);
      if (offered) state.offered = offered;
    }
    // Any reply means the control connection was open.
    if (state.lastAttempt?.kind === 'control-connect') this.settle(state, 'connected');
    // A transfer that completed had its data connection, whatever the log said of it.
    if ((code === 226 || code === 250) && state.transferStarted && state.lastAttempt?.kind === 'data') this.settle(state, 'connected');
    this.push(state, { kind: 'reply', code, message: redactText(message), ...base });
    if (code === 221) state.ended = true;
  }
}
