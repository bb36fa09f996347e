/**
 * FTP reply parsing (RFC 959 §4.2). Pure and incremental: feed it text in chunks cut anywhere and
 * it returns the complete replies plus the unfinished rest, so the result never depends on how TCP
 * segmented the stream.
 *
 * A single-line reply is `ddd text`. A multi-line reply starts `ddd-text` and ends at the first line
 * that starts with the same three digits followed by a space; lines in between may be anything
 * (some servers indent them, some repeat `ddd-`).
 */

export interface Reply {
  code: number;
  /** Every line of the reply without its line ending, the first and last included. */
  lines: string[];
  /** The reply's message: lines joined by '\n' with the code prefix removed from the first/last. */
  message: string;
}

/** "550 No such file": the code and the first line of the message, as quoted in every report. */
export function replyFirstLine(reply: Pick<Reply, 'code' | 'message'>): string {
  return `${reply.code} ${reply.message.split('\n')[0] ?? ''}`.trim();
}

export class ReplyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`reply too large: more than ${limit} bytes without a complete reply`);
    this.name = 'ReplyTooLargeError';
  }
}

export class MalformedReplyError extends Error {
  constructor(readonly line: string) {
    super(`malformed reply line: ${JSON.stringify(line.slice(0, 80))}`);
    this.name = 'MalformedReplyError';
  }
}

/** Replies longer than this are hostile or broken; 64 KiB is far above any real FEAT/HELP/STAT. */
export const DEFAULT_MAX_REPLY_BYTES = 64 * 1024;

export interface ParseResult {
  replies: Reply[];
  rest: string;
}

// A bare code ("220" with no text) is a complete one-line reply: RFC 959 asks for the space,
// but some servers omit it when the text is empty. The first digit is 1-5 (RFC 959) or 6 (the
// protected replies 631-633 of RFC 2228); "000" or "999" is no reply.
const START = /^([1-6]\d{2})(?:([ -])(.*))?$/s;

/**
 * Parse as many complete replies as `text` holds. Throws ReplyTooLargeError when the unfinished
 * rest grows beyond `maxBytes`, and MalformedReplyError when a reply does not start with a code.
 */
export function parseReplies(text: string, maxBytes = DEFAULT_MAX_REPLY_BYTES): ParseResult {
  const replies: Reply[] = [];
  let offset = 0;
  let pending: { code: string; lines: string[] } | undefined;
  let pendingStart = 0;
  for (;;) {
    const newline = text.indexOf('\n', offset);
    if (newline < 0) break;
    const line = stripCarriageReturn(text.slice(offset, newline));
    const lineStart = offset;
    offset = newline + 1;
    if (pending === undefined) {
      const match = START.exec(line);
      if (!match) {
        // Blank keep-alive lines between replies are harmless; anything else is a protocol error.
        if (line.trim() === '') continue;
        throw new MalformedReplyError(line);
      }
      const [, code = '', separator = ' '] = match;
      if (separator === ' ') {
        replies.push(makeReply(code, [line]));
      } else {
        pending = { code, lines: [line] };
        pendingStart = lineStart;
      }
      continue;
    }
    pending.lines.push(line);
    if (line.startsWith(pending.code) && (line.length === 3 || line[3] === ' ')) {
      replies.push(makeReply(pending.code, pending.lines));
      pending = undefined;
    } else if (offset - pendingStart > maxBytes) {
      throw new ReplyTooLargeError(maxBytes);
    }
  }
  const restStart = pending === undefined ? offset : pendingStart;
  const rest = text.slice(restStart);
  if (rest.length > maxBytes) throw new ReplyTooLargeError(maxBytes);
  return { replies, rest };
}

function stripCarriageReturn(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}

function makeReply(code: string, lines: string[]): Reply {
  const body = lines.map((line, index) => {
    if (index === 0 || (index === lines.length - 1 && line.startsWith(code))) return line.slice(4);
    return line;
  });
  return { code: Number(code), lines, message: body.join('\n') };
}

/**
 * Stateful wrapper for a socket: push decoded chunks, get complete replies. Keeps only the
 * unfinished rest, bounded by `maxBytes`.
 */
export class ReplyReader {
  private rest = '';
  constructor(private readonly maxBytes = DEFAULT_MAX_REPLY_BYTES) {}

  push(chunk: string): Reply[] {
    const result = parseReplies(this.rest + chunk, this.maxBytes);
    this.rest = result.rest;
    return result.replies;
  }

  /** Bytes received that do not yet form a complete reply. */
  get pendingText(): string {
    return this.rest;
  }
}

/** RFC 959 reply classes. */
export const isPositivePreliminary = (code: number): boolean => code >= 100 && code < 200;
export const isPositiveCompletion = (code: number): boolean => code >= 200 && code < 300;
export const isPositiveIntermediate = (code: number): boolean => code >= 300 && code < 400;
export const isTransientNegative = (code: number): boolean => code >= 400 && code < 500;
export const isPermanentNegative = (code: number): boolean => code >= 500 && code < 600;

/** Format a reply for the wire: single-line, or multi-line with `ddd-` first and `ddd ` last. */
export function formatReply(code: number, message: string | string[]): string {
  const lines = (Array.isArray(message) ? message : message.split('\n')).map((line) => line.replace(/[\r\n\0]/g, ' '));
  if (lines.length <= 1) return `${code} ${lines[0] ?? ''}\r\n`;
  const last = lines.length - 1;
  return lines
    .map((line, index) => {
      if (index === 0) return `${code}-${line}\r\n`;
      if (index === last) return `${code} ${line}\r\n`;
      // A middle line that happens to start with "ddd " would end the reply early: indent it.
      return /^\d{3}[ -]/.test(line) ? ` ${line}\r\n` : `${line}\r\n`;
    })
    .join('');
}
