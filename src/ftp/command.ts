/**
 * FTP command encoding and decoding (RFC 959 §4.1, §5.3). Arguments with CR, LF or NUL are refused:
 * they would let a value smuggle a second command onto the control connection (RFC 2577 spirit).
 */
import { failed, parsed, type Parsed } from './result.js';

export class UnsafeArgumentError extends Error {
  constructor(readonly verb: string) {
    super(`refusing to send ${verb}: its argument contains CR, LF or NUL`);
    this.name = 'UnsafeArgumentError';
  }
}

const FORBIDDEN = /[\r\n\0]/;
const VERB = /^[A-Za-z]{3,4}$/;

/** The wire form of a command, CRLF included. Throws UnsafeArgumentError on CR/LF/NUL. */
export function encodeCommand(verb: string, argument?: string): string {
  if (!VERB.test(verb)) throw new Error(`not an FTP verb: ${JSON.stringify(verb)}`);
  if (argument !== undefined && FORBIDDEN.test(argument)) throw new UnsafeArgumentError(verb);
  return argument === undefined || argument === '' ? `${verb.toUpperCase()}\r\n` : `${verb.toUpperCase()} ${argument}\r\n`;
}

export interface Command {
  verb: string; // upper case
  argument: string; // '' when none
}

/** Parse one received command line (without its line ending). */
export function parseCommandLine(line: string): Parsed<Command> {
  if (FORBIDDEN.test(line)) return failed('command line contains CR or NUL');
  // Telnet IAC sequences (e.g. from ABOR with urgent data) precede the verb; drop them.
  const cleaned = line.replace(/\xff[\xf0-\xfe]/g, '').replace(/^[\s\xff]+/, '');
  const space = cleaned.indexOf(' ');
  const verb = (space < 0 ? cleaned : cleaned.slice(0, space)).toUpperCase();
  const argument = space < 0 ? '' : cleaned.slice(space + 1);
  if (!/^[A-Z]{3,4}$/.test(verb)) return failed(`not an FTP verb: ${JSON.stringify(verb.slice(0, 16))}`);
  return parsed({ verb, argument });
}

export class LineTooLongError extends Error {
  constructor(readonly limit: number) {
    super(`command line longer than ${limit} bytes`);
    this.name = 'LineTooLongError';
  }
}

/**
 * Splits a control stream into lines, bounded. A line over the limit is reported once and then
 * discarded up to its end, so an overlong line split across segments can never have its tail run
 * as a command of its own.
 */
export class CommandLineReader {
  private buffer = '';
  private discarding = false;
  constructor(private readonly maxBytes = 4096) {}

  /** Returns complete lines, and `tooLong` once for each overlong line. */
  push(chunk: string): { lines: string[]; tooLong: number } {
    const lines: string[] = [];
    let tooLong = 0;
    this.buffer += chunk;
    for (;;) {
      const newline = this.buffer.indexOf('\n');
      if (newline < 0) break;
      const line = this.buffer.slice(0, newline).replace(/\r$/, '');
      this.buffer = this.buffer.slice(newline + 1);
      if (this.discarding) {
        this.discarding = false;
        continue;
      }
      if (line.length > this.maxBytes) {
        tooLong += 1;
        continue;
      }
      lines.push(line);
    }
    if (this.buffer.length > this.maxBytes) {
      if (!this.discarding) tooLong += 1;
      this.discarding = true;
      this.buffer = '';
    }
    return { lines, tooLong };
  }
}
