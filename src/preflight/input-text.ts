/**
 * A configuration file's bytes as text, checked once for every reader (server, publishing and
 * firewall alike) before any of them looks at it: UTF-8 (a byte order mark dropped, as Windows
 * editors write one), UTF-16 with its byte order mark decoded (PowerShell's `>` writes netsh and
 * appcmd output so), and nothing else. Invalid UTF-8, binary bytes and overlong lines are the
 * file's fault: one error naming the file and line, before a parser could spend time on them.
 */
import { checkedLines } from './firewalls/text.js';
import { FirewallParseError } from './firewalls/model.js';

/** A file that is not text a reader can take; the message is `file:line: reason`. */
export class InputTextError extends FirewallParseError {
  constructor(file: string, line: number, reason: string) {
    super(file, line, reason);
    this.name = 'InputTextError';
  }
}

export function decodeInput(file: string, bytes: Uint8Array): string {
  const text = decodeBytes(file, bytes);
  // NUL and other controls, and lines past the cap: the same limits the firewall readers keep.
  checkedLines(file, text);
  return text;
}

function decodeBytes(file: string, bytes: Uint8Array): string {
  const [first, second, third] = bytes;
  if (first === 0xef && second === 0xbb && third === 0xbf) return utf8(file, bytes.subarray(3));
  for (const [mark, encoding] of [[[0xff, 0xfe], 'utf-16le'], [[0xfe, 0xff], 'utf-16be']] as const) {
    if (first !== mark[0] || second !== mark[1]) continue;
    try {
      return new TextDecoder(encoding, { fatal: true }).decode(bytes.subarray(2));
    } catch {
      throw new InputTextError(file, 1, `starts as ${encoding.toUpperCase()} text (byte order mark) but is not: save it as UTF-8`);
    }
  }
  return utf8(file, bytes);
}

function utf8(file: string, bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const offset = firstInvalidUtf8(bytes);
    let line = 1;
    for (let index = 0; index < offset; index += 1) if (bytes[index] === 0x0a) line += 1;
    const byte = (bytes[offset] ?? 0).toString(16).padStart(2, '0');
    throw new InputTextError(file, line, `not UTF-8 text (byte 0x${byte}): save the file as UTF-8`);
  }
}

/** The offset of the first byte that does not begin (or continue) a well-formed UTF-8 sequence. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let index = 0;
  while (index < bytes.length) {
    const byte = bytes[index] ?? 0;
    const length = byte < 0x80 ? 1 : byte >= 0xc2 && byte <= 0xdf ? 2 : byte >= 0xe0 && byte <= 0xef ? 3 : byte >= 0xf0 && byte <= 0xf4 ? 4 : 0;
    if (length === 0) return index;
    for (let next = 1; next < length; next += 1) {
      const continuation = bytes[index + next];
      if (continuation === undefined || (continuation & 0xc0) !== 0x80) return index;
    }
    // Overlong three-byte forms, surrogates, and code points past U+10FFFF.
    const second = bytes[index + 1] ?? 0;
    if ((byte === 0xe0 && second < 0xa0) || (byte === 0xed && second > 0x9f) || (byte === 0xf0 && second < 0x90) || (byte === 0xf4 && second > 0x8f)) return index;
    index += length;
  }
  return bytes.length;
}
