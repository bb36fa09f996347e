/**
 * ProFTPD, written from its documented formats (it is not installed here):
 * - the system log (syslog or SystemLog): `proftpd[1234] host (203.0.113.9[203.0.113.9]): FTP
 *   session opened.`, `Passive data transfer failed, possibly due to network issues`, `Data
 *   transfer stall timeout: 300 seconds`, `Refused PORT 192,168,1,10,195,80 (address mismatch)`;
 * - its debug output (DebugLevel, `proftpd -nd10`): `dispatching CMD command 'PASV' to mod_core`,
 *   PASS shown as `PASS (hidden)`;
 * - ExtendedLog with the default format `%h %l %u %t "%r" %s %b`: `203.0.113.9 UNKNOWN bob
 *   [05/Dec/2026:04:53:53 +0000] "PASV" 227 -` (a command and its reply code, no reply text).
 */
import { normalizeAddress } from '../../ftp/address.js';
import { codeOnlyReply, dataAddressOf, setBounded, type LineParser, type LogItem } from '../items.js';
import { countLines, makeLogReader, SERVER_LOG_LIMIT } from '../reader.js';
import { parseClfTime, parseSyslogTime } from '../time.js';
import { awaitPassivePorts } from './passive-wait.js';

const SYSTEM_LINE = /proftpd\[(\d+)\][: ]\s*\S* \(([^)[]*)\[([^\]]*)\]\):? (.*)$/;
const EXTENDED_LINE = /^(\S+) (\S+) (\S+) \[[^\]]+\] "([^"]*)" (\d{3}) (\S+)/;

/** What the system log showed of one session (pid): its commands (debug output) and the data port last offered. */
interface SessionSeen {
  commands: boolean;
  offeredPort?: number;
}

const PASSIVE_FAILED_LIMIT =
  "ProFTPD's system log without debug output logs no commands: a \"Passive data transfer failed\" line is read as a passive mode command (PASV or EPSV, which one is not logged) whose data connection ProFTPD waited for in vain";

function systemItems(message: string, client: string, seen: SessionSeen): LogItem[] {
  let m: RegExpExecArray | null;
  if (/^FTP session opened/.test(message)) return [{ type: 'connect', role: 'control', outcome: 'connected', from: { host: client, port: 0 } }, { type: 'endpoints', client: { host: client, port: 0 } }];
  if (/^FTP session closed/.test(message)) return [{ type: 'end' }];
  if ((m = /^dispatching CMD command '(.*)' to /.exec(message))) return [{ type: 'command', text: String(m[1]) }];
  if ((m = /(?:sending |^)response(?: to [^:]*)?: '?(\d{3}[ -].*?)'?$/i.exec(message))) return [{ type: 'reply-line', text: String(m[1]) }];
  if (/Passive data transfer failed/i.test(message)) {
    // ProFTPD says this after waiting out the data connection of a passive transfer: that connection never arrived.
    const items: LogItem[] = seen.commands ? [] : [{ type: 'command', text: 'PASV' }];
    if (seen.offeredPort) items.push({ type: 'connect', role: 'data', openedBy: 'client', to: { host: '', port: seen.offeredPort }, outcome: 'no-answer' });
    return [...items, { type: 'note', meaning: 'data-timeout', text: message }];
  }
  if (/Unable to (?:connect|accept) data connection|data connection.*(?:timed out|failed)/i.test(message)) return [{ type: 'note', meaning: 'data-timeout', text: message }];
  if (/stall timeout|no transfer timeout|idle timeout|login timed out/i.test(message)) return [{ type: 'note', meaning: 'control-timeout', text: message }];
  if (/Refused PORT|Refused EPRT|Login failed|Login successful|no such user|Incorrect password|MasqueradeAddress|PassivePorts/i.test(message)) return [{ type: 'note', meaning: 'other', text: message }];
  return [];
}

function proftpdParser(year: number): LineParser {
  const sessions = new Map<string, SessionSeen>();
  let extendedSeen = false;
  let passiveFailedRead = false;
  return {
    parse(raw) {
      const system = SYSTEM_LINE.exec(raw);
      if (system) {
        const time = parseSyslogTime(raw, year);
        const client = normalizeAddress(String(system[3]));
        const key = `pid ${system[1]}`;
        const message = String(system[4]);
        if (/^FTP session opened/.test(message)) sessions.delete(key);
        const seen = sessions.get(key) ?? { commands: false };
        const items = systemItems(message, client, seen);
        for (const item of items) {
          if (item.type === 'command' && item.text !== 'PASV') seen.commands = true;
          if (item.type === 'command' && item.text === 'PASV' && !seen.commands) passiveFailedRead = true;
          const offered = item.type === 'reply-line' ? dataAddressOf(item.text) : undefined;
          if (offered) seen.offeredPort = offered.port;
        }
        setBounded(sessions, key, seen);
        return { ...(time ? { time } : {}), key, items };
      }
      const extended = EXTENDED_LINE.exec(raw);
      if (extended) {
        extendedSeen = true;
        const time = parseClfTime(raw);
        const request = String(extended[4]);
        const items: LogItem[] = [];
        if (/^[A-Za-z]{3,4}\b/.test(request)) items.push({ type: 'command', text: request }, codeOnlyReply(Number(extended[5]), "ProFTPD's ExtendedLog"));
        if (/^QUIT\b/i.test(request)) items.push({ type: 'end' });
        return { ...(time ? { time } : {}), key: normalizeAddress(String(extended[1])), items };
      }
      return undefined;
    },
    limits: () => [
      ...(extendedSeen ? ["ProFTPD's ExtendedLog keys sessions by client address only (two sessions from one address are merged) and has no reply text"] : []),
      ...(passiveFailedRead ? [PASSIVE_FAILED_LIMIT] : []),
    ],
  };
}

export const proftpdReader = makeLogReader({
  format: 'proftpd',
  description: "ProFTPD's system log, debug output or ExtendedLog (default format)",
  label: 'ProFTPD log',
  vantage: 'server',
  timings: true,
  signature: (lines) => (countLines(lines, SYSTEM_LINE) > 0 ? 0.9 : countLines(lines, /^\S+ \S+ \S+ \[\d{2}\/\w{3}\/\d{4}:[\d:]+ [+-]\d{4}\] "(?:USER|PASS|PASV|EPSV|LIST|RETR|STOR|QUIT|PORT|MLSD|CWD|TYPE)\b/) > 0 ? 0.8 : 0),
  createParser: () => awaitPassivePorts(proftpdParser(new Date().getUTCFullYear())),
  limits: [SERVER_LOG_LIMIT],
});
