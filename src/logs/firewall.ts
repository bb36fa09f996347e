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
import { localZoneText, parseSyslogTime, SYSLOG_TIME, type LogTime } from './time.js';

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

/** RFC 3339 with a zone, as rsyslog writes by default on Debian 12 / Ubuntu 24.04: `2026-12-05T09:05:50.173620+01:00`. */
const RFC3339_ZONED = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})\b/;

/** A line's time with its zone honoured (as UTC, ending in Z); undefined when the line states no zone. */
export function parseZonedTime(raw: string): LogTime | undefined {
  const m = RFC3339_ZONED.exec(raw);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, sec, fraction, zone] = m;
  const offset = zone === 'Z' ? 0 : (zone!.startsWith('-') ? -1 : 1) * (Number(zone!.slice(1, 3)) * 60 + Number(zone!.slice(-2)));
  const local = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(sec), fraction ? Math.floor(Number(`0.${fraction}`) * 1000) : 0);
  if (!Number.isFinite(local) || Math.abs(offset) > 14 * 60) return undefined;
  const ms = local - offset * 60_000;
  return { iso: new Date(ms).toISOString(), ms };
}

function firewallParser(year: number): LineParser {
  let zoneless = false;
  let yearless = false;
  return {
    limits() {
      const out: string[] = [];
      if (yearless) out.push(`syslog times carry no year: ${year} is assumed`);
      if (zoneless) {
        out.push(
          `these firewall times carry no zone: they are read in this machine's zone (${localZoneText()}), as explain reads every time without a zone; if the firewall's host keeps another zone, run explain with TZ set to it (e.g. TZ=Europe/Berlin), or log with zones (rsyslog's RFC 3339 format)`,
        );
      }
      return out;
    },
    parse(raw) {
      const m = PACKET.exec(raw);
      if (!m) return undefined;
      const prefix = firewallPrefix(raw);
      const meaning = firewallMeaning(prefix);
      if (!meaning) return undefined;
      const zoned = parseZonedTime(raw);
      const time: LogTime | undefined = zoned ?? parseSyslogTime(raw, year);
      if (time && !zoned) {
        zoneless = true;
        yearless ||= SYSLOG_TIME.test(raw);
      }
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
  ],
});
