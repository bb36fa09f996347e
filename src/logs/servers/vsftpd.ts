/**
 * vsftpd's own log (`vsftpd_log_file`, `log_ftp_protocol=YES`, also via syslog_enable): lines
 * `Sat Dec  5 04:59:56 2026 [pid 26850] [ftp] FTP command: Client "127.0.0.1", "PASV"`,
 * `… FTP response: Client "…", "227 …"`, `CONNECT: Client "…"`, `OK LOGIN` / `FAIL LOGIN`,
 * `OK DOWNLOAD: Client "…", "/f", 18 bytes, …`. One session changes pid at login (the pre-login
 * process, then the parent logs OK LOGIN, then the user's process takes over): the reader joins
 * them through the client address, oldest pending login first — two clients from one address
 * logging in within the same second may be swapped, which the limits say.
 */
import { normalizeAddress } from '../../ftp/address.js';
import { dataAddressOf, setBounded, type LineParser, type LogItem } from '../items.js';
import { countLines, makeLogReader, SERVER_LOG_LIMIT } from '../reader.js';
import { maskPassword } from '../redact.js';
import { localZoneText, parseCtime, parseSyslogTime } from '../time.js';
import { awaitPassivePorts } from './passive-wait.js';

export const VSFTPD_LINE = /(?:\[pid (\d+)\]|vsftpd\[(\d+)\]:)(?: \[([^\]]*)\])? (CONNECT|FTP command|FTP response|OK LOGIN|FAIL LOGIN|OK (?:DOWNLOAD|UPLOAD|MKDIR|DELETE|RENAME|RMDIR|CHMOD)|FAIL (?:DOWNLOAD|UPLOAD|MKDIR|DELETE|RENAME|RMDIR|CHMOD)): Client "([^"]*)"(?:, (.*))?$/;

interface VsftpdState {
  /** pid → session key (the session's first pid). */
  keyOf: Map<string, string>;
  /** Client address → keys of sessions that sent USER and have not logged in yet, oldest first. */
  pendingLogin: Map<string, string[]>;
  /** Session key → the last 227/229 data address offered. */
  offered: Map<string, { host: string; port: number }>;
  year: number;
}

export function vsftpdParser(year = new Date().getUTCFullYear()): LineParser {
  const state: VsftpdState = { keyOf: new Map(), pendingLogin: new Map(), offered: new Map(), year };
  let timed = false;
  return {
    // vsftpd writes its host's local time without a zone: said, with the zone it is read in, for matching it with zoned sources.
    limits: () => (timed ? [`vsftpd's times carry no zone: they are read in this machine's zone (${localZoneText()}); if the server keeps another zone, run explain with TZ set to it`] : []),
    parse(raw) {
      const m = VSFTPD_LINE.exec(raw);
      if (!m) return undefined;
      const time = parseCtime(raw) ?? parseSyslogTime(raw, state.year);
      timed ||= time !== undefined;
      const pid = String(m[1] ?? m[2]);
      const user = m[3];
      const what = String(m[4]);
      const client = normalizeAddress(String(m[5]));
      const rest = m[6] ?? '';
      const key = keyFor(state, pid, user, what, client);
      if (key === undefined) return undefined;
      const items = vsftpdItems(state, key, what, client, rest);
      return { ...(time ? { time } : {}), key, items };
    },
  };
}

function keyFor(state: VsftpdState, pid: string, user: string | undefined, what: string, client: string): string | undefined {
  if (what === 'CONNECT') {
    const key = `pid ${pid}`;
    setBounded(state.keyOf, pid, key);
    return key;
  }
  const known = state.keyOf.get(pid);
  const pending = state.pendingLogin.get(client) ?? [];
  if (what === 'OK LOGIN' || what === 'FAIL LOGIN') return pending[0] ?? known ?? `pid ${pid}`;
  if (known) return known;
  // A new pid with a user: the logged-in process of the oldest session from this address.
  const joined = user !== undefined ? pending.shift() : undefined;
  const key = joined ?? `pid ${pid}`;
  setBounded(state.keyOf, pid, key);
  return key;
}

function quoted(rest: string): string {
  const m = /^"(.*)"$/.exec(rest.trim());
  return m ? String(m[1]) : rest.trim();
}

function vsftpdItems(state: VsftpdState, key: string, what: string, client: string, rest: string): LogItem[] {
  const clientEnd = { host: client, port: 0 };
  switch (what) {
    case 'CONNECT':
      return [{ type: 'connect', role: 'control', outcome: 'connected', from: clientEnd }, { type: 'endpoints', client: clientEnd }];
    case 'FTP command': {
      const text = quoted(rest);
      const asked = /^(PORT|EPRT)\b/i.test(text) ? dataAddressOf(text) : undefined;
      if (asked) setBounded(state.offered, key, asked);
      if (/^USER\b/i.test(text)) {
        const list = state.pendingLogin.get(client) ?? [];
        if (!list.includes(key)) list.push(key);
        setBounded(state.pendingLogin, client, list.slice(-64));
      }
      return [{ type: 'command', text }];
    }
    case 'FTP response': {
      const text = quoted(rest);
      const offered = dataAddressOf(text);
      if (offered) setBounded(state.offered, key, offered);
      if (/^530\b/.test(text)) dropPending(state, client, key);
      return [{ type: 'reply-line', text }];
    }
    case 'OK LOGIN':
    case 'FAIL LOGIN': {
      if (what === 'FAIL LOGIN') dropPending(state, client, key);
      const text = `${what}: Client "${client}"${rest.replace(/anon password "[^"]*"/, (found) => `anon password "${maskPassword(found.slice(16, -1))}"`).replace(/^/, rest ? ', ' : '')}`;
      return [{ type: 'note', meaning: 'other', text }];
    }
    default: {
      const bytes = /, (\d+) bytes/.exec(rest);
      // OK DOWNLOAD/UPLOAD: a data connection carried the file. FAIL is logged after a 425 (no
      // connection at all) as after a 426 (one that broke): the replies say which, so only a note.
      if (/^OK (?:DOWNLOAD|UPLOAD)$/.test(what)) {
        const offered = state.offered.get(key);
        return [{ type: 'connect', role: 'data', outcome: 'connected', to: offered ?? { host: '', port: 0 }, ...(bytes ? { bytes: Number(bytes[1]) } : {}), ended: 'fin' }];
      }
      if (what.startsWith('FAIL')) return [{ type: 'note', meaning: 'other', text: `${what}: ${rest}` }];
      return [];
    }
  }
}

function dropPending(state: VsftpdState, client: string, key: string): void {
  const list = state.pendingLogin.get(client);
  if (list) state.pendingLogin.set(client, list.filter((pending) => pending !== key));
}

export const vsftpdReader = makeLogReader({
  format: 'vsftpd',
  description: "vsftpd's log (vsftpd_log_file with log_ftp_protocol=YES, or its syslog lines)",
  label: 'vsftpd log',
  vantage: 'server',
  timings: true,
  signature: (lines) => (countLines(lines, VSFTPD_LINE) > 0 ? 0.95 : 0),
  createParser: () => awaitPassivePorts(vsftpdParser()),
  limits: [
    SERVER_LOG_LIMIT,
    "vsftpd logs no data connections: a transfer that happened shows as its OK DOWNLOAD/UPLOAD, a passive port handed out (227/229) with no transfer command after it before the session ends (clients connect before they send LIST or RETR) as a data connection that never arrived, and one that never came after the transfer command as the 425 it answered",
    'two sessions from one client address that log in within moments may be joined the wrong way round (vsftpd changes process at login)',
  ],
});
