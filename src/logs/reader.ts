/**
 * One EvidenceReader per log format, all made the same way: detect by the share of head lines the
 * format's signature matches; read by streaming lines through the format's LineParser into a
 * SessionBuilder. Binary garbage and unrecognised lines are skipped and counted; a file in which
 * nothing was recognised ends with a LogFormatError ("not a log we know"), never a crash.
 */
import { basename } from 'node:path';
import type { ObservedEvent } from '../evidence/observed.js';
import type { EvidenceReader, ReadOptions, SourceDeclaration, SourceReading, Vantage } from '../evidence/source.js';
import { LogFormatError } from './errors.js';
import type { LineParser, ParsedLine } from './items.js';
import { headLines, looksBinary, MAX_LINE_CHARS, readLogLines } from './line-reader.js';
import { MAX_EVENTS, MAX_EVENTS_PER_SESSION, MAX_SESSIONS, SessionBuilder } from './session-builder.js';

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

/** Where the notes about skipped input go (in limits: said to the user). */
function skippedWords(binary: number, truncated: number, builder: SessionBuilder): string[] {
  const out: string[] = [];
  if (binary > 0) out.push(`${binary} line(s) of binary data skipped`);
  if (truncated > 0) out.push(`${truncated} line(s) longer than ${MAX_LINE_CHARS} characters were cut there`);
  if (builder.droppedSessions > 0) out.push(`${builder.droppedSessions} session(s) after the first ${MAX_SESSIONS} left out: cut the log to the time of the failure`);
  if (builder.droppedEvents > 0) out.push(`${builder.droppedEvents} event(s) left out (at most ${MAX_EVENTS_PER_SESSION} per session and ${MAX_EVENTS} in all are kept)`);
  return out;
}

export async function readWith(format: LogFormat, file: string, options: ReadOptions): Promise<SourceReading> {
  const parser = format.createParser({ ...options, fileName: basename(file) });
  const builder = new SessionBuilder(file, basename(file));
  const pathEvents: ObservedEvent[] = [];
  let binary = 0;
  let truncated = 0;
  let recognised = 0;
  let lines = 0;
  for await (const line of readLogLines(file, options.maxBytes !== undefined ? { maxBytes: options.maxBytes } : {})) {
    lines = line.line;
    if (line.truncated) truncated += 1;
    if (looksBinary(line.text)) {
      binary += 1;
      continue;
    }
    let parsed: ParsedLine | undefined;
    try {
      parsed = parser.parse(line.text, line.line);
    } catch {
      parsed = undefined; // a parser bug on a strange line must not end the reading
    }
    if (!parsed || parsed.items.length === 0) continue;
    recognised += 1;
    if (format.pathOnly) pathEvents.push(...toPathEvents(file, line.line, parsed));
    else builder.add(parsed, line.line);
  }
  const sessions = builder.finish();
  if (recognised === 0) {
    const why = binary > 0 && binary * 2 >= lines ? 'binary data' : `no ${format.label} lines`;
    throw new LogFormatError(file, 0, `not a log we know (${why}); --format names the formats`);
  }
  const source: SourceDeclaration = {
    kind: 'log',
    label: `${format.label} ${basename(file)}`,
    vantage: format.vantage,
    controlledExperiment: false,
    referenceServerProof: false,
    packets: false,
    timings: format.timings || sessions.some((session) => session.events.some((event) => event.at.source === 'log' && event.at.time !== undefined)),
    actedItself: false,
  };
  return {
    file,
    format: format.format,
    source,
    sessions,
    limits: [...format.limits, ...(parser.limits?.() ?? []), ...skippedWords(binary, truncated, builder)],
    ...(format.pathOnly ? { pathEvents } : {}),
  };
}

function toPathEvents(file: string, line: number, parsed: ParsedLine): ObservedEvent[] {
  const at = { source: 'log' as const, file, line, ...(parsed.time ? { time: parsed.time.iso } : {}) };
  return parsed.items.flatMap((item) => (item.type === 'note' ? [{ kind: 'note' as const, meaning: item.meaning, text: item.text, at, ...(item.to ? { to: item.to } : {}), ...(item.from ? { from: item.from } : {}) }] : []));
}

export function makeLogReader(format: LogFormat): EvidenceReader {
  return {
    format: format.format,
    description: format.description,
    detect(head: Buffer): number {
      if (head.length === 0) return 0;
      const lines = headLines(head);
      if (lines.filter((line) => looksBinary(line)).length * 2 > lines.length) return 0;
      return format.signature(lines);
    },
    read: (file, options) => readWith(format, file, options),
  };
}
