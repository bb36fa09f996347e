/**
 * What a passive source saw, before any judgement: the seam between the readers (packet captures,
 * client and server logs) and the diagnosis. A reader turns its file into ObservedSessions — the
 * control lines in order and every data connection it saw — each item carrying where it was seen
 * (frame N, line N). One pure function (assemble.ts) turns a session into the evidence record the
 * rules read, so every reader gets the same reading of "a 227, then a SYN nobody answered".
 *
 * "Not observed" is always distinct from "did not happen": an optional field left out means the
 * source could not see it; a source that saw the absence says so with a value ('no-answer').
 */

/** Where one observation was made. `time` is the wall-clock time when the source records it (ISO 8601). */
export type Provenance =
  | { source: 'probe'; t: number }
  | { source: 'capture'; file: string; frame: number; time?: string }
  | { source: 'log'; file: string; line: number; time?: string }
  | { source: 'config'; file: string; line: number };

export interface Endpoint {
  host: string;
  port: number;
}

/** Fields every observation has: where it was seen and, when the source has clocks, when (ms since the session's first event). */
export interface ObservedBase {
  at: Provenance;
  t?: number;
}

/**
 * How a TCP connection attempt ended, as far as this source could see.
 * - connected: the handshake completed (SYN-ACK seen, or a log says it connected)
 * - no-answer: SYNs left and nothing came back before the source stopped looking (or the log says timed out)
 * - refused: answered with RST (or "connection refused")
 * - unreachable: ICMP unreachable (or "no route to host")
 * - reset: connected, then reset before the transfer was complete
 * - unknown: the source saw the attempt but not how it ended
 */
export type ObservedConnectOutcome = 'connected' | 'no-answer' | 'refused' | 'unreachable' | 'reset' | 'unknown';

export interface ObservedCommand extends ObservedBase {
  kind: 'command';
  /** The command line as sent, without CRLF. PASS arguments are already replaced by `****`. */
  text: string;
}

export interface ObservedReply extends ObservedBase {
  kind: 'reply';
  code: number;
  /** The reply text without the code; lines of a multi-line reply joined with '\n'. */
  message: string;
}

/** The control connection itself: where it went and whether it opened. */
export interface ObservedControlConnect extends ObservedBase {
  kind: 'control-connect';
  client?: Endpoint;
  server?: Endpoint;
  outcome: ObservedConnectOutcome;
}

/** TLS on the control channel (after AUTH TLS, or implicit) or on a data connection. */
export interface ObservedTls extends ObservedBase {
  kind: 'tls';
  channel: 'control' | 'data';
  handshake: 'ok' | 'failed' | 'seen';
  /** Data channel: did it resume the control channel's session (when the source can tell). */
  resumed?: boolean;
  detail?: string;
}

/**
 * The ICMP destination-unreachable that answered a SYN (captures): who sent it, its code as on the
 * wire and by name, and where it was seen. A firewall's `reject with icmp admin-prohibited` names
 * itself this way; a router that cannot deliver says host or network unreachable.
 */
export interface ObservedIcmpUnreachable {
  /** The ICMP's source address: the firewall or router that answered in the destination's place. */
  reporter: string;
  /** 4: ICMP type 3; 6: ICMPv6 type 1. */
  version: 4 | 6;
  code: number;
  /** The code's name: 'admin-prohibited', 'host-unreachable', 'port-unreachable', 'addr-unreachable', … */
  name: string;
  at: Provenance;
}

/** One data connection (or attempt) the source saw, passive or active. */
export interface ObservedDataConnection extends ObservedBase {
  kind: 'data';
  /** Who opened it: the client (passive modes) or the server (active modes); absent when unknown. */
  openedBy?: 'client' | 'server';
  from?: Endpoint;
  to: Endpoint;
  outcome: ObservedConnectOutcome;
  /** SYNs sent without an answer before the outcome (captures). */
  synRetransmits?: number;
  /** How long the source watched the attempt (first SYN to the last packet or its end of capture). */
  waitedMs?: number;
  /** Payload bytes carried, when counted. */
  bytes?: number;
  /** How it ended after connecting: FIN from either side, RST, or still open when the source ended. */
  ended?: 'fin' | 'reset' | 'open';
  /** Where the SYN was seen, when it differs from `at` (the first frame), e.g. the first answer. */
  answeredAt?: Provenance;
  /** outcome 'unreachable' from a capture: the ICMP that answered. */
  icmp?: ObservedIcmpUnreachable;
  /**
   * Seen from the listener's side only (a server's log): the server handed out this passive port and
   * no connection arrived there before the client moved on or the session ended (outcome
   * 'no-answer'). Whether the client's SYNs were dropped on the way or never sent is not observed.
   */
  listenerOnly?: true;
}

/**
 * Something the source said in its own words that matters to the diagnosis: FileZilla's "Server
 * sent passive reply with unroutable address. Using server address instead.", curl's "Connection
 * timed out after 20000 milliseconds", a firewall's drop of a SYN. `meaning` is the typed reading.
 */
export interface ObservedNote extends ObservedBase {
  kind: 'note';
  text: string;
  meaning:
    | 'data-timeout' // the client gave up waiting for the data connection or its transfer
    | 'control-timeout' // the client gave up waiting for a reply on the control connection
    | 'connection-lost' // the control connection dropped
    | 'unroutable-replaced' // the client replaced an unroutable 227 address with the control peer's
    | 'firewall-drop' // a firewall log says it dropped a packet (to = the dropped connection's target)
    | 'firewall-reject'
    | 'source-cut' // the source was cut short here (a capture file cut mid-record): an attempt under way has no outcome in it
    | 'other';
  /** For firewall lines and client messages that name a connection. */
  to?: Endpoint;
  from?: Endpoint;
  /** A timeout the client timed itself ("after 5000 ms"): how long it waited. */
  waitedMs?: number;
}

export type ObservedEvent = ObservedCommand | ObservedReply | ObservedControlConnect | ObservedTls | ObservedDataConnection | ObservedNote;

/** One FTP control session as one source saw it, its events in the order the source saw them. */
export interface ObservedSession {
  /** Stable within its source: 'client.pcap#3', 'vsftpd.log#pid 4711'. */
  id: string;
  /** The control connection's ends, when known (a capture always; a log often only the server's). */
  client?: Endpoint;
  server?: Endpoint;
  /** The control channel was encrypted from this point on: commands and replies after it are not visible. */
  encryptedFrom?: Provenance;
  events: ObservedEvent[];
}
