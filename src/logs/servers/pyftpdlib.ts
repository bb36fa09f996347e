/**
 * pyftpdlib's log (its default logging format, `python -m pyftpdlib` and servers built on it):
 * `[I 2026-12-05 04:53:55] 127.0.0.1:41630-[alice] FTP session opened (connect)`, and with DEBUG
 * `… 127.0.0.1:44900-[alice] <- PASV` (command received), `… -> 227 Entering passive mode (…)`
 * (reply sent; PASS already masked by pyftpdlib), `RETR /path completed=1 bytes=3 seconds=0.001`,
 * `FTP session closed (disconnect).`. Sessions are keyed by the client's address and port.
 */
import { normalizeAddress } from '../../ftp/address.js';
import type { Endpoint } from '../../evidence/observed.js';
import { dataAddressOf, endpoint, setBounded, type LineParser, type LogItem } from '../items.js';
import { countLines, makeLogReader, SERVER_LOG_LIMIT } from '../reader.js';
import { parseIsoLike } from '../time.js';
import { awaitPassivePorts } from './passive-wait.js';

export const PYFTPDLIB_LINE = /^\[([DIWEC]) (\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})\] \[?([0-9A-Fa-f:.]+?)\]?:(\d+)-\[([^\]]*)\] (.*)$/;

function pyftpdlibItems(message: string, client: { host: string; port: number } | undefined, offered: Map<string, Endpoint>, key: string): LogItem[] {
  let m: RegExpExecArray | null;
  if ((m = /^<- (.*)$/.exec(message))) {
    // Telnet's IAC IP before ABOR arrives as bytes that are not text.
    const text = String(m[1]).replace(/^[^\x20-\x7e]+/, '');
    const asked = /^(PORT|EPRT)\b/i.test(text) ? dataAddressOf(text) : undefined;
    if (asked) setBounded(offered, key, asked);
    return [{ type: 'command', text }];
  }
  if ((m = /^-> (.*)$/.exec(message))) {
    const address = dataAddressOf(String(m[1]));
    if (address) setBounded(offered, key, address);
    return [{ type: 'reply-line', text: String(m[1]) }];
  }
  if (/^FTP session opened/.test(message)) return [{ type: 'connect', role: 'control', outcome: 'connected', ...(client ? { from: client } : {}) }];
  if (/^FTP session closed/.test(message)) return [{ type: 'end' }];
  if ((m = /^(RETR|STOR|APPE|STOU) (.*) completed=([01]) bytes=(\d+) seconds=([\d.]+)/.exec(message))) {
    return [{ type: 'connect', role: 'data', outcome: 'connected', to: offered.get(key) ?? { host: '', port: 0 }, bytes: Number(m[4]), ended: m[3] === '1' ? 'fin' : 'reset' }];
  }
  if (/timeout|timed out/i.test(message)) return [{ type: 'note', meaning: /data/i.test(message) ? 'data-timeout' : 'control-timeout', text: message }];
  if (/^(?:USER '.*' logged in|USER '.*' failed login)/.test(message)) return [{ type: 'note', meaning: 'other', text: message }];
  return [];
}

export const pyftpdlibReader = makeLogReader({
  format: 'pyftpdlib',
  description: "pyftpdlib's log ([I date] ip:port-[user] …; commands and replies at DEBUG level)",
  label: 'pyftpdlib log',
  vantage: 'server',
  timings: true,
  signature: (lines) => (countLines(lines, PYFTPDLIB_LINE) > 0 || countLines(lines, /^\[[DI] \d{4}-\d{2}-\d{2} [\d:]+\] >>> starting FTP server on /) > 0 ? 0.95 : 0),
  createParser: (): LineParser => {
    const offered = new Map<string, Endpoint>();
    return awaitPassivePorts({
      parse(raw) {
        const m = PYFTPDLIB_LINE.exec(raw);
        if (!m) return undefined;
        const time = parseIsoLike(String(m[2]));
        const client = endpoint(normalizeAddress(String(m[3])), m[4]);
        const key = `${m[3]}:${m[4]}`;
        const items = pyftpdlibItems(String(m[6]), client, offered, key);
        if (client) items.unshift({ type: 'endpoints', client });
        return { ...(time ? { time } : {}), key, items };
      },
    });
  },
  limits: [SERVER_LOG_LIMIT, 'pyftpdlib logs commands and replies only at DEBUG level (-D); at INFO a session shows its logins and transfers'],
});
