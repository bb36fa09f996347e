/**
 * Pure-FTPd's syslog lines, written from its documented format (it is not installed here):
 * `pure-ftpd[1234]: (?@203.0.113.9) [INFO] New connection from 203.0.113.9`, `(bob@203.0.113.9)
 * [INFO] bob is now logged in`, `[INFO] Logout.`, and with -d: `[DEBUG] Command [pasv] []`,
 * `[DEBUG] 227 Entering Passive Mode (…)`. PASS arguments appear as `[<*>]`.
 */
import { normalizeAddress } from '../../ftp/address.js';
import type { LineParser, LogItem } from '../items.js';
import { countLines, makeLogReader, SERVER_LOG_LIMIT } from '../reader.js';
import { parseSyslogTime } from '../time.js';
import { awaitPassivePorts } from './passive-wait.js';

const PURE_LINE = /pure-ftpd(?:\[(\d+)\])?: \(([^@)]*)@([^)]*)\) \[(\w+)\] (.*)$/;

function pureItems(level: string, message: string, client: string): LogItem[] {
  let m: RegExpExecArray | null;
  if (/^New connection from /.test(message)) return [{ type: 'connect', role: 'control', outcome: 'connected', from: { host: client, port: 0 } }, { type: 'endpoints', client: { host: client, port: 0 } }];
  if (/^Logout\.?$/.test(message)) return [{ type: 'end' }];
  if ((m = /^Command \[([^\]]*)\] \[(.*)\]$/.exec(message))) {
    const argument = String(m[2]);
    return [{ type: 'command', text: `${String(m[1]).toUpperCase()}${argument ? ` ${argument}` : ''}` }];
  }
  if (level === 'DEBUG' && /^[1-5]\d\d[ -]/.test(message)) return [{ type: 'reply-line', text: message }];
  if (/Timeout/i.test(message)) return [{ type: 'note', meaning: 'control-timeout', text: message }];
  if (/data connection|passive|Can't connect|Unable to/i.test(message)) return [{ type: 'note', meaning: level === 'ERROR' || level === 'WARNING' ? 'data-timeout' : 'other', text: message }];
  if (/logged in|Authentication failed/i.test(message)) return [{ type: 'note', meaning: 'other', text: message }];
  return [];
}

export const pureFtpdReader = makeLogReader({
  format: 'pure-ftpd',
  description: "Pure-FTPd's syslog lines (commands and replies with -d)",
  label: 'Pure-FTPd log',
  vantage: 'server',
  timings: true,
  signature: (lines) => (countLines(lines, PURE_LINE) > 0 ? 0.9 : 0),
  createParser: (): LineParser => {
    const year = new Date().getUTCFullYear();
    return awaitPassivePorts({
      parse(raw) {
        const m = PURE_LINE.exec(raw);
        if (!m) return undefined;
        const time = parseSyslogTime(raw, year);
        const client = normalizeAddress(String(m[3]));
        return { ...(time ? { time } : {}), key: m[1] ? `pid ${m[1]}` : client, items: pureItems(String(m[4]), String(m[5]), client) };
      },
    });
  },
  limits: [SERVER_LOG_LIMIT, 'Pure-FTPd logs commands and replies only with -d (debug)'],
});
