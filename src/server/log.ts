/**
 * The session log: structured entries emitted as 'log' events (tests and the scenario runner read
 * them), rendered as readable text or one JSON object per line by the CLI. Passwords never get
 * here: the command logger redacts PASS before logging.
 */
import type { EventEmitter } from 'node:events';
import { sanitizeText } from '../text/sanitize.js';
import { redactSecrets } from '../text/secrets.js';

export interface LogEntry {
  time: string;
  level: 'info' | 'warn' | 'error';
  /** What happened, for filtering: 'connect', 'login', 'command', 'data', 'transfer', ... */
  event: string;
  /** One sentence a person can read. */
  message: string;
  session?: string;
  peer?: string;
  [detail: string]: unknown;
}

export type LogFields = Omit<LogEntry, 'time' | 'level' | 'event' | 'message'>;

export class ServerLog {
  constructor(private readonly events: EventEmitter) {}

  write(level: LogEntry['level'], event: string, message: string, fields: LogFields = {}): void {
    const entry: LogEntry = { time: new Date().toISOString(), level, event, message, ...fields };
    this.events.emit('log', entry);
  }

  info(event: string, message: string, fields?: LogFields): void {
    this.write('info', event, message, fields);
  }

  warn(event: string, message: string, fields?: LogFields): void {
    this.write('warn', event, message, fields);
  }
}

/**
 * One line of text. Clients choose much of what is logged (a USER name, a path, a malformed
 * command): control characters, terminal escapes (ESC, OSC, 8-bit CSI), bidi overrides and
 * newlines are neutralised as in the reports, so a log read in a terminal shows what was sent
 * and cannot be repainted, and one entry stays one line.
 */
export function formatLogText(entry: LogEntry): string {
  const who = entry.session ? ` [${entry.session}${entry.peer ? ` ${entry.peer}` : ''}]` : '';
  return sanitizeText(`${entry.time}${who} ${entry.level === 'info' ? '' : `${entry.level.toUpperCase()} `}${entry.message}`);
}

/** Fields of a log entry that hold a time, a fixed word or an id of ours, never text from a client. */
const STRUCTURAL_LOG_FIELDS = new Set(['time', 'level', 'event', 'session']);

/**
 * One JSON object per line, every string neutralised as in formatLogText: JSON escapes C0
 * controls but leaves C1 controls (U+009B is a CSI to many terminals) and bidi overrides raw.
 * Known passwords are removed here, value by value, and the line is written past the CLI's
 * guarded stream: redacting the serialised line would turn a password such as `220` or `true`
 * into `"code":***` (no longer JSON) and a password such as `event` into a key `"***"`.
 */
export function formatLogJson(entry: LogEntry): string {
  return JSON.stringify(entry, (key, value: unknown) => {
    if (typeof value !== 'string') return value;
    if (STRUCTURAL_LOG_FIELDS.has(key)) return sanitizeText(value);
    // Before and after: removing an escape sequence can join the two halves of a password.
    return redactSecrets(sanitizeText(redactSecrets(value)));
  });
}

/** "PASS secret" → "PASS ****": the only place commands are turned into log text. */
export function redactCommand(verb: string, argument: string): string {
  if (verb === 'PASS') return 'PASS ****';
  return argument === '' ? verb : `${verb} ${argument}`;
}
