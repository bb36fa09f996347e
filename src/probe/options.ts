/**
 * What a probe is asked to do, and the target URL taken apart. Pure: the CLI and the scenario
 * runner both build ProbeOptions; defaults live here so every caller gets the same ones.
 */
import net from 'node:net';
import { ALL_MODES, type DataMode } from '../report/model.js';
import type { Clock } from '../client/recorder.js';
import { REDACTED, rememberSecret } from '../report/secrets.js';

export interface ProbeOptions {
  /** ftp:// (plain), ftpes:// (explicit TLS), ftps:// (implicit TLS, port 990). */
  url: string;
  /** Override the URL's user/password; anonymous when neither gives one. */
  user?: string;
  password?: string;
  modes?: DataMode[];
  /** Override the scheme's TLS mode. */
  tls?: 'none' | 'explicit' | 'implicit';
  expectRange?: { from: number; to: number };
  expectAddress?: string;
  /** Ask PASV/EPSV this many extra times on the main session to see the ports really handed out. */
  samples?: number;
  connectTimeoutMs?: number;
  dataTimeoutMs?: number;
  /** Total deadline of each listing, from LIST to its final reply (default: 4 data timeouts). */
  transferTimeoutMs?: number;
  /** Total deadline of the `retrieve` transfer (default DEFAULT_RETRIEVE_TIMEOUT_MS). */
  retrieveTimeoutMs?: number;
  /** Dial the address the 227 advertised instead of the control peer's. */
  useAdvertisedAddress?: boolean;
  /** Certificate problems end the session instead of being recorded as warnings. */
  strictTls?: boolean;
  /** RETR this path after the LIST on every data session. */
  retrieve?: string;
  /** Send CCC after login on TLS sessions (RFC 4217 §12.3), so inspection can read the rest. */
  ccc?: boolean;
  /**
   * Resume the control connection's TLS session on data connections (default true, as curl with
   * OpenSSL, lftp and FileZilla do). false behaves like clients that do not, to show whether the
   * server requires reuse.
   */
  resumeTlsSession?: boolean;
  /**
   * Under explicit TLS, also run each mode without TLS (to tell "inspection breaks TLS" from other
   * failures). Default: only for anonymous logins, since it sends the credentials in the clear.
   */
  plainTwin?: boolean;
  /** Monotonic milliseconds for step timings (tests pass a fake). */
  now?: Clock;
  /** Name resolution; default node's dns.lookup. Not called for IP literals. */
  resolve?: (host: string) => Promise<string>;
  /** Stop reading a listing after this many bytes (default 16 MiB). */
  maxDataBytes?: number;
  /** Show the remedies of every FTP server product, not only those of the server that answered. */
  allRemedies?: boolean;
  /**
   * Call a data connection that never came dropped once one SYN retransmission plus a few round
   * trips of the control connection passed, before the data timeout (default true; never on a
   * slow or variable path). false waits the full data timeout (--no-early-verdict).
   */
  earlyVerdict?: boolean;
}

export const DEFAULT_MODES: readonly DataMode[] = ['epsv', 'pasv'];
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/**
 * A data connection that has not opened after 5 s has outlived two lost SYNs (Linux retransmits
 * at 1 s and 3 s): it is being dropped, not slow. Longer only delays the verdict users wait for.
 */
export const DEFAULT_DATA_TIMEOUT_MS = 5_000;
/**
 * A retrieval is asked for to keep a transfer running long enough to catch an idle-timeout NAT
 * (minutes), so it gets far longer than a listing; but not for ever: a trickle must end.
 */
export const DEFAULT_RETRIEVE_TIMEOUT_MS = 10 * 60_000;
/** Samples are cheap but each one costs the server a listener: keep them bounded. */
export const MAX_SAMPLES = 1000;

export class ProbeOptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProbeOptionError';
  }
}

export interface ProbeTarget {
  scheme: 'ftp' | 'ftpes' | 'ftps';
  /** As typed (for SNI and the certificate name check), brackets removed. */
  host: string;
  port: number;
  tls: 'none' | 'explicit' | 'implicit';
  user: string;
  password: string;
  path: string;
  /** The URL without its password. */
  display: string;
}

const SCHEME_TLS = { ftp: 'none', ftpes: 'explicit', ftps: 'implicit' } as const;

/** Take the URL apart; throws ProbeOptionError for anything we cannot probe. */
export function parseTarget(options: Pick<ProbeOptions, 'url' | 'user' | 'password' | 'tls'>): ProbeTarget {
  // Before anything can fail and quote it: no later output of this process may show the password.
  rememberSecret(options.password);
  let url: URL;
  try {
    url = new URL(options.url);
  } catch {
    throw notAUrl(options.url);
  }
  const scheme = url.protocol.replace(/:$/, '').toLowerCase();
  if (scheme !== 'ftp' && scheme !== 'ftpes' && scheme !== 'ftps') {
    throw new ProbeOptionError(`unsupported scheme ${scheme}:// (expected ftp://, ftpes:// or ftps://)`);
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (host === '') throw new ProbeOptionError('the URL has no host');
  const tls = options.tls ?? SCHEME_TLS[scheme];
  const port = url.port === '' ? (tls === 'implicit' ? 990 : 21) : Number(url.port);
  if (port === 0) throw new ProbeOptionError(`port 0 is out of range in ${redactUrlText(options.url)} (ports are 1-65535)`);
  const user = options.user ?? (url.username === '' ? 'anonymous' : decodeComponent(url.username, 'user name'));
  if (url.password !== '') {
    rememberSecret(url.password);
    rememberSecret(decodeComponent(url.password, 'password'));
  }
  const password = options.password ?? (url.password === '' ? (user === 'anonymous' ? 'ftp-doctor@' : '') : decodeComponent(url.password, 'password'));
  const path = decodeComponent(url.pathname || '/', 'path') || '/';
  const userPart = url.username === '' && options.user === undefined ? '' : `${encodeURIComponent(user)}@`;
  const hostPart = net.isIPv6(host) ? `[${host}]` : host;
  const display = `${scheme}://${userPart}${hostPart}${url.port === '' ? '' : `:${url.port}`}${url.pathname || '/'}`;
  return { scheme, host, port, tls, user, password, path, display };
}

/** decodeURIComponent throws URIError on a stray '%': a usage error, not a crash of the tool. */
function decodeComponent(text: string, what: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new ProbeOptionError(`the URL's ${what} has a malformed %-escape (write a literal % as %25)`);
  }
}

/**
 * Why a text that the URL parser refused is not a URL, without quoting its password. The usual
 * causes get their own words: a port past 65535, and a password typed without `@host` after it.
 */
function notAUrl(text: string): ProbeOptionError {
  const port = outOfRangePort(text);
  if (port !== undefined) return new ProbeOptionError(`port ${port} is out of range in ${redactUrlText(text)} (ports are 1-65535)`);
  const authority = authorityOf(text);
  const missingHost = !text.includes('@') && /:(?!\d*(?:[/?#]|$))/.test(authority) ? '; a password needs @host after it: ftp://user:password@host/' : '';
  return new ProbeOptionError(`not a URL: ${redactUrlText(text)} (expected ftp://host, ftpes://host or ftps://host${missingHost})`);
}

/** The port of a URL-like text when it is past 65535 (the URL parser only says "Invalid URL"). */
export function outOfRangePort(text: string): number | undefined {
  const port = /^(?:\[[^\]]*\]|[^:/?#[\]]*):(\d+)(?:[/?#]|$)/.exec(authorityOf(text))?.[1];
  return port !== undefined && Number(port) > 65535 ? Number(port) : undefined;
}

/** What follows `scheme://` up to the path, or after the last '@' when there is one. */
function authorityOf(text: string): string {
  const slashes = text.indexOf('//');
  const at = text.lastIndexOf('@');
  const start = at >= 0 ? at + 1 : slashes >= 0 ? slashes + 2 : 0;
  return text.slice(start).split(/[/?#]/)[0] ?? '';
}

/**
 * Even a half-typed URL may carry a password, and a password may hold '/', ':' or spaces, so
 * nothing is guessed: everything between the scheme's '//' and the last '@' is the user's
 * business — keep the user name up to the first ':' and hide the rest. Without an '@', what
 * follows a ':' after the host is shown only when it is a port number (`host:2121`); anything
 * else may be a password typed without its `@host` (`ftp://bob:secret123`) and is hidden.
 */
export function redactUrlText(text: string): string {
  const at = text.lastIndexOf('@');
  if (at < 0) return redactWithoutAt(text);
  const start = text.indexOf('//') >= 0 && text.indexOf('//') < at ? text.indexOf('//') + 2 : 0;
  const credentials = text.slice(start, at);
  const colon = credentials.indexOf(':');
  if (colon < 0) return text;
  return `${text.slice(0, start)}${credentials.slice(0, colon)}:***${text.slice(at)}`;
}

function redactWithoutAt(text: string): string {
  const slashes = text.indexOf('//');
  const hostStart = slashes >= 0 ? slashes + 2 : 0;
  // An IPv6 literal's colons are not a port separator.
  const start = text[hostStart] === '[' && text.indexOf(']', hostStart) > 0 ? text.indexOf(']', hostStart) : hostStart;
  const colon = text.indexOf(':', start);
  if (colon < 0) return text;
  const rest = text.slice(colon + 1);
  // A port and then the path, query or end: nothing secret in it.
  if (/^\d*(?:[/?#]|$)/.test(rest)) return text;
  return `${text.slice(0, colon)}:${REDACTED}`;
}

/** "50000-50100" → {from, to}; throws ProbeOptionError on anything else. */
export function parsePortRange(text: string): { from: number; to: number } {
  const match = /^\s*(\d{1,5})\s*-\s*(\d{1,5})\s*$/.exec(text) ?? /^\s*(\d{1,5})\s*$/.exec(text);
  if (!match) throw new ProbeOptionError(`not a port range: ${JSON.stringify(text)} (expected A-B, e.g. 50000-50100)`);
  const from = Number(match[1]);
  const to = Number(match[2] ?? match[1]);
  if (from < 1 || to > 65535 || from > to) throw new ProbeOptionError(`impossible port range ${from}-${to}`);
  return { from, to };
}

/** "epsv,pasv" / "all" → modes, in the canonical order, without duplicates. */
export function parseModes(text: string): DataMode[] {
  const words = text.split(',').map((word) => word.trim().toLowerCase()).filter(Boolean);
  if (words.includes('all')) return [...ALL_MODES];
  if (words.length === 0) throw new ProbeOptionError('no data modes given (expected epsv,pasv,port,eprt or all)');
  for (const word of words) {
    if (!(ALL_MODES as readonly string[]).includes(word)) throw new ProbeOptionError(`unknown data mode ${JSON.stringify(word)} (expected epsv, pasv, port, eprt or all)`);
  }
  return ALL_MODES.filter((mode) => words.includes(mode));
}
