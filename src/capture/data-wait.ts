/**
 * A data connection whose SYNs nothing answered: how long the client waited for it, and whether the
 * capture shows a drop at all (pure). The client's wait ends when it gives up — the next command on
 * control (ABOR, QUIT, another mode command), the control connection closed or reset, its next data
 * attempt — not at the end of the file, which may come seconds later. A capture that ends before
 * the SYN could have been answered or sent again, with the client not seen giving up (tcpdump
 * stopped right after the 227), shows no drop: its outcome is not in the capture. How soon a lost
 * SYN is sent again and answered is the probe's early-verdict reasoning, reused here.
 */
import { EARLY_VERDICT_MARGIN_MS, EARLY_VERDICT_ROUND_TRIPS, FIRST_SYN_RETRANSMISSION_MS } from '../client/early-verdict.js';
import { TRANSFER_VERBS } from '../ftp/data-mode.js';
import { formatHostPort } from '../ftp/passive.js';
import type { ObservedDataConnection, ObservedEvent } from '../evidence/observed.js';
import type { TrackedConnection } from './connections.js';
import type { SessionBuilder } from './session-builder.js';

/** Times in ms on one clock (the session's `t`). */
export interface UnansweredSyns {
  firstSynMs: number;
  lastSynMs: number;
  syns: number;
  /** The client moved on, as the capture shows it: when, and what it did. */
  gaveUp?: { atMs: number; what: string };
  /** The capture's last packet. */
  endMs: number;
  /** The control connection's round trip, when its handshake was captured. */
  rttMs?: number;
}

export type UnansweredReading =
  /** The capture ends before the SYN could have been answered or sent again: nothing to judge. */
  | { kind: 'not-in-capture'; sinceSynMs: number; words: string }
  /** No answer: `waitedMs` is what the client waited (first SYN to giving up, or to its last SYN when the capture does not show it giving up). */
  | { kind: 'dropped'; waitedMs: number; words: string };

/** Commands a client sends while it still waits for the data connection: not a sign it gave up. */
const STILL_WAITING = new Set([...TRANSFER_VERBS, 'NOOP', 'STAT', 'TYPE', 'REST']);

const seconds = (ms: number): string => `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;

/** Longest a single unanswered SYN may go without a retransmission or an answer before its silence means anything. */
export function unansweredSynGraceMs(rttMs = 0): number {
  return FIRST_SYN_RETRANSMISSION_MS + EARLY_VERDICT_ROUND_TRIPS * rttMs + EARLY_VERDICT_MARGIN_MS;
}

export function readUnanswered(input: UnansweredSyns): UnansweredReading {
  const { firstSynMs, lastSynMs, syns, gaveUp, endMs } = input;
  const synWords = syns > 1 ? `${syns} SYNs over ${seconds(lastSynMs - firstSynMs)}` : '1 SYN';
  if (gaveUp) {
    const waitedMs = Math.max(lastSynMs, gaveUp.atMs) - firstSynMs;
    return { kind: 'dropped', waitedMs, words: `data connection: ${synWords}, no answer; the client gave up at ${seconds(waitedMs)} (${gaveUp.what})` };
  }
  const sinceSynMs = Math.max(0, endMs - firstSynMs);
  if (syns <= 1 && sinceSynMs < unansweredSynGraceMs(input.rttMs)) {
    return { kind: 'not-in-capture', sinceSynMs, words: `the capture ends ${sinceSynMs} ms after this SYN: its outcome is not in the capture` };
  }
  if (syns > 1) {
    const waitedMs = lastSynMs - firstSynMs;
    return { kind: 'dropped', waitedMs, words: `data connection: ${synWords}, no answer; the client was still trying at ${seconds(waitedMs)}, and the capture ends ${seconds(sinceSynMs)} after the first SYN without showing it give up` };
  }
  return { kind: 'dropped', waitedMs: sinceSynMs, words: `data connection: 1 SYN, no answer and none sent again in the ${seconds(sinceSynMs)} the capture goes on` };
}

/** A place on the session's clock: `t` of a stamped event or place. */
type AtMs = (place: { timeUs: number }) => number;

/**
 * When the client is seen giving up on `data` (its SYNs unanswered): the first of a command that is
 * no part of waiting (after the SYN), its next data connection, a FIN or RST on the control
 * connection after the SYN.
 */
export function clientGaveUp(events: readonly ObservedEvent[], data: ObservedDataConnection, control: TrackedConnection | undefined, firstSynUs: number, atMs: AtMs): UnansweredSyns['gaveUp'] {
  let best: UnansweredSyns['gaveUp'];
  const consider = (atMs: number, what: string): void => {
    if (!best || atMs < best.atMs) best = { atMs, what };
  };
  const start = events.indexOf(data);
  for (let index = start + 1; start >= 0 && index < events.length; index += 1) {
    const event = events[index] as ObservedEvent;
    if (event.kind === 'data') {
      consider(event.t ?? 0, `its next data connection, to port ${event.to.port}`);
      break;
    }
    if (event.kind !== 'command') continue;
    const verb = (event.text.split(' ')[0] ?? '').toUpperCase();
    if (STILL_WAITING.has(verb)) continue;
    consider(event.t ?? 0, `next command: ${verb}`);
    break;
  }
  if (control) {
    const after = (place: { timeUs: number } | undefined): place is { timeUs: number } => place !== undefined && place.timeUs >= firstSynUs;
    if (after(control.rst)) consider(atMs(control.rst), `the ${control.rst.by === 'initiator' ? 'client' : 'server'} reset the control connection`);
    if (after(control.fin.initiator)) consider(atMs(control.fin.initiator), 'the client closed the control connection');
    if (after(control.fin.responder)) consider(atMs(control.fin.responder), 'the server closed the control connection');
  }
  return best;
}

/** The control connection's round trip from its handshake (SYN to the client's ACK spans one round trip wherever it was captured). */
export function controlRoundTripMs(control: TrackedConnection | undefined): number | undefined {
  if (!control?.firstSyn || !control.handshakeAck) return undefined;
  return Math.max(0, (control.handshakeAck.timeUs - control.firstSyn.timeUs) / 1000);
}

/**
 * Fills in an unanswered data connection when it closes: the wait the client saw, with a note that
 * says what bounds it; or, the capture ending before anything could be known (`atEnd`), the outcome
 * 'unknown' and a 'source-cut' note, so the attempt is not judged.
 */
export function settleUnanswered(session: SessionBuilder, event: ObservedDataConnection, connection: TrackedConnection, endUs: number, atEnd: boolean): void {
  const { firstSyn } = connection;
  if (!firstSyn) return;
  const atMs: AtMs = (place) => session.stamp({ frame: 0, timeUs: place.timeUs }).t;
  const control = session.controlConnection;
  const gaveUp = clientGaveUp(session.session.events, event, control, firstSyn.timeUs, atMs);
  const rttMs = controlRoundTripMs(control);
  // µs differences, so "40 ms after" is not shifted by the session clock's rounding.
  const relative = (timeUs: number): number => Math.round((timeUs - firstSyn.timeUs) / 1000);
  const reading = readUnanswered({
    firstSynMs: 0,
    lastSynMs: relative((connection.lastSyn ?? firstSyn).timeUs),
    syns: connection.syns,
    endMs: relative(endUs),
    ...(gaveUp ? { gaveUp: { ...gaveUp, atMs: Math.max(0, gaveUp.atMs - (event.t ?? 0)) } } : {}),
    ...(rttMs !== undefined ? { rttMs } : {}),
  });
  if (reading.kind === 'not-in-capture' && atEnd) {
    // No outcome to report: the SYN is said in the note (with its frame), not as a connection that failed.
    session.forget(event);
    const text = `data connection to ${formatHostPort(connection.responder.host, connection.responder.port)}: ${reading.words}`;
    session.add({ kind: 'note', meaning: 'source-cut', text, to: connection.responder, ...session.stamp(firstSyn) });
    return;
  }
  if (reading.kind === 'not-in-capture') return;
  event.waitedMs = reading.waitedMs;
  session.noteAfter(event, reading.words, firstSyn, { to: connection.responder });
}
