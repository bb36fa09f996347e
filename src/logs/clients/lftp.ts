/**
 * lftp with `debug` (levels 3–10; `debug -t` adds times): `---> PASV`, `<--- 227 …`, `---- Connecting
 * data socket to (10.0.0.5) port 50123`, `---- Data connection established`, `**** Data socket
 * error (Connection refused)`, `**** Timeout - reconnecting`, `---- Address returned by PASV
 * seemed to be incorrect and has been fixed`.
 */
import type { Endpoint } from '../../evidence/observed.js';
import { dataAddressOf, endpoint, isTransferCommand, type LineParser, type LogItem } from '../items.js';
import { CLIENT_LOG_LIMIT, countLines, makeLogReader } from '../reader.js';
import { leadingTime, outcomeOf } from './words.js';

function lftpParser(): LineParser {
  let dataPending = false;
  /** Where lftp listens in active mode (its PORT/EPRT), for the connection the server makes. */
  let listening: Endpoint | undefined;
  /** Active mode: the transfer command went out and the server's connection back has not come yet (a timeout now is the data connection's). */
  let awaitingServer = false;
  return {
    parse(raw) {
      const { time, rest } = leadingTime(raw);
      const items = lftpItems(rest, dataPending || awaitingServer);
      const accepted = /^---- Accepted data connection from \(([^)]+)\) port (\d+)/.exec(rest);
      const from = accepted ? endpoint(accepted[1], accepted[2]) : undefined;
      if (accepted && listening) items.push({ type: 'connect', role: 'data', openedBy: 'server', outcome: 'connected', to: listening, ...(from ? { from } : {}) });
      for (const item of items) {
        if (item.type === 'command' && /^(PORT|EPRT)\b/i.test(item.text)) listening = dataAddressOf(item.text);
        else if (item.type === 'command' && /^(PASV|EPSV)\b/i.test(item.text)) listening = undefined;
        if (item.type === 'command') awaitingServer = listening !== undefined && isTransferCommand(item.text);
        if ((item.type === 'connect' && item.openedBy === 'server') || item.type === 'end') awaitingServer = false;
        if (item.type === 'connect') dataPending = item.role === 'data';
        if (item.type === 'connect-result' || item.type === 'end') dataPending = false;
      }
      return { ...(time ? { time } : {}), items };
    },
  };
}

function lftpItems(text: string, dataPending: boolean): LogItem[] {
  let m: RegExpExecArray | null;
  if ((m = /^---> (.*)$/.exec(text))) return [{ type: 'command', text: String(m[1]) }];
  if ((m = /^<--- (.*)$/.exec(text))) return [{ type: 'reply-line', text: String(m[1]) }];
  if ((m = /^---- Connecting data socket to \(([^)]+)\) port (\d+)/.exec(text))) {
    const to = endpoint(m[1], m[2]);
    return [{ type: 'connect', role: 'data', openedBy: 'client', ...(to ? { to } : {}) }];
  }
  if ((m = /^---- Connecting to \S+ \(([^)]+)\) port (\d+)/.exec(text))) {
    const to = endpoint(m[1], m[2]);
    return [{ type: 'connect', role: 'control', ...(to ? { to } : {}) }];
  }
  if (/^---- (?:Data connection established|Data connection peer)/.test(text)) return [{ type: 'connect-result', outcome: 'connected' }];
  if (/^---- Address returned by PASV seemed to be incorrect/.test(text)) return [{ type: 'note', meaning: 'unroutable-replaced', text: text.slice(5) }];
  if (/^---- Closing control socket/.test(text)) return [{ type: 'end' }];
  // lftp's own command errors, unprefixed: `get: README.txt: /dev/null: File exists`, `ls: Fatal error: max-retries exceeded`.
  if (/^(?:get|put|mget|mput|pget|mirror|cat|ls|cls|nlist|rm|mkdir|cd|open|login)1?: \S/.test(text)) return [{ type: 'note', meaning: 'other', text }];
  if ((m = /^\*\*\*\* (.*)$/.exec(text))) {
    const said = String(m[1]);
    const outcome = outcomeOf(said);
    if (/^Data socket error|^Connect: /.test(said) && outcome) return [{ type: 'connect-result', outcome }];
    if (/^Timeout/i.test(said)) return [{ type: 'note', meaning: dataPending ? 'data-timeout' : 'control-timeout', text: said }];
    if (/Peer closed connection|Connection reset|Broken pipe/i.test(said)) return [{ type: 'note', meaning: 'connection-lost', text: said }];
    if (/certificate|SSL|TLS|GnuTLS/i.test(said)) return [{ type: 'tls', channel: dataPending ? 'data' : 'control', handshake: 'failed', detail: said }];
    return [{ type: 'note', meaning: 'other', text: said }];
  }
  return [];
}

export const lftpReader = makeLogReader({
  format: 'lftp',
  description: "lftp's debug output (`debug` or `debug -t -o file`)",
  label: 'lftp debug log',
  vantage: 'client',
  timings: false,
  signature: (lines) => (countLines(lines, /^(?:\S+ \S+ )?<--- \d{3}/) > 0 && countLines(lines, /^(?:\S+ \S+ )?(?:---> |---- )/) > 0 ? 0.9 : 0),
  createParser: () => lftpParser(),
  limits: [CLIENT_LOG_LIMIT],
});
