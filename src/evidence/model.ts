/**
 * What a source of evidence recorded, and nothing more: the input of the diagnosis. The diagnosis
 * is a pure function of this record (so it can be tested from fixtures). A live probe writes it
 * from what really happened on the wire (never from how a test was set up); a capture, a log or a
 * configuration fills what it saw (src/evidence/assemble.ts) and leaves the rest out. An absent
 * field means "not observed", never "did not happen"; `source` says what the source could show.
 */
import type { DataMode } from '../ftp/data-mode.js';
import type { ObservedIcmpUnreachable, Provenance } from './observed.js';
import type { SourceDeclaration } from './source.js';

export type { DataMode };

/** How a connect attempt ended, as the client records it. Never inferred from the test setup. */
export type ConnectOutcome =
  | 'connected'
  | 'timeout' // no answer at all before our deadline: a silent drop somewhere on the path
  | 'refused' // RST / ECONNREFUSED: a closed port or a firewall "reject"
  | 'unreachable' // ICMP host/net unreachable, EHOSTUNREACH / ENETUNREACH
  | 'error';


export interface RecordedReply {
  code: number;
  message: string;
  /** Milliseconds since the run (or the source's session) started. */
  at: number;
  /** Where a passive source saw it (capture frame, log line); absent for a live probe's own transcript. */
  seenAt?: Provenance;
}

export interface HostPortRecord {
  host: string;
  port: number;
}

/** How a data channel's transfer ended, from the client's side. */
export type TransferOutcome =
  | 'complete' // data EOF and a 2xx final reply
  | 'not-started' // the connection was never made, or the server refused the transfer command
  | 'timeout' // no data / no final reply before our deadline
  | 'reset' // RST during the transfer
  | 'closed-early' // FIN before the server's final reply said the transfer was complete, or a 4xx/5xx after data
  | 'tls-failed' // the TLS handshake on the data connection failed
  | 'too-slow' // still running at the transfer's total deadline (data trickling in): stopped by us
  | 'refused-by-server'; // the server answered 4xx/5xx to the transfer command (e.g. 425 Bad IP)

export interface DataAttempt {
  mode: DataMode;
  tls: boolean;
  /** The control session this ran on ('pasv', 'epsv:tls', 'sample-3'). */
  session: string;
  /** The mode command as sent (`PASV`, `EPSV`, `PORT 127,0,0,1,4,1`, `EPRT |1|...|`). */
  command: string;
  /** The client could not even write the mode command, and why (PORT has no form for an IPv6 address). */
  notSent?: string;
  /** The server's reply to it (227/229/200, or 4xx/5xx when it refused the mode). */
  modeReply?: RecordedReply;
  /** Passive: the address and port the reply advertised (229: host is the control peer). */
  advertised?: HostPortRecord;
  /** Passive, our reference server only: the ALG-proof copy of what the server sent. */
  sentByServer?: { host?: string; port: number };
  /** Why the 227/229 could not be used, when it could not (typed parse error). */
  parseError?: string;
  /** Passive: where we actually dialled (control peer by default, or the advertised address). */
  dialed?: HostPortRecord;
  /** Active: where we listened and told the server to connect. */
  listening?: HostPortRecord;
  /** `icmp`: a capture saw the ICMP unreachable that answered the SYN (who sent it, its code, its frame). */
  connect?: {
    outcome: ConnectOutcome | 'not-attempted';
    durationMs: number;
    error?: string;
    icmp?: ObservedIcmpUnreachable;
    /** A server's log: its passive port was handed out and nothing arrived (a 'timeout' seen from the listener; dropped or never sent is not observed). */
    listenerOnly?: true;
  };
  /** Active: did the server's connection arrive, and from where. */
  inbound?: { arrived: boolean; from?: HostPortRecord; waitedMs: number };
  /**
   * The data connection (passive connect, active inbound) never came: `decidedEarlyAtMs` when it was
   * called dropped before the data timeout (`dataTimeoutMs`) because one SYN retransmission plus a few
   * round trips of the control connection (`rttMs`) passed; `heldBecause` when the path was too slow
   * or variable for that and the full data timeout was waited.
   */
  earlyDrop?: { dataTimeoutMs: number; rttMs?: number; decidedEarlyAtMs?: number; heldBecause?: string };
  /** The transfer command (`LIST`, `RETR /big.bin`) and the server's replies to it. */
  transferCommand?: string;
  preliminaryReply?: RecordedReply; // 150/125
  finalReply?: RecordedReply; // 226/250 or 4xx/5xx
  /** `deadlineMs`: the transfer's total deadline (set when one applied). */
  transfer: { outcome: TransferOutcome; bytes: number; durationMs: number; error?: string; deadlineMs?: number };
  /** Data-channel TLS (PROT P): whether the handshake resumed the control session. */
  dataTls?: { handshake: 'ok' | 'failed'; resumed?: boolean; error?: string; certificateMatchesControl?: boolean };
  /** Our reference server's token on the data connection (when tokens were asked for). */
  token?: { expected: { session?: string; port: number }; received?: string; matches: boolean };
  /** The control connection went silent after the data finished (no final reply): idle-timeout NAT. */
  controlLostAfterData?: boolean;
  /**
   * Not a network outcome (log-end.ts): a client's log ends with this attempt under way, or the client
   * aborted it itself. `what`: a title's clause ("never started in what the log shows"); `why`: sentences.
   */
  unfinished?: { what: string; why: string };
  /** Passive sources: where the mode command and the data connection were seen (frame, line). */
  seenAt?: { command?: Provenance; connect?: Provenance };
  /**
   * A capture of an encrypted control channel: the mode command and its 227/229 (or 200) were hidden
   * by TLS, so `mode` is only 'pasv' or 'port' standing for the direction the data connection took.
   * `why` says what showed it ("the client opened it to the server's port 50123").
   */
  modeHiddenByTls?: { inferred: 'passive' | 'active'; why: string };
}

export interface TlsCertificateRecord {
  subject?: string;
  issuer?: string;
  validFrom?: string;
  validTo?: string;
  fingerprint256?: string;
  selfSigned: boolean;
  /** Node's verification error code, e.g. DEPTH_ZERO_SELF_SIGNED_CERT, CERT_HAS_EXPIRED, ERR_TLS_CERT_ALTNAME_INVALID. */
  verifyError?: string;
}

/**
 * A data mode's own control session that ended before any data attempt: turned away at the
 * greeting (421 too many sessions), login refused, PROT P refused, or the session died mid-way.
 * Without this record such a mode would leave no trace for the diagnosis.
 */
export interface SessionFailure {
  /** The control session ('epsv', 'pasv:tls'). */
  session: string;
  mode: DataMode;
  tls: boolean;
  /** The phase that failed; 'data' is a session that died while setting up or running a transfer. */
  phase: 'connect' | 'greeting' | 'auth-tls' | 'login' | 'prot' | 'data';
  /** What the client saw, in one line. */
  detail: string;
  /** The server's reply that ended the session, when there was one. */
  reply?: RecordedReply;
}

/** After no greeting: did the port complete a TLS handshake we offered, and what did it send. */
export interface TlsCheck {
  handshake: 'ok' | 'failed';
  /** Printable first bytes: inside TLS when the handshake worked, else in clear (e.g. "HTTP/1.1 400"). */
  received?: string;
}

/**
 * No usable greeting. `timeout`: nothing usable within `waitedMs`; false when the connection
 * ended or sent something that is not an FTP reply first. `received`: the first bytes that came
 * instead (printable: an SSH banner, an HTTP response, TLS records).
 */
export interface GreetingFailure {
  timeout: boolean;
  waitedMs: number;
  error?: string;
  received?: string;
  tlsCheck?: TlsCheck;
}

export interface SamplesRecord {
  asked: number;
  modes: ('epsv' | 'pasv')[];
  /** Usable 227/229 replies on the main session (at most asked × modes). */
  replies: number;
}

/** What was asked of the diagnosis: a live probe fills all of it; a passive source only what the user gave (--expect-range). */
export interface EvidenceOptions {
  modes?: DataMode[];
  /**
   * Modes asked for (by default or with `all`) but not run: the control connection is IPv6 and
   * these modes can only carry IPv4 addresses (RFC 2428).
   */
  notApplicable?: DataMode[];
  expectRange?: { from: number; to: number };
  expectAddress?: string;
  addressPolicy?: 'control-peer' | 'advertised';
  connectTimeoutMs?: number;
  dataTimeoutMs?: number;
  /** Treat certificate problems (self-signed, expired, wrong name, unknown CA) as errors. */
  strictTls?: boolean;
}

/**
 * The record every rule reads, whatever the source. Only what every source can at least leave
 * out is here: a hand-built record with a source declaration and no live-probe fields at all is
 * valid, and the rules must judge it.
 */
export interface Evidence {
  source: SourceDeclaration;
  /** Redacted URL (a probe) or the session's name in its source ("client.pcap, session 3"). */
  target?: string;
  /** The server's name or address and control port, when known. */
  host?: string;
  port?: number;
  tlsMode?: 'none' | 'explicit' | 'implicit';
  options?: EvidenceOptions;
  /** Name resolution of the URL's host, when it failed: the resolver's error and its code. */
  resolve?: { error: string; code?: string };
  /** The address the control connection actually reached (after DNS). */
  controlPeer?: string;
  /** The client's address on the control connection, when the source saw it (a server's log, a capture). */
  clientAddress?: string;
  control?: { outcome: ConnectOutcome; durationMs: number; error?: string; seenAt?: Provenance };
  /**
   * The 220 (or refusal), or none in time. `received` holds the first bytes that came instead of a
   * reply (an SSH banner, an HTTP response, TLS records), printable, when something else answered.
   */
  greeting?: RecordedReply | GreetingFailure;
  authTls?: {
    reply?: RecordedReply;
    handshake: 'ok' | 'failed' | 'reset' | 'timeout' | 'not-attempted';
    error?: string;
    /** The peer's first bytes when the handshake failed (a plain "220 …" means the port is not implicit TLS). */
    received?: string;
    certificate?: TlsCertificateRecord;
  };
  /**
   * `error` is set when USER/PASS got no reply at all (reset, closed, reply deadline): the login was
   * lost, not refused. A refusal has its reply in userReply/passReply and no error.
   * `noPasswordFor`: a named user and no password given, so nothing was sent at all.
   */
  login?: { userReply?: RecordedReply; passReply?: RecordedReply; ok: boolean; error?: string; noPasswordFor?: string };
  features?: string[];
  system?: string;
  /** Did the server identify itself as our reference server (FEAT FTP-DOCTOR or a sent tag)? Absent: not known. */
  referenceServer?: boolean;
  /** Whether the server let the client log in without TLS (used to compare plain vs TLS data channels). */
  plainLoginAllowed?: boolean;
  attempts: DataAttempt[];
  /** Data-mode sessions that failed before (or instead of) recording a data attempt. */
  sessionFailures?: SessionFailure[];
  /** Every passive port seen in 227/229 replies. */
  passivePorts?: number[];
  /** --samples: how many were asked (per mode), of which modes, and how many replies came back. */
  samples?: SamplesRecord;
}

/** What a live probe records: everything a probe always knows is required. */
export interface ProbeEvidence extends Evidence {
  /** Redacted URL. */
  target: string;
  host: string;
  port: number;
  tlsMode: 'none' | 'explicit' | 'implicit';
  options: EvidenceOptions & Required<Pick<EvidenceOptions, 'modes' | 'addressPolicy' | 'connectTimeoutMs' | 'dataTimeoutMs'>>;
  control: { outcome: ConnectOutcome; durationMs: number; error?: string };
  referenceServer: boolean;
  /** Every passive port seen in 227/229 replies (all sessions, all samples). */
  passivePorts: number[];
}
