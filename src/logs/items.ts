/**
 * What one log line says, before it is placed in a session: every format's line parser returns
 * these, and one SessionBuilder turns them into ObservedSessions, so "a connect attempt, then a
 * timeout" means the same whichever program wrote it.
 */
import type { Endpoint, ObservedConnectOutcome, ObservedNote, ObservedTls } from '../evidence/observed.js';
import { isIP } from 'node:net';
import { parseEprtArgument, parseEpsvReply, parsePasvReply, parsePortArgument } from '../ftp/passive.js';
import type { LogTime } from './time.js';

export type LogItem =
  /** A command as sent (PASS not yet masked: the builder masks it). */
  | { type: 'command'; text: string }
  /** One line of a reply as the server sent it (`211-Features:`, ` EPSV`, `211 End`): multi-line replies are joined. */
  | { type: 'reply-line'; text: string }
  /** A whole reply, when the log gives it whole. */
  | { type: 'reply'; code: number; message: string }
  /**
   * A TCP connection attempt. `role` when the log says which; otherwise the builder decides: before
   * the first command (or after the session ended) it is the control connection, else data.
   */
  | { type: 'connect'; role?: 'control' | 'data'; to?: Endpoint; from?: Endpoint; outcome?: ObservedConnectOutcome; openedBy?: 'client' | 'server'; bytes?: number; ended?: 'fin' | 'reset' | 'open'; waitedMs?: number; listenerOnly?: true }
  /** How the latest attempt (to `to`, when named) ended. */
  | { type: 'connect-result'; outcome: ObservedConnectOutcome; to?: Endpoint; role?: 'control' | 'data' }
  /** `waitedMs`: how long the client says it waited before it gave up (a timeout's "after 5000 ms"). */
  | { type: 'note'; meaning: ObservedNote['meaning']; text: string; to?: Endpoint; from?: Endpoint; waitedMs?: number }
  | { type: 'tls'; channel: ObservedTls['channel']; handshake: ObservedTls['handshake']; detail?: string }
  /** The control connection's ends, when the log names them. */
  | { type: 'endpoints'; client?: Endpoint; server?: Endpoint }
  /** The control connection closed: the next event of this key starts a new session. */
  | { type: 'end' };

export interface ParsedLine {
  /** When the line says. */
  time?: LogTime;
  /** Which session of an interleaved server log (pid, client address:port, session id); absent in a client's log. */
  key?: string;
  items: LogItem[];
}

/** One format's parser of one file: stateful (a `#Fields:` header, the year of syslog lines), one line at a time. */
export interface LineParser {
  parse(text: string, line: number): ParsedLine | undefined;
  /** Limits that hold only for what this file turned out to contain (called after the last line). */
  limits?(): string[];
  /** What the end of the log says about sessions still open (called once, after the last line of the last file), each at the line it is about. */
  finish?(): { line: number; parsed: ParsedLine }[];
}

/** `10.0.0.5:50123`, `[::1]:21`, `10.0.0.5 port 50123`. */
export function endpoint(host: string | undefined, port: string | number | undefined): Endpoint | undefined {
  const number = Number(port);
  if (!host || !Number.isInteger(number) || number < 0 || number > 65535) return undefined;
  return { host: host.replace(/^\[|\]$/g, ''), port: number };
}

/** `10.0.0.5:50123`, `[2001:db8::5]:21`, `::ffff:10.0.0.5:21`; a bare address (`::ffff:10.0.0.5`) has no port. */
export function parseHostPort(text: string): Endpoint | undefined {
  const trimmed = text.trim();
  if (isIP(trimmed.replace(/^\[|\]$/g, ''))) return undefined;
  const m = /^\[?([0-9A-Fa-f:.]+?)\]?:(\d{1,5})$/.exec(trimmed);
  return m && isIP(String(m[1])) ? endpoint(m[1], m[2]) : undefined;
}

/** A reply's first line: `227 Entering …` → code and message; `211-Features` is a multi-line start. */
export const REPLY_LINE = /^([1-5]\d\d)([ -]|$)(.*)$/;

/**
 * The data address a reply offers or a command asks for: a 227's host and port, a 229's port (host
 * '' — the control connection's peer, which a log often does not name), PORT/EPRT's address.
 */
export function dataAddressOf(text: string): Endpoint | undefined {
  const trimmed = text.trim();
  const port = /^(PORT|EPRT)\s+(.*)$/i.exec(trimmed);
  const parsed = port
    ? /^PORT$/i.test(String(port[1])) ? parsePortArgument(String(port[2])) : parseEprtArgument(String(port[2]))
    : trimmed.startsWith('227') ? parsePasvReply(trimmed) : undefined;
  if (parsed?.ok) return { host: parsed.value.host, port: parsed.value.port };
  if (trimmed.startsWith('229')) {
    const epsv = parseEpsvReply(trimmed);
    if (epsv.ok) return { host: '', port: epsv.value };
  }
  return undefined;
}

/**
 * A reply a log gives by its code only (IIS, ProFTPD's ExtendedLog). A 227/229 without its text
 * would read as a malformed reply, so it becomes a note that says so; other codes are replies with
 * an empty message.
 */
export function codeOnlyReply(code: number, logName: string): LogItem {
  if (code === 227 || code === 229) return { type: 'note', meaning: 'other', text: `${code} (${logName} does not log the reply's text, so the address offered is not known)` };
  return { type: 'reply', code, message: '' };
}

/** Entries a parser keeps per session key (pids, client ports) at most: a log of millions of sessions must not grow its maps without end. */
export const MAX_TRACKED_KEYS = 50_000;

/** map.set, forgetting the oldest entry past MAX_TRACKED_KEYS (Maps keep insertion order). */
export function setBounded<K, V>(map: Map<K, V>, key: K, value: V, limit = MAX_TRACKED_KEYS): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > limit) {
    const oldest = map.keys().next();
    if (!oldest.done) map.delete(oldest.value);
  }
}

/** FTP command verbs, for the generic transcript and for telling a command from prose. */
export const FTP_VERBS = new Set(
  ('ABOR ACCT ADAT ALLO APPE AUTH CCC CDUP CONF CWD DELE ENC EPRT EPSV FEAT HELP HOST LANG LIST LPRT LPSV MDTM MFCT MFF MFMT MIC ' +
    'MKD MLSD MLST MODE NLST NOOP OPTS PASS PASV PBSZ PORT PROT PWD QUIT REIN REST RETR RMD RNFR RNTO SITE SIZE SMNT STAT STOR STOU STRU SYST TYPE USER XCUP XCWD XMKD XPWD XRMD CLNT CSID')
    .split(' '),
);

/** Commands that open a data connection (listing or file transfer). */
export function isTransferCommand(text: string): boolean {
  return /^(LIST|NLST|MLSD|RETR|STOR|APPE|STOU)\b/i.test(text.trim());
}

/** Commands that choose a data address (the mode commands). */
export function isModeCommand(text: string): boolean {
  return /^(PASV|EPSV|PORT|EPRT)\b/i.test(text.trim());
}

/** `PASV`, `RETR file`: a known verb in upper or lower case, then its argument. */
export function isCommand(text: string): boolean {
  const m = /^([A-Za-z]{3,4})(?:\s|$)/.exec(text.trim());
  return m !== null && FTP_VERBS.has(String(m[1]).toUpperCase());
}
