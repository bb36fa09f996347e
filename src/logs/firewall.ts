/**
 * Firewall logs beside an FTP log: the kernel's LOG/nftables `log` lines as syslog, journald or
 * dmesg show them (`IN=eth0 OUT= SRC=… DST=… PROTO=TCP SPT=… DPT=… … SYN`), ufw's `[UFW BLOCK]`,
 * firewalld's `FINAL_REJECT:` / `filter_IN_public_REJECT:` / `_DROP:` prefixes. Each drop or
 * reject becomes a path event (from/to endpoints, time, line) for the lead's correlation with data
 * connections; lines whose prefix says ALLOW/ACCEPT/AUDIT are not drops and are left out.
 */
import type { ObservedNote } from '../evidence/observed.js';
import { endpoint, type LineParser } from './items.js';
import { countLines, makeLogReader } from './reader.js';
import { parseSyslogTime, type LogTime } from './time.js';

const PACKET = /\bIN=(\S*) OUT=(\S*) .*?\bSRC=([0-9A-Fa-f:.]+) DST=([0-9A-Fa-f:.]+)\b.*?\bPROTO=(\w+)(?:.*?\bSPT=(\d+) DPT=(\d+))?/;

/** The log prefix: what stands between `kernel:` (and dmesg's `[123.456]`) and `IN=`. */
export function firewallPrefix(line: string): string {
  const before = line.slice(0, line.indexOf(' IN=') + 1);
  return before.replace(/^.*?kernel:\s*/, '').replace(/^\[\s*\d+\.\d+\]\s*/, '').trim();
}

export function firewallMeaning(prefix: string): ObservedNote['meaning'] | undefined {
  if (/ALLOW|ACCEPT|AUDIT|LIMIT/i.test(prefix) && !/BLOCK|DROP|REJECT|DENY/i.test(prefix)) return undefined;
  if (/REJECT/i.test(prefix)) return 'firewall-reject';
  return 'firewall-drop';
}

function firewallParser(year: number): LineParser {
  return {
    parse(raw) {
      const m = PACKET.exec(raw);
      if (!m) return undefined;
      const prefix = firewallPrefix(raw);
      const meaning = firewallMeaning(prefix);
      if (!meaning) return undefined;
      const time: LogTime | undefined = parseSyslogTime(raw, year);
      const from = endpoint(m[3], m[6] ?? 0);
      const to = endpoint(m[4], m[7] ?? 0);
      const flags = ['SYN', 'ACK', 'RST', 'FIN'].filter((flag) => new RegExp(`\\b${flag}\\b`).test(raw.slice(raw.indexOf('PROTO='))));
      const text = `${prefix || 'LOG'} ${m[5]} ${m[3]}:${m[6] ?? '-'} → ${m[4]}:${m[7] ?? '-'}${flags.length ? ` ${flags.join(',')}` : ''}${m[1] ? ` in ${m[1]}` : ''}${m[2] ? ` out ${m[2]}` : ''}`;
      return { ...(time ? { time } : {}), items: [{ type: 'note', meaning, text, ...(to ? { to } : {}), ...(from ? { from } : {}) }] };
    },
  };
}

export const firewallReader = makeLogReader({
  format: 'firewall',
  description: 'iptables/nftables LOG lines, ufw ([UFW BLOCK]) and firewalld drops, from syslog, journald or dmesg',
  label: 'firewall log',
  vantage: 'path',
  timings: true,
  pathOnly: true,
  signature: (lines) => (countLines(lines, PACKET) > 0 ? 0.9 : 0),
  createParser: () => firewallParser(new Date().getUTCFullYear()),
  limits: [
    'a firewall log shows only what its rules chose to log: a drop by a rule without LOG leaves no line',
    'syslog times carry no year or zone: the current year is assumed and times are the host\'s local time',
  ],
});
