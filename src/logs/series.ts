/**
 * Several files of one log format in one run (`explain vsftpd.log.2.gz vsftpd.log.1 vsftpd.log`):
 * the files are put in the order of their times, not of the arguments, and files that follow each
 * other (each begins no earlier than the one before it ends) are read as one log, so a session cut
 * by a rotation is one session, its events' provenance naming the file and line each came from.
 * Files whose times overlap are different logs (two servers, or one file given twice) and are read
 * apart; files without times cannot be ordered and are read apart, in the order given.
 *
 * Each file still has its own reading (its sessions are those that began in it), so the report
 * lists every input with what was found and skipped in it.
 */
import { basename } from 'node:path';
import type { ObservedSession } from '../evidence/observed.js';
import type { ReadOptions, SourceDeclaration, SourceReading } from '../evidence/source.js';
import { fileLimits, LogStream, type FileTally } from './log-stream.js';
import { readLogLines } from './line-reader.js';
import type { LogFormat } from './reader.js';

/** Lines looked at for a file's first time before it counts as having none. */
const FIRST_TIME_LINES = 10_000;

/** Readings of `files`, all of `format`: in time order when every file has times, else in the order given. */
export async function readLogFiles(format: LogFormat, files: readonly string[], options: ReadOptions): Promise<SourceReading[]> {
  if (files.length === 1) return readRuns(format, [[files[0]!]], options, []);
  const starts = new Map<string, number | undefined>();
  for (const file of files) starts.set(file, await firstTimeOf(format, file, options));
  const untimed = files.filter((file) => starts.get(file) === undefined);
  if (untimed.length > 0) {
    const note = `not ordered or joined with the other ${format.label} files: ${untimed.map((file) => basename(file)).join(', ')} ${untimed.length === 1 ? 'has' : 'have'} no times to order them by`;
    return readRuns(format, files.map((file) => [file]), options, [note]);
  }
  const ordered = [...files].sort((a, b) => starts.get(a)! - starts.get(b)! || rotationAge(b) - rotationAge(a));
  return readRuns(format, [ordered], options, [], starts);
}

/**
 * Reads each run through one stream. With `starts`, a run is split where a file begins before the
 * one read just before it ended (its last time is known only once it has been read).
 */
async function readRuns(format: LogFormat, runs: string[][], options: ReadOptions, notes: string[], starts?: ReadonlyMap<string, number | undefined>): Promise<SourceReading[]> {
  const readings: SourceReading[] = [];
  for (const run of runs) {
    let stream: LogStream | undefined;
    let tallies: FileTally[] = [];
    const overlaps = new Map<string, string>();
    for (const file of run) {
      const previous = tallies.at(-1);
      const start = starts?.get(file);
      if (stream && previous && start !== undefined && previous.lastMs !== undefined && start < previous.lastMs) {
        overlaps.set(file, previous.file);
        readings.push(...readingsOf(format, stream, tallies, notes, overlaps));
        stream = undefined;
        tallies = [];
      }
      stream ??= new LogStream(format, options, file);
      tallies.push(await stream.read(file));
    }
    if (stream) readings.push(...readingsOf(format, stream, tallies, notes, overlaps));
  }
  return readings;
}

/** One reading per file of a stream: a session belongs to the file it began in. */
function readingsOf(format: LogFormat, stream: LogStream, tallies: readonly FileTally[], notes: readonly string[], overlaps: ReadonlyMap<string, string>): SourceReading[] {
  const sessions = stream.finish();
  const byFile = new Map<string, ObservedSession[]>(tallies.map((tally) => [tally.file, []]));
  let spanning = 0;
  for (const session of sessions) {
    const files = new Set(session.events.map((event) => ('file' in event.at ? event.at.file : '')));
    if (files.size > 1) spanning += 1;
    const first = session.events[0]?.at;
    byFile.get(first && 'file' in first ? first.file : tallies[0]!.file)?.push(session);
  }
  const streamLimits = stream.limits();
  const joined =
    tallies.length > 1
      ? [`one log in ${tallies.length} rotated files, read in the order of their times: ${tallies.map((tally) => basename(tally.file)).join(', ')}${format.pathOnly ? '' : ` (${spanning} session${spanning === 1 ? '' : 's'} continue${spanning === 1 ? 's' : ''} from one file into the next)`}`]
      : [];
  return tallies.map((tally) => {
    const own = byFile.get(tally.file) ?? [];
    const overlapped = overlaps.get(tally.file);
    const apart = overlapped ? [`read as a log of its own: it begins before ${basename(overlapped)} ends, so it is not the next file of the same log`] : [];
    const source: SourceDeclaration = {
      kind: 'log',
      label: `${format.label} ${basename(tally.file)}`,
      vantage: format.vantage,
      controlledExperiment: false,
      referenceServerProof: false,
      packets: false,
      timings: format.timings || own.some((session) => session.events.some((event) => event.at.source === 'log' && event.at.time !== undefined)),
      actedItself: false,
    };
    return {
      file: tally.file,
      format: format.format,
      source,
      sessions: own,
      limits: [...format.limits, ...streamLimits, ...fileLimits(tally), ...joined, ...apart, ...notes],
      ...(format.pathOnly ? { pathEvents: tally.pathEvents } : {}),
    };
  });
}

/**
 * How old a rotated file's name says it is, for files whose first lines have the same time (log
 * clocks have one-second resolution) and only then: `x.2.gz` is older than `x.1`, older than the
 * live `x`; `x-20261201.gz` older than `x-20261202`. 0 for the live file; ties keep the order given.
 */
export function rotationAge(file: string): number {
  const m = /[.-](\d{1,8})(?:\.gz)?$/.exec(basename(file));
  if (!m) return 0;
  const number = Number(m[1]);
  // A date suffix (dateext): later dates are younger; a rotation count: higher counts are older.
  return m[1]!.length === 8 ? 1e8 - number : number;
}

/** The time of the first line that has one, looking at the first FIRST_TIME_LINES lines (a fresh parser: the reading proper starts over). */
async function firstTimeOf(format: LogFormat, file: string, options: ReadOptions): Promise<number | undefined> {
  const parser = format.createParser({ ...options, fileName: basename(file) });
  for await (const line of readLogLines(file, options.maxBytes !== undefined ? { maxBytes: options.maxBytes } : {})) {
    if (line.line > FIRST_TIME_LINES) return undefined;
    let time: number | undefined;
    try {
      time = parser.parse(line.text, line.line)?.time?.ms;
    } catch {
      time = undefined;
    }
    if (time !== undefined) return time;
  }
  return undefined;
}
