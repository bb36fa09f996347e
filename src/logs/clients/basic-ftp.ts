/**
 * basic-ftp (Node) with `client.ftp.verbose = true`: `Connected to 127.0.0.1:21 (No encryption)`,
 * `> PASV`, `< 227 …` (a reply chunk as received: its continuation lines carry no prefix), `Login
 * security: …`, `Trying to find optimal transfer strategy...`. The data connection is not logged;
 * its failure reaches only the caller's exception ("Can't open data connection in passive mode:
 * connect ECONNREFUSED 127.0.0.1:48195"), which the reader reads when it is pasted below.
 */
import { endpoint, parseHostPort, type LineParser, type LogItem } from '../items.js';
import { CLIENT_LOG_LIMIT, countLines, makeLogReader } from '../reader.js';
import { outcomeOf } from './words.js';

function basicFtpItems(text: string): LogItem[] {
  let m: RegExpExecArray | null;
  if ((m = /^> (.*)$/.exec(text))) return [{ type: 'command', text: String(m[1]) }];
  if ((m = /^< (.*)$/.exec(text))) return [{ type: 'reply-line', text: String(m[1]) }];
  if ((m = /^Connected to (\S+) \((.*)\)$/.exec(text))) {
    const to = parseHostPort(String(m[1]));
    const items: LogItem[] = [{ type: 'connect', role: 'control', outcome: 'connected', ...(to ? { to } : {}) }];
    if (/TLS/i.test(String(m[2]))) items.push({ type: 'tls', channel: 'control', handshake: 'ok', detail: String(m[2]) });
    return items;
  }
  if ((m = /data connection in (?:passive|active) mode: (?:connect )?(\w+) \[?([0-9A-Fa-f:.]+?)\]?:(\d+)/.exec(text))) {
    const to = endpoint(m[2], m[3]);
    const outcome = outcomeOf(String(m[1])) ?? 'unknown';
    const items: LogItem[] = [{ type: 'connect', role: 'data', openedBy: 'client', outcome, ...(to ? { to } : {}) }];
    if (outcome === 'no-answer') items.push({ type: 'note', meaning: 'data-timeout', text });
    return items;
  }
  if (/^(?:Error: )?Timeout \(control socket\)/i.test(text)) return [{ type: 'note', meaning: 'control-timeout', text }];
  if (/^(?:Error: )?Timeout \(data socket\)/i.test(text)) return [{ type: 'note', meaning: 'data-timeout', text }];
  if (/^(?:Error: )?Server sent FIN packet unexpectedly|ECONNRESET/.test(text)) return [{ type: 'note', meaning: 'connection-lost', text }];
  // A reply's continuation lines come without a prefix.
  return text.trim() === '' ? [] : [{ type: 'reply-line', text }];
}

export const basicFtpReader = makeLogReader({
  format: 'basic-ftp',
  description: "basic-ftp's verbose log (client.ftp.verbose = true)",
  label: 'basic-ftp verbose log',
  vantage: 'client',
  timings: false,
  signature: (lines) =>
    countLines(lines, /^Connected to \S+ \((?:No encryption|.*TLS.*)\)$|^Login security: |^Trying to find optimal transfer strategy/) > 0 ? 0.9 : 0,
  createParser: (): LineParser => ({ parse: (text) => ({ items: basicFtpItems(text) }) }),
  limits: [CLIENT_LOG_LIMIT, "basic-ftp's verbose log does not show data connections; their failures appear only in the error the program printed"],
});
