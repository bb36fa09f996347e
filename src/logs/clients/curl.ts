/**
 * curl -v (and --trace-time): `> PASV`, `< 227 …`, `*   Trying 10.0.0.5:50123...`, `* Connecting to
 * h (ip) port p`, `* connect to ip port p failed: Connection refused`, `* Connection timed out
 * after 20000 milliseconds`, `* Skip 10.0.0.5 for data connection, re-use 203.0.113.5 instead`.
 * The progress meter that -v prints on the same stream is cut off a line's start.
 */
import type { Endpoint } from '../../evidence/observed.js';
import { dataAddressOf, endpoint, isModeCommand, isTransferCommand, type LineParser, type LogItem } from '../items.js';
import { CLIENT_LOG_LIMIT, countLines, makeLogReader } from '../reader.js';
import { leadingTime, outcomeOf } from './words.js';

const PROGRESS = /^.*?--:--:--\s+\S+\s*(?=[*<>{}] )|^\s*\d+\s+[\d.]+[kMG]?\s+\d+\s+[\d.]+[kMG]?.*?\s+[\d.]+[kMG]?\s*(?=[*<>{}] )/;

function curlParser(): LineParser {
  let dataPhase = false;
  /** Where the client listens in active mode (its PORT/EPRT), for the connection the server makes. */
  let listening: Endpoint | undefined;
  /**
   * A data connection curl announced ("Connecting to … port p") but has not dialled yet: curl
   * dials at "Trying ip:p...". A connect timeout already spent on an earlier attempt makes curl
   * give up between the two, so the announcement alone is no connection attempt.
   */
  let announced: Endpoint | undefined;
  return {
    parse(raw) {
      // The meter redraws itself with CRs on one line: what curl printed after it is past the last CR.
      const { time, rest } = leadingTime(raw.slice(raw.lastIndexOf('\r') + 1).replace(PROGRESS, ''));
      let items = curlItems(rest, dataPhase);
      const first = items[0];
      if (first?.type === 'connect' && first.role === 'data' && first.openedBy === 'client') {
        announced = first.to;
        dataPhase = true;
        items = [];
      } else if (announced && first?.type === 'connect' && !first.role) {
        items = [{ ...first, role: 'data', openedBy: 'client', ...(first.to ? {} : { to: announced }) }];
        announced = undefined;
      } else if (announced && first?.type === 'note' && first.meaning === 'data-timeout') {
        items = [{ type: 'note', meaning: 'other', text: `${first.text} (curl gave up before dialling ${announced.host}:${announced.port}: its connect timeout was already spent)` }];
        announced = undefined;
      } else if (first?.type === 'connect' && !first.role) {
        // A "Trying host:port..." curl did not announce as a data connection is a control connection:
        // a new curl run when logs are concatenated (`cat a.log b.log`), a new session.
        items = [{ ...first, role: 'control' }];
        dataPhase = false;
        listening = undefined;
      } else if (announced && first?.type === 'connect-result') {
        items = [{ type: 'connect', role: 'data', openedBy: 'client', to: announced }, ...items];
        announced = undefined;
      }
      for (const item of items) {
        if (item.type === 'command' && /^(PORT|EPRT)\b/i.test(item.text)) listening = dataAddressOf(item.text);
      }
      if (/^\* Connection accepted from server/.test(rest) && listening) {
        items.push({ type: 'connect', role: 'data', openedBy: 'server', outcome: 'connected', to: listening });
      }
      if (items.some((item) => item.type === 'connect' && item.role === 'data')) dataPhase = true;
      if (items.some((item) => item.type === 'command' && isModeCommand(item.text))) dataPhase = false;
      // After the transfer command the data connection is what curl waits for (active mode: the server's connection back).
      if (items.some((item) => item.type === 'command' && isTransferCommand(item.text))) dataPhase = true;
      return { ...(time ? { time } : {}), items };
    },
  };
}

function curlItems(text: string, dataPhase: boolean): LogItem[] {
  let m: RegExpExecArray | null;
  if ((m = /^> (.*)$/.exec(text))) return [{ type: 'command', text: String(m[1]) }];
  if ((m = /^< (.*)$/.exec(text))) return [{ type: 'reply-line', text: String(m[1]) }];
  if (!text.startsWith('* ')) return [];
  const said = text.slice(2).trim();
  if ((m = /^Connecting to \S+ \(([^)]+)\) port (\d+)/.exec(said))) {
    const to = endpoint(m[1], m[2]);
    return [{ type: 'connect', role: 'data', openedBy: 'client', ...(to ? { to } : {}) }];
  }
  if ((m = /^Trying \[?([0-9A-Fa-f:.]+?)\]?:(\d+)\.\.\./.exec(said))) {
    const to = endpoint(m[1], m[2]);
    return [{ type: 'connect', ...(to ? { to } : {}) }];
  }
  if (/^Connected (?:2nd connection )?to /.test(said)) return [{ type: 'connect-result', outcome: 'connected' }];
  if ((m = /^(?:connect to|Immediate connect fail for) \[?([0-9A-Fa-f:.]+?)\]? port (\d+)(?: failed)?: (.*)$/i.exec(said))) {
    const to = endpoint(m[1], m[2]);
    return [{ type: 'connect-result', outcome: outcomeOf(String(m[3])) ?? 'unknown', ...(to ? { to } : {}) }];
  }
  // --connect-timeout spent on one address family: `ipv4 connect timeout after 1974ms, move on!` (a silent drop, not a refusal).
  if ((m = /^ipv[46] connect timeout after (\d+) ?ms\b/i.exec(said))) {
    return [{ type: 'note', meaning: dataPhase ? 'data-timeout' : 'control-timeout', text: said, waitedMs: Number(m[1]) }];
  }
  // `Failed to connect to 127.0.0.1 port 21 after 2001 ms: Couldn't connect to server`: curl names the control port
  // even for a data connection, and "Couldn't connect" says nothing of how; only a reason in words settles the attempt.
  if ((m = /^Failed to connect to \S+ port \d+ after (\d+) ms: (.*)$/.exec(said))) {
    const outcome = outcomeOf(String(m[2]));
    return outcome ? [{ type: 'connect-result', outcome }] : [];
  }
  // curl replaces every 227 address (--ftp-skip-pasv-ip is on by default): a replacement only when it differs.
  if ((m = /^Skip (\S+) for data connection, re-use (\S+) instead/.exec(said))) return [{ type: 'note', meaning: m[1] === m[2] ? 'other' : 'unroutable-replaced', text: said }];
  // "Connection timed out after 20000 milliseconds" (7.x), "Connection timeout after 5000 ms" (8.x), "Connection time-out".
  if (/^(?:Connection|Operation) (?:timed out|timeout|time-out)\b|^Accept timeout occurred|^FTP response timeout/i.test(said)) {
    const data = dataPhase || /Accept timeout/i.test(said);
    const waited = /after (\d+) (?:ms|milliseconds)\b/i.exec(said);
    return [{ type: 'note', meaning: data ? 'data-timeout' : 'control-timeout', text: said, ...(waited ? { waitedMs: Number(waited[1]) } : {}) }];
  }
  if (/^(?:Recv failure|Send failure): /.test(said)) return [{ type: 'note', meaning: 'connection-lost', text: said }];
  if (/^(?:SSL|TLS) connection using /.test(said)) return [{ type: 'tls', channel: dataPhase ? 'data' : 'control', handshake: 'ok', detail: said }];
  if (/^(?:SSL certificate problem|OpenSSL SSL_connect|TLS connect error|schannel: )/i.test(said)) return [{ type: 'tls', channel: dataPhase ? 'data' : 'control', handshake: 'failed', detail: said }];
  if (/^Doing the SSL\/TLS handshake on the data stream/.test(said)) return [{ type: 'tls', channel: 'data', handshake: 'seen', detail: said }];
  if (/^Closing connection/.test(said)) return [{ type: 'end' }];
  return [];
}

export const curlReader = makeLogReader({
  format: 'curl',
  description: 'curl -v (or --trace-time) output of an ftp:// or ftps:// transfer',
  label: 'curl -v log',
  vantage: 'client',
  timings: false,
  signature: (lines) =>
    countLines(lines, /^(?:.*--:--:--\s+\S+\s*)?(?:[\d:.]+ )?\*\s+(?:Trying \S+\.\.\.|Connected to |Connecting to |Entry path is|Connect data stream)/) > 0 &&
    countLines(lines, /^(?:[\d:.]+ )?[<>] \S/) > 0
      ? 0.85
      : 0,
  createParser: () => curlParser(),
  limits: [CLIENT_LOG_LIMIT, 'curl -v writes no times unless --trace-time was given'],
});
