/**
 * Servers that log one JSON object per line, read by their fields: ftp-doctor's own `serve --log
 * json` (event command/reply/connect/data/transfer/disconnect, session, peer — run here), and,
 * written from their documented field names, SFTPGo/ftpserverlib (`connection_id`,
 * `remote_address`, `line` / `answer`) and ftp-srv's bunyan lines (`id`, `ip`, `directive`).
 * `serve --log text` (`<time> [<session> <peer>] <message>`) is read by the same rules, as its own
 * format (serve-text.ts): it is no JSON, and it has no replies.
 */
import { normalizeAddress } from '../../ftp/address.js';
import { isCommand, parseHostPort, REPLY_LINE, type LineParser, type LogItem } from '../items.js';
import { countLines, makeLogReader, SERVER_LOG_LIMIT } from '../reader.js';
import { parseIsoLike, type LogTime } from '../time.js';
import { awaitPassivePorts } from './passive-wait.js';

type Fields = Record<string, unknown>;

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined);
const first = (fields: Fields, names: string[]): string | undefined => {
  for (const name of names) {
    const value = text(fields[name]);
    if (value !== undefined && value !== '') return value;
  }
  return undefined;
};

function timeOf(fields: Fields): LogTime | undefined {
  const value = fields.time ?? fields.ts ?? fields.timestamp ?? fields['@timestamp'];
  if (typeof value === 'string') return parseIsoLike(value);
  if (typeof value === 'number' && Number.isFinite(value)) {
    const ms = value > 1e12 ? value : value * 1000;
    const iso = new Date(ms).toISOString();
    return parseIsoLike(iso);
  }
  return undefined;
}

/** What one entry says, from its event name, its fields or its message. */
export function entryItems(fields: Fields): LogItem[] {
  const event = first(fields, ['event']);
  const message = first(fields, ['message', 'msg']) ?? '';
  const command = first(fields, ['line', 'command', 'cmd', 'directive']);
  const answer = first(fields, ['answer', 'response', 'reply']);
  let m: RegExpExecArray | null;
  if (event === 'command' || (event === undefined && command !== undefined && isCommand(command))) {
    const line = event === 'command' ? message : `${command}${fields.args ? ` ${text(fields.args) ?? ''}` : ''}`;
    return [{ type: 'command', text: line }];
  }
  if (event === 'reply' || answer !== undefined) {
    const line = event === 'reply' ? message : answer ?? '';
    const code = text(fields.code);
    return [{ type: 'reply-line', text: REPLY_LINE.test(line) || !code ? line : `${code} ${line}` }];
  }
  if (event === 'connect' || /^(?:connection from|New connection|Client connected)/i.test(message)) return [{ type: 'connect', role: 'control', outcome: 'connected' }];
  if (event === 'disconnect' || /^(?:connection closed|Client disconnected|Connection closed)/i.test(message)) return [{ type: 'end' }];
  if ((m = /^data connection from \[?([0-9A-Fa-f:.]+?)\]?:(\d+) on passive port (\d+)/.exec(message))) {
    return [{ type: 'connect', role: 'data', openedBy: 'client', outcome: 'connected', from: { host: normalizeAddress(String(m[1])), port: Number(m[2]) }, to: { host: '', port: Number(m[3]) } }];
  }
  if (/timed? ?out|timeout/i.test(message)) return [{ type: 'note', meaning: /data|passive|transfer/i.test(message) ? 'data-timeout' : 'control-timeout', text: message }];
  return [];
}

export const SERVE_TEXT = /^(\d{4}-\d{2}-\d{2}T[\d:.]+Z) \[(\S+) (\S+)\] (?:(?:WARN|ERROR) )?(.*)$/;

function textEntry(raw: string): Fields | undefined {
  const m = SERVE_TEXT.exec(raw);
  if (!m) return undefined;
  const message = String(m[4]);
  const event = REPLY_LINE.test(message) ? 'reply' : isCommand(message) && /^[A-Z]{3,4}\b/.test(message) ? 'command' : undefined;
  return { time: m[1], session: m[2], peer: m[3], message, ...(event ? { event } : {}) };
}

export function jsonLinesParser(): LineParser {
  return {
    parse(raw) {
      let fields: Fields | undefined;
      if (raw.startsWith('{')) {
        try {
          const value: unknown = JSON.parse(raw);
          if (value && typeof value === 'object' && !Array.isArray(value)) fields = value as Fields;
        } catch {
          return undefined;
        }
      } else fields = textEntry(raw);
      if (!fields) return undefined;
      const key = first(fields, ['session', 'connection_id', 'connectionId', 'session_id', 'conn_id', 'id']);
      const peer = first(fields, ['peer', 'remote_address', 'remote_addr', 'client_ip', 'ip']);
      const client = peer ? (parseHostPort(peer) ?? { host: normalizeAddress(peer), port: 0 }) : undefined;
      const items = entryItems(fields);
      if (client) items.unshift({ type: 'endpoints', client: { ...client, host: normalizeAddress(client.host) } });
      const time = timeOf(fields);
      return { ...(time ? { time } : {}), ...(key ? { key } : {}), items };
    },
  };
}

export const jsonLinesReader = makeLogReader({
  format: 'json-lines',
  description: 'servers logging JSON lines (ftp-doctor serve --log json, SFTPGo/ftpserverlib, ftp-srv)',
  label: 'server JSON log',
  vantage: 'server',
  timings: true,
  signature: (lines) => {
    if (countLines(lines, /^\{.*"event":"(?:command|reply|connect)".*"session":/) > 0) return 0.9;
    return countLines(lines, /^\{.*"(?:line|command|directive|answer|response)":/) > 0 && countLines(lines, /^\{.*"(?:connection_id|connectionId|session_id|id|session)":/) > 0 ? 0.6 : 0;
  },
  createParser: () => awaitPassivePorts(jsonLinesParser()),
  limits: [SERVER_LOG_LIMIT],
});
