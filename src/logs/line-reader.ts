/**
 * Reads a log line by line with bounded memory: a 1 GB file streams through in 64 KiB chunks and
 * a line is kept up to MAX_LINE_CHARS characters (the rest of a longer line is dropped and the
 * line marked `truncated`), so a 50 MB line or a file with no newline at all costs at most that.
 * UTF-8 by default; a UTF-16 byte-order mark (what Windows PowerShell's `>` writes) switches the
 * decoder. CR before LF and a lone CR at the end of a line are removed.
 *
 * A gzip'd log (told by its magic bytes: rotated logs are `vsftpd.log.2.gz`, `messages.3.gz`) is
 * decompressed on the way, under the same limits counted in decompressed bytes, so a gzip bomb
 * stops at the limit. Line numbers are those of the decompressed text. A damaged or truncated gzip
 * stream is read up to its last whole line, and `stats.cutShort` says where it stopped.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import { DecompressedTooLarge, gunzipFile, isGzip, isZlibError } from '../io/gzip.js';
import { LogFormatError } from './errors.js';

/** Longest line kept, in characters: FTP lines are at most a few hundred; more is a paste gone wrong or an attack. */
export const MAX_LINE_CHARS = 16 * 1024;
/** Default ceiling on the bytes of text read from one file (decompressed, when gzip'd) when the caller gives none. */
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

  /** Lines finished so far. */
  get lines(): number {
    return this.lineNumber;
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

/** Filled while reading: how the file came (gzip'd or not) and, for a gzip stream that stopped early, where. */
export interface LogReadStats {
  compressed: boolean;
  /** Bytes of text read (decompressed when gzip'd). */
  bytes: number;
  /** The gzip data ended early (code Z_BUF_ERROR) or was damaged: `line` is the last whole line read, `reason` zlib's words. */
  cutShort?: { line: number; code: string; reason: string };
}

export interface ReadLogLinesOptions {
  /** Most bytes of text read (decompressed when gzip'd); default DEFAULT_MAX_LOG_BYTES. */
  maxBytes?: number;
  maxLineChars?: number;
  stats?: LogReadStats;
}

const CHUNK_BYTES = 64 * 1024;

/** Every line of `file`, streamed (decompressed when gzip'd); throws LogFormatError past `maxBytes`. */
export async function* readLogLines(file: string, options: ReadLogLinesOptions = {}): AsyncGenerator<LogLine> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_LOG_BYTES;
  const stats = options.stats ?? { compressed: false, bytes: 0 };
  const splitter = new LineSplitter(options.maxLineChars);
  let decoder: StringDecoder | undefined;
  const handle = await open(file, 'r');
  try {
    const magic = Buffer.alloc(2);
    stats.compressed = isGzip(magic.subarray(0, (await handle.read(magic, 0, 2, 0)).bytesRead));
    const chunks = stats.compressed ? gunzipFile(handle, { readBytes: CHUNK_BYTES, chunkBytes: CHUNK_BYTES, maxBytes }) : plainChunks(handle);
    try {
      for await (const chunk of chunks) {
        stats.bytes += chunk.length;
        if (stats.bytes > maxBytes) throw new LogFormatError(file, 0, `larger than the limit of ${maxBytes} bytes; cut the log to the session that failed`);
        let body = chunk;
        if (!decoder) {
          const { encoding, bom } = encodingOf(chunk);
          decoder = new StringDecoder(encoding);
          body = chunk.subarray(bom);
        }
        yield* splitter.push(decoder.write(body));
      }
    } catch (error) {
      if (error instanceof DecompressedTooLarge) {
        throw new LogFormatError(file, 0, `decompresses to more than the limit of ${maxBytes} bytes (a gzip bomb, or a log to cut to the session that failed); stopped there`);
      }
      if (!stats.compressed || !isZlibError(error)) throw error;
      // The lines that came whole are read; the partial one the data stopped in is not.
      if (splitter.lines === 0) throw new LogFormatError(file, 0, `the gzip data is damaged or cut short before the first whole line (${error.message})`);
      stats.cutShort = { line: splitter.lines, code: error.code, reason: error.message };
      return;
    }
    if (decoder) yield* splitter.push(decoder.end());
    yield* splitter.end();
  } finally {
    await handle.close();
  }
}

/** A plain file's bytes in chunks; the buffer is reused (the decoder copies what it keeps). */
async function* plainChunks(handle: FileHandle): AsyncGenerator<Buffer> {
  const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  // Bounded: every pass reads further into a finite file, or stops.
  for (let position = 0; ; ) {
    const { bytesRead } = await handle.read(buffer, 0, CHUNK_BYTES, position);
    if (bytesRead === 0) return;
    position += bytesRead;
    yield buffer.subarray(0, bytesRead);
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
