/**
 * Evidence our reference server adds so the probe can see what middleboxes did in transit.
 *
 * 1. A copy of the address and port a 227/229 reply carried, spelt with letters (a=0 … j=9), so an
 *    FTP ALG that rewrites number sequences (nf_nat_ftp, StatefulFtp) cannot touch it: if the
 *    numbers and the letters disagree on arrival, something rewrote the reply.
 * 2. A token line at the start of every data connection, once the client asked for tokens
 *    (`OPTS FTP-DOCTOR TOKEN ON`): it names the session and listener, so a data connection that
 *    reached some other listener (port forwarding to the wrong host) is provable.
 */
import { failed, parsed, type Parsed } from './result.js';

const DIGITS = 'abcdefghij';

export function spellDigits(text: string): string {
  return text.replace(/[0-9]/g, (digit) => DIGITS[Number(digit)] ?? digit);
}

export function unspellDigits(text: string): string {
  return text.replace(/[a-j]/g, (letter) => String(DIGITS.indexOf(letter)));
}

/** The tag appended to 227/229 messages: `[sent bj.a.a.f port faaaa]` for 10.0.0.5:50000. */
export function formatSentTag(host: string | undefined, port: number): string {
  // Only IPv4 is spelt: IPv6 hex letters would collide with the letter digits (229 has no address anyway).
  const address = host === undefined || !/^\d+(\.\d+){3}$/.test(host) ? '' : `${spellDigits(host)} `;
  return `[sent ${address}port ${spellDigits(String(port))}]`;
}

export interface SentTag {
  host?: string;
  port: number;
}

/** Find and decode the tag in a 227/229 message; absent when the server is not ours. */
export function parseSentTag(message: string): SentTag | undefined {
  const match = /\[sent (?:([a-j.]+) )?port ([a-j]+)\]/.exec(message);
  if (!match?.[2]) return undefined;
  const port = Number(unspellDigits(match[2]));
  const host = match[1] === undefined ? undefined : unspellDigits(match[1]);
  return host === undefined ? { port } : { host, port };
}

export const TOKEN_OPTION = 'FTP-DOCTOR TOKEN ON';
export const FEATURE_NAME = 'FTP-DOCTOR';

export interface DataToken {
  session: string;
  /** The local port of the listener (passive) or the client port dialled (active). */
  port: number;
}

export function formatDataToken(token: DataToken): string {
  return `FTP-DOCTOR-TOKEN ${token.session} ${token.port}\r\n`;
}

/** Parse a token line (without or with its CRLF). */
export function parseDataToken(line: string): Parsed<DataToken> {
  const match = /^FTP-DOCTOR-TOKEN ([A-Za-z0-9_-]{1,64}) (\d{1,5})\r?\n?$/.exec(line);
  if (!match?.[1] || !match[2]) return failed('not an ftp-doctor data token');
  return parsed({ session: match[1], port: Number(match[2]) });
}
