/**
 * One EvidenceReader per log format, all made the same way: detect by the share of head lines the
 * format's signature matches (in the decompressed head when the file is gzip'd); read by streaming
 * lines through the format's LineParser into a SessionBuilder (log-stream.ts, series.ts). Binary
 * garbage and unrecognised lines are skipped and counted; a file in which nothing was recognised
 * ends with a LogFormatError ("not a log we know"), never a crash.
 */
import type { EvidenceReader, ReadOptions, SourceReading, Vantage } from '../evidence/source.js';
import { inflateHead, isGzip } from '../io/gzip.js';
import type { LineParser } from './items.js';
import { headLines, looksBinary } from './line-reader.js';
import { readLogFiles } from './series.js';

export interface LogFormat {
  format: string;
  description: string;
  /** For people: 'curl -v log'. */
  label: string;
  vantage: Vantage;
  /** The log writes times (so gaps between events are known). */
  timings: boolean;
  /** Head lines that are this format's own, say 0.9 when one is certain. */
  signature(lines: string[]): number;
  createParser(options: ReadOptions & { fileName: string }): LineParser;
  /** What this kind of log cannot show, said to the user (what holds only for some files: the parser's limits()). */
  limits: string[];
  /** Firewall logs: events go to pathEvents, not to sessions. */
  pathOnly?: boolean;
}

/** Share of non-blank head lines matching `pattern`, scaled to `certainty`. */
export function shareOf(lines: string[], pattern: RegExp, certainty = 0.9, minimum = 1): number {
  const meaningful = lines.filter((line) => line.trim() !== '');
  if (meaningful.length === 0) return 0;
  const hits = meaningful.filter((line) => pattern.test(line)).length;
  if (hits < minimum) return 0;
  return certainty * Math.min(1, (hits / meaningful.length) * 2);
}

/** How many head lines match `pattern` (after cutting a leading timestamp when `anywhere`). */
export function countLines(lines: string[], pattern: RegExp): number {
  let hits = 0;
  for (const line of lines) if (pattern.test(line)) hits += 1;
  return hits;
}

export const SERVER_LOG_LIMIT = "a server's log cannot know the address the client dialled, nor whether a data connection it waited for was dropped on the way or never sent";
export const CLIENT_LOG_LIMIT = 'a client log cannot tell a SYN dropped by a firewall on the way from one the server never answered';

/** The text a detection looks at: a gzip'd log's head is decompressed first (its kind is in what it inflates to). */
const HEAD_TEXT_BYTES = 64 * 1024;

/**
 * A reader per format. `readFiles` reads several files of the format together (a log's rotated
 * files, joined in time order: see series.ts); `read` is one file.
 */
export interface LogEvidenceReader extends EvidenceReader {
  readFiles(files: readonly string[], options: ReadOptions): Promise<SourceReading[]>;
}

export function readsSeveral(reader: EvidenceReader): reader is LogEvidenceReader {
  return typeof (reader as Partial<LogEvidenceReader>).readFiles === 'function';
}

export function makeLogReader(format: LogFormat): LogEvidenceReader {
  return {
    format: format.format,
    description: format.description,
    detect(head: Buffer): number {
      const text = isGzip(head) ? inflateHead(head, HEAD_TEXT_BYTES) : head;
      if (!text || text.length === 0) return 0;
      const lines = headLines(text);
      if (lines.filter((line) => looksBinary(line)).length * 2 > lines.length) return 0;
      return format.signature(lines);
    },
    read: async (file, options) => (await readLogFiles(format, [file], options))[0]!,
    readFiles: (files, options) => readLogFiles(format, files, options),
  };
}
