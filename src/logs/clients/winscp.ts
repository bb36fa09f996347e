/**
 * WinSCP's session log (FTP sessions): each line `<kind> <date> <time.ms> <text>` where kind is
 * `>` (command), `<` (reply), `.` (WinSCP's own message), `!` (output) or `*` (error):
 * `> 2024-01-05 10:11:13.000 PASV`, `< 2024-01-05 10:11:13.010 227 Entering Passive Mode (…)`,
 * `. 2024-01-05 10:11:13.013 Connecting to 203.0.113.5:50000 ...`, `. … Timeout detected. (data connection)`.
 */
import { isTransferCommand, parseHostPort, type LineParser, type LogItem } from '../items.js';
import { CLIENT_LOG_LIMIT, countLines, makeLogReader } from '../reader.js';
import { parseIsoLike } from '../time.js';
import { outcomeOf } from './words.js';

const WINSCP_LINE = /^([<>.!*]) (\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}) (.*)$/;

function winscpParser(): LineParser {
  let commands = 0;
  let transferPending = false;
  return {
    parse(raw) {
      const m = WINSCP_LINE.exec(raw);
      if (!m) return undefined;
      const time = parseIsoLike(String(m[2]));
      const kind = m[1];
      const text = String(m[3]);
      const items: LogItem[] = [];
      if (kind === '>') {
        commands += 1;
        transferPending = isTransferCommand(text);
        items.push({ type: 'command', text });
      } else if (kind === '<') {
        const code = Number(text.slice(0, 3));
        if (code === 226 || code === 250 || code >= 400) transferPending = false;
        items.push({ type: 'reply-line', text });
      } else items.push(...messageItems(text, commands, transferPending));
      return { ...(time ? { time } : {}), items };
    },
  };
}

function messageItems(text: string, commands: number, transferPending: boolean): LogItem[] {
  let m: RegExpExecArray | null;
  if ((m = /^Connecting to (\S+?)(?: \.\.\.|\.\.\.)?$/.exec(text))) {
    const to = parseHostPort(String(m[1]));
    if (commands > 0 && to) return [{ type: 'connect', role: 'data', openedBy: 'client', to }];
    return [{ type: 'connect', role: 'control', ...(to ? { to } : {}) }];
  }
  if (/^Connected with .*Waiting for welcome message/.test(text)) return [{ type: 'connect-result', outcome: 'connected', role: 'control' }];
  if (/unroutable address/i.test(text)) return [{ type: 'note', meaning: 'unroutable-replaced', text }];
  if (/^Timeout detected|timed out/i.test(text)) {
    const data = /data connection/i.test(text) || transferPending;
    return [{ type: 'note', meaning: data ? 'data-timeout' : 'control-timeout', text }];
  }
  if (/^(?:Data connection opened|Data connection established)/i.test(text)) return [{ type: 'connect-result', outcome: 'connected', role: 'data' }];
  if (/^(?:Network error: |Connection failed|Can't connect|Cannot connect)/i.test(text)) {
    const outcome = outcomeOf(text);
    if (outcome === 'reset') return [{ type: 'note', meaning: 'connection-lost', text }];
    if (outcome) return [{ type: 'connect-result', outcome }];
  }
  if (/^(?:Lost connection|Connection closed|Server closed)/i.test(text)) return [{ type: 'note', meaning: 'connection-lost', text }];
  if (/^(?:TLS connection established|Using TLS|SSL connection established)/i.test(text)) return [{ type: 'tls', channel: transferPending ? 'data' : 'control', handshake: 'ok', detail: text }];
  if (/^Session started|^Disconnected/i.test(text) && /^Disconnected/i.test(text)) return [{ type: 'end' }];
  return [];
}

export const winscpReader = makeLogReader({
  format: 'winscp',
  description: "WinSCP's session log of an FTP/FTPS session (/log=file or Preferences › Logging)",
  label: 'WinSCP log',
  vantage: 'client',
  timings: true,
  signature: (lines) => (countLines(lines, WINSCP_LINE) > 0 && countLines(lines, /^[.<>] \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3} (?:WinSCP|[A-Z]{3,4}\b|\d{3}[ -])/) > 0 ? 0.9 : 0),
  createParser: () => winscpParser(),
  limits: [CLIENT_LOG_LIMIT],
});
