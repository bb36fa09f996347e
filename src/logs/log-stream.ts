/**
 * One log read line by line through its format's LineParser into a SessionBuilder. Several files
 * of one log (its rotated files, in time order) can go through the same stream one after the
 * other: a session still open at the end of one file continues in the next, as the server wrote it.
 */
import { basename } from 'node:path';
import type { ObservedEvent, ObservedSession } from '../evidence/observed.js';
import type { ReadOptions } from '../evidence/source.js';
import { LogFormatError } from './errors.js';
import type { LineParser, ParsedLine } from './items.js';
import { looksBinary, MAX_LINE_CHARS, readLogLines, type LogReadStats } from './line-reader.js';
import type { LogFormat } from './reader.js';
import { MAX_EVENTS, MAX_EVENTS_PER_SESSION, MAX_SESSIONS, SessionBuilder } from './session-builder.js';

/** What reading one file found, besides the sessions. */
export interface FileTally {
  file: string;
  lines: number;
  recognised: number;
  binary: number;
  truncated: number;
  /** Times of the first and the last line that had one (ms, in the log's own convention). */
  firstMs?: number;
  lastMs?: number;
  read: LogReadStats;
  pathEvents: ObservedEvent[];
}

export class LogStream {
  private readonly parser: LineParser;
  private readonly builder: SessionBuilder;

  constructor(
    private readonly format: LogFormat,
    private readonly options: ReadOptions,
    firstFile: string,
  ) {
    this.parser = format.createParser({ ...options, fileName: basename(firstFile) });
    this.builder = new SessionBuilder(firstFile, basename(firstFile));
  }

  /** Every line of `file` into the stream; a file in which nothing was recognised is a LogFormatError. */
  async read(file: string): Promise<FileTally> {
    this.builder.useFile(file, basename(file));
    const tally: FileTally = { file, lines: 0, recognised: 0, binary: 0, truncated: 0, read: { compressed: false, bytes: 0 }, pathEvents: [] };
    for await (const line of readLogLines(file, { stats: tally.read, ...(this.options.maxBytes !== undefined ? { maxBytes: this.options.maxBytes } : {}) })) {
      tally.lines = line.line;
      if (line.truncated) tally.truncated += 1;
      if (looksBinary(line.text)) {
        tally.binary += 1;
        continue;
      }
      let parsed: ParsedLine | undefined;
      try {
        parsed = this.parser.parse(line.text, line.line);
      } catch {
        parsed = undefined; // a parser bug on a strange line must not end the reading
      }
      if (parsed?.time) {
        tally.firstMs ??= parsed.time.ms;
        tally.lastMs = Math.max(tally.lastMs ?? parsed.time.ms, parsed.time.ms);
      }
      if (!parsed || parsed.items.length === 0) continue;
      tally.recognised += 1;
      if (this.format.pathOnly) tally.pathEvents.push(...toPathEvents(file, line.line, parsed));
      else this.builder.add(parsed, line.line);
    }
    if (tally.recognised === 0) {
      const why = tally.binary > 0 && tally.binary * 2 >= tally.lines ? 'binary data' : `no ${this.format.label} lines`;
      throw new LogFormatError(file, 0, `not a log we know (${why}); --format names the formats`);
    }
    return tally;
  }

  /** The sessions of every file read, each ending where its log ends. */
  finish(): ObservedSession[] {
    // The parser's last word on sessions the log left open (a passive port handed out, nothing after it).
    if (!this.format.pathOnly) for (const { line, parsed } of this.parser.finish?.() ?? []) this.builder.add(parsed, line);
    return this.builder.finish();
  }

  /** What holds for the whole stream: the parser's limits for what it saw, and what the builder left out. */
  limits(): string[] {
    const out = [...(this.parser.limits?.() ?? [])];
    if (this.builder.droppedSessions > 0) out.push(`${this.builder.droppedSessions} session(s) after the first ${MAX_SESSIONS} left out: cut the log to the time of the failure`);
    if (this.builder.droppedEvents > 0) out.push(`${this.builder.droppedEvents} event(s) left out (at most ${MAX_EVENTS_PER_SESSION} per session and ${MAX_EVENTS} in all are kept)`);
    return out;
  }
}

/** What one file's reading skipped or could not read, for its limits (said to the user). */
export function fileLimits(tally: FileTally): string[] {
  const out: string[] = [];
  if (tally.binary > 0) out.push(`${tally.binary} line(s) of binary data skipped`);
  if (tally.truncated > 0) out.push(`${tally.truncated} line(s) longer than ${MAX_LINE_CHARS} characters were cut there`);
  const cut = tally.read.cutShort;
  if (cut) {
    const how = cut.code === 'Z_BUF_ERROR' ? 'is cut short (the file ends before the compressed stream does)' : `is damaged (${cut.reason})`;
    out.push(`the gzip data ${how} after line ${cut.line}: lines 1-${cut.line} were read, whatever the log held after them is missing`);
  }
  return out;
}

function toPathEvents(file: string, line: number, parsed: ParsedLine): ObservedEvent[] {
  const at = { source: 'log' as const, file, line, ...(parsed.time ? { time: parsed.time.iso } : {}) };
  return parsed.items.flatMap((item) => (item.type === 'note' ? [{ kind: 'note' as const, meaning: item.meaning, text: item.text, at, ...(item.to ? { to: item.to } : {}), ...(item.from ? { from: item.from } : {}) }] : []));
}
