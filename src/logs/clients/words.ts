/**
 * What clients say about connections, in their own (English) words, read into outcomes and note
 * meanings. Shared by every client format; the FileZilla reader adds other UI languages.
 */
import type { ObservedConnectOutcome } from '../../evidence/observed.js';
import { parseClock, parseIsoLike, type LogTime } from '../time.js';

/** `Connection refused`, `ECONNREFUSED`, `timed out`, `No route to host`, `Connection reset`. */
export function outcomeOf(message: string): ObservedConnectOutcome | undefined {
  if (/refused|ECONNREFUSED|WSAECONNREFUSED|10061/i.test(message)) return 'refused';
  if (/timed? ?out|timeout|ETIMEDOUT|10060/i.test(message)) return 'no-answer';
  if (/no route|unreachable|EHOSTUNREACH|ENETUNREACH|10065|10051/i.test(message)) return 'unreachable';
  if (/reset|ECONNRESET|10054|broken pipe|EPIPE/i.test(message)) return 'reset';
  return undefined;
}

export const TIMEOUT_WORDS = /timed? ?out|timeout/i;

/** A leading `2024-01-05 10:11:12[.345]`, `[2024-…]` or `10:11:12.123456` (curl --trace-time), and the rest. */
export function leadingTime(text: string): { time?: LogTime; rest: string } {
  const iso = /^\[?(\d{4}[-/.]\d{1,2}[-/.]\d{1,2}[T ]\d{1,2}:\d{2}:\d{2}(?:[.,]\d{1,6})?Z?)\]?\s+/.exec(text);
  if (iso) {
    const time = parseIsoLike(String(iso[1]));
    return { ...(time ? { time } : {}), rest: text.slice(iso[0].length) };
  }
  const clock = /^\[?(\d{1,2}:\d{2}:\d{2}(?:[.,]\d{1,6})?)\]?\s+/.exec(text);
  if (clock) {
    const time = parseClock(String(clock[1]));
    return { ...(time ? { time } : {}), rest: text.slice(clock[0].length) };
  }
  return { rest: text };
}

/** Python's repr of a str: `'PASV'` / `"it's"` → the text (\r, \n, \t, \\, \', \xNN unescaped). */
export function unrepr(text: string): string {
  const m = /^(['"])(.*)\1$/.exec(text.trim());
  if (!m) return text;
  return String(m[2]).replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|.)/g, (_, escape: string) => {
    switch (escape[0]) {
      case 'n': return '\n';
      case 'r': return '\r';
      case 't': return '\t';
      case 'x':
      case 'u': return String.fromCharCode(parseInt(escape.slice(1), 16));
      default: return escape;
    }
  });
}
