/**
 * Reads a log line by line with bounded memory: a 1 GB file streams through in 64 KiB chunks and
 * a line is kept up to MAX_LINE_CHARS characters (the rest of a longer line is dropped and the
 * line marked `truncated`), so a 50 MB line or a file with no newline at all costs at most that.
 * UTF-8 by default; a UTF-16 byte-order mark (what Windows PowerShell's `>` writes) switches the
 * decoder. CR before LF and a lone CR at the end of a line are removed.
 */
import { createReadStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { LogFormatError } from './errors.js';

/** Longest line kept, in characters: FTP lines are at most a few hundred; more is a paste gone wrong or an attack. */
export const MAX_LINE_CHARS = 16 * 1024;
/** Default ceiling on the bytes read from one file when the caller gives none. */
export const DEFAULT_MAX_LOG_BYTES = 2 * 1024 * 1024 * 1024;

export interface LogLine {
  /** 1-based. */
  line: number;
  text: string;
  /** The line was longer than MAX_LINE_CHARS; `text` is its beginning. */
  truncated: boolean;
}

export type TextEncoding = 'utf8' | 'utf16le';

/** The encoding a file's first bytes announce (a UTF-16LE BOM), and how many bytes the BOM takes. */
export function encodingOf(head: Buffer): { encoding: TextEncoding; bom: number } {
  if (head.length >= 2 && head[0] === 0xff && head[1] === 0xfe) return { encoding: 'utf16le', bom: 2 };
  if (head.length >= 3 && head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return { encoding: 'utf8', bom: 3 };
  return { encoding: 'utf8', bom: 0 };
}

/** The first bytes of a file as text lines (for detect): BOM handled, the last partial line dropped when the head was cut. */
export function headLines(head: Buffer, maxLines = 200): string[] {
  const { encoding, bom } = encodingOf(head);
  const lines = head.subarray(bom).toString(encoding).split('\n');
  if (lines.length > 1) lines.pop();
  return lines.slice(0, maxLines).map((line) => line.replace(/\r$/, '').slice(0, MAX_LINE_CHARS));
}

/**
 * Splits decoded text into lines, keeping at most `maxChars` of each. Pure and incremental, so the
 * streaming reader and the tests share it.
 */
export class LineSplitter {
  private partial = '';
  private dropping = false;
  private lineNumber = 0;

  constructor(private readonly maxChars = MAX_LINE_CHARS) {}

  push(text: string): LogLine[] {
    const out: LogLine[] = [];
    let start = 0;
    for (;;) {
      const newline = text.indexOf('\n', start);
      const piece = newline === -1 ? text.slice(start) : text.slice(start, newline);
      this.append(piece);
      if (newline === -1) break;
      out.push(this.finish());
      start = newline + 1;
    }
    return out;
  }

  /** The last line, when the text did not end with a newline. */
  end(): LogLine[] {
    return this.partial === '' && !this.dropping ? [] : [this.finish()];
  }

  private append(piece: string): void {
    if (this.dropping) return;
    const room = this.maxChars - this.partial.length;
    if (piece.length > room) {
      this.partial += piece.slice(0, room);
      this.dropping = true;
    } else this.partial += piece;
  }

  private finish(): LogLine {
    this.lineNumber += 1;
    const line: LogLine = { line: this.lineNumber, text: this.partial.replace(/\r$/, ''), truncated: this.dropping };
    this.partial = '';
    this.dropping = false;
    return line;
  }
}

/** Every line of `file`, streamed; throws LogFormatError past `maxBytes`. */
export async function* readLogLines(file: string, options: { maxBytes?: number; maxLineChars?: number } = {}): AsyncGenerator<LogLine> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_LOG_BYTES;
  const splitter = new LineSplitter(options.maxLineChars);
  let decoder: StringDecoder | undefined;
  let bytes = 0;
  const stream = createReadStream(file, { highWaterMark: 64 * 1024 });
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      if (bytes > maxBytes) throw new LogFormatError(file, 0, `larger than the limit of ${maxBytes} bytes; cut the log to the session that failed`);
      let body = chunk;
      if (!decoder) {
        const { encoding, bom } = encodingOf(chunk);
        decoder = new StringDecoder(encoding);
        body = chunk.subarray(bom);
      }
      yield* splitter.push(decoder.write(body));
    }
    if (decoder) yield* splitter.push(decoder.end());
    yield* splitter.end();
  } finally {
    stream.destroy();
  }
}

/**
 * Control characters other than tab (and, at half weight, bytes that were not UTF-8): a line made
 * largely of them is binary, not text a program logged. A few are normal — telnet's IAC IP before
 * ABOR shows as two undecodable bytes in pyftpdlib's log.
 */
export function looksBinary(text: string): boolean {
  let weight = 0;
  const length = Math.min(text.length, 512);
  for (let index = 0; index < length; index += 1) {
    const code = text.charCodeAt(index);
    if (code < 32 && code !== 9) weight += 2;
    else if (code === 0xfffd) weight += 1;
  }
  return weight > 4 && weight * 4 > length;
}
