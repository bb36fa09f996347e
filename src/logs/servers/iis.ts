/**
 * IIS FTP's W3C extended log (u_ex*.log): `#Fields:` names the columns (the reader follows every
 * `#Fields:` line, as IIS writes a new one when the set changes), times are UTC, one line per
 * command with the reply code it got (`sc-status`) and the Windows error behind it
 * (`sc-win32-status`: 10060 timed out, 10061 refused, 10054 reset, 1236 aborted by the local
 * system), plus ControlChannelOpened/Closed and DataChannelOpened/Closed events. `x-session`
 * keys the sessions (else the client's address and port). IIS logs `PASS ***` itself.
 */
import { normalizeAddress } from '../../ftp/address.js';
import { codeOnlyReply, endpoint, isTransferCommand, type LineParser, type LogItem } from '../items.js';
import { countLines, makeLogReader, SERVER_LOG_LIMIT } from '../reader.js';
import { parseIsoLike } from '../time.js';

/** What a Windows socket error says about a connection. */
export function win32Meaning(code: number): { outcome?: 'no-answer' | 'refused' | 'reset' | 'unreachable'; words: string } | undefined {
  switch (code) {
    case 0: return undefined;
    case 10060: return { outcome: 'no-answer', words: 'timed out (WSAETIMEDOUT 10060)' };
    case 10061: return { outcome: 'refused', words: 'refused (WSAECONNREFUSED 10061)' };
    case 10054: return { outcome: 'reset', words: 'reset by the peer (WSAECONNRESET 10054)' };
    case 10053: return { outcome: 'reset', words: 'aborted by the local host (WSAECONNABORTED 10053)' };
    case 10065: return { outcome: 'unreachable', words: 'no route to host (WSAEHOSTUNREACH 10065)' };
    case 1236: return { outcome: 'reset', words: 'aborted by the local system (ERROR_CONNECTION_ABORTED 1236)' };
    case 64: return { outcome: 'reset', words: 'the network name is no longer available (ERROR_NETNAME_DELETED 64)' };
    default: return { words: `Windows error ${code}` };
  }
}

function iisParser(): LineParser {
  let fields: string[] = [];
  return {
    parse(raw) {
      if (raw.startsWith('#')) {
        const m = /^#Fields:\s*(.*)$/.exec(raw);
        if (m) fields = String(m[1]).trim().split(/\s+/);
        return undefined;
      }
      if (fields.length === 0) return undefined;
      const values = raw.trim().split(' ');
      if (values.length < fields.length) return undefined;
      const get = (name: string): string | undefined => {
        const index = fields.indexOf(name);
        const value = index >= 0 ? values[index] : undefined;
        return value === undefined || value === '-' ? undefined : value;
      };
      const date = get('date');
      const clock = get('time');
      const time = date && clock ? parseIsoLike(`${date} ${clock}`, true) : undefined;
      const clientHost = get('c-ip');
      const serverHost = get('s-ip');
      const key = get('x-session') ?? `${clientHost}:${get('c-port')}`;
      const method = get('cs-method') ?? '';
      const uri = get('cs-uri-stem');
      const status = Number(get('sc-status') ?? NaN);
      const win32 = Number(get('sc-win32-status') ?? 0);
      const client = clientHost ? endpoint(normalizeAddress(clientHost), get('c-port') ?? 0) : undefined;
      const server = serverHost ? endpoint(normalizeAddress(serverHost), get('s-port') ?? 0) : undefined;
      const items: LogItem[] = [];
      if (method === 'ControlChannelOpened') {
        items.push({ type: 'connect', role: 'control', outcome: 'connected', ...(client ? { from: client } : {}), ...(server ? { to: server } : {}) });
        items.push({ type: 'endpoints', ...(client ? { client } : {}), ...(server ? { server } : {}) });
      } else if (method === 'ControlChannelClosed') {
        const meaning = win32Meaning(win32);
        if (meaning) items.push({ type: 'note', meaning: 'connection-lost', text: `control channel closed: ${meaning.words}` });
        items.push({ type: 'end' });
      } else if (method === 'DataChannelOpened') {
        items.push({ type: 'connect', role: 'data', outcome: 'connected', to: server ?? { host: '', port: 0 }, ...(client ? { from: client } : {}) });
      } else if (method === 'DataChannelClosed') {
        const meaning = win32Meaning(win32);
        if (meaning) items.push({ type: 'note', meaning: meaning.outcome === 'no-answer' ? 'data-timeout' : 'other', text: `data channel closed: ${meaning.words}` });
      } else if (/^[A-Za-z]{3,4}$/.test(method)) {
        items.push({ type: 'command', text: uri ? `${method} ${uri}` : method });
        if (Number.isInteger(status)) items.push(codeOnlyReply(status, 'IIS'));
        const meaning = win32Meaning(win32);
        if (meaning) {
          const data = isTransferCommand(method);
          if (data && meaning.outcome === 'no-answer') items.push({ type: 'note', meaning: 'data-timeout', text: `${method}: data connection ${meaning.words}` });
          else items.push({ type: 'note', meaning: 'other', text: `${method}: ${meaning.words}` });
        }
      }
      return { ...(time ? { time } : {}), key, items };
    },
  };
}

export const iisReader = makeLogReader({
  format: 'iis',
  description: "IIS FTP's W3C extended log (u_ex*.log, read through its #Fields: header)",
  label: 'IIS FTP log',
  vantage: 'server',
  timings: true,
  signature: (lines) => (countLines(lines, /^#Fields:.*\bcs-method\b/) > 0 && (countLines(lines, /^#Software: Microsoft Internet Information Services/) > 0 || countLines(lines, /ControlChannelOpened|DataChannelOpened|\bx-session\b/) > 0) ? 0.95 : 0),
  createParser: () => iisParser(),
  limits: [SERVER_LOG_LIMIT, 'IIS logs reply codes without their text, so a 227\'s address is not in its log'],
});
