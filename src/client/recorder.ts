/**
 * The client's notebook: a timestamped transcript of every channel and one record per connect
 * attempt. Everything the probe later concludes must be traceable to a line written here, so the
 * recorder only appends; nothing in it is ever rewritten to look better. The one exception is the
 * drop marker: a hostile server can make a session talk without end, so each session has a budget
 * of lines and connection records, and one marker line keeps counting what was left out.
 */
import type { Channel, ConnectionEvent, Direction, TranscriptLine } from '../evidence/record.js';

/** Milliseconds on any monotonic-enough scale; tests pass a fake one. */
export type Clock = () => number;

export const systemClock: Clock = () => performance.now();

/** Transcript lines kept per session; more than any honest session writes. */
export const TRANSCRIPT_LINES_PER_SESSION = 2000;
/** Connection records kept per session (a sweep session makes one per port it proves). */
export const CONNECTIONS_PER_SESSION = 500;

export interface RecorderLimits {
  linesPerSession: number;
  connectionsPerSession: number;
}

interface SessionTally {
  lines: number;
  connections: number;
  droppedLines: number;
  droppedConnections: number;
  marker?: TranscriptLine;
}

export class Recorder {
  readonly transcript: TranscriptLine[] = [];
  readonly connections: ConnectionEvent[] = [];
  private readonly origin: number;
  private readonly tallies = new Map<string, SessionTally>();
  private readonly limits: RecorderLimits;

  constructor(
    readonly clock: Clock = systemClock,
    limits: Partial<RecorderLimits> = {},
  ) {
    this.origin = clock();
    this.limits = { linesPerSession: TRANSCRIPT_LINES_PER_SESSION, connectionsPerSession: CONNECTIONS_PER_SESSION, ...limits };
  }

  /** Milliseconds since the run started, rounded to 0.1 ms so reports stay readable. */
  elapsed(): number {
    return Math.round((this.clock() - this.origin) * 10) / 10;
  }

  /** Milliseconds from `start` (an earlier `elapsed()`) until now, rounded like elapsed(). */
  since(start: number): number {
    return Math.round((this.elapsed() - start) * 10) / 10;
  }

  line(session: string, channel: Channel, direction: Direction, text: string): void {
    const tally = this.tally(session);
    if (tally.lines >= this.limits.linesPerSession) {
      tally.droppedLines += 1;
      this.mark(session, channel, tally);
      return;
    }
    tally.lines += 1;
    this.transcript.push({ t: this.elapsed(), session, channel, direction, text });
  }

  event(session: string, channel: Channel, text: string): void {
    this.line(session, channel, '*', text);
  }

  connection(event: ConnectionEvent): void {
    const tally = this.tally(event.session);
    if (tally.connections >= this.limits.connectionsPerSession) {
      tally.droppedConnections += 1;
      this.mark(event.session, event.purpose, tally);
      return;
    }
    tally.connections += 1;
    this.connections.push(event);
  }

  private tally(session: string): SessionTally {
    let tally = this.tallies.get(session);
    if (!tally) {
      tally = { lines: 0, connections: 0, droppedLines: 0, droppedConnections: 0 };
      this.tallies.set(session, tally);
    }
    return tally;
  }

  /** The session's one drop marker: written at the first drop, its count kept current after. */
  private mark(session: string, channel: Channel, tally: SessionTally): void {
    if (!tally.marker) {
      tally.marker = { t: this.elapsed(), session, channel, direction: '*', text: '' };
      this.transcript.push(tally.marker);
    }
    const parts = [
      tally.droppedLines > 0 ? `${tally.droppedLines} lines dropped (limit ${this.limits.linesPerSession} per session)` : '',
      tally.droppedConnections > 0 ? `${tally.droppedConnections} connection records dropped (limit ${this.limits.connectionsPerSession} per session)` : '',
    ];
    tally.marker.text = `… ${parts.filter(Boolean).join('; ')}`;
  }
}

/** The transcript form of a command: a password never reaches the notebook. */
export function transcriptCommand(verb: string, argument: string | undefined): string {
  if (verb.toUpperCase() === 'PASS') return 'PASS ****';
  return argument === undefined || argument === '' ? verb.toUpperCase() : `${verb.toUpperCase()} ${argument}`;
}
