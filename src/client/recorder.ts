/**
 * The client's notebook: a timestamped transcript of every channel and one record per connect
 * attempt. Everything the probe later concludes must be traceable to a line written here, so the
 * recorder only appends; nothing in it is ever rewritten to look better.
 */
import type { Channel, ConnectionEvent, Direction, TranscriptLine } from '../report/model.js';

/** Milliseconds on any monotonic-enough scale; tests pass a fake one. */
export type Clock = () => number;

export const systemClock: Clock = () => performance.now();

export class Recorder {
  readonly transcript: TranscriptLine[] = [];
  readonly connections: ConnectionEvent[] = [];
  private readonly origin: number;

  constructor(readonly clock: Clock = systemClock) {
    this.origin = clock();
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
    this.transcript.push({ t: this.elapsed(), session, channel, direction, text });
  }

  event(session: string, channel: Channel, text: string): void {
    this.line(session, channel, '*', text);
  }

  connection(event: ConnectionEvent): void {
    this.connections.push(event);
  }
}

/** The transcript form of a command: a password never reaches the notebook. */
export function transcriptCommand(verb: string, argument: string | undefined): string {
  if (verb.toUpperCase() === 'PASS') return 'PASS ****';
  return argument === undefined || argument === '' ? verb.toUpperCase() : `${verb.toUpperCase()} ${argument}`;
}
