/**
 * Timestamps as logs write them, turned into one ISO 8601 form (no zone unless the log states it:
 * a log's local time stays local) and milliseconds for ordering and gaps. Pure.
 */

export interface LogTime {
  /** ISO 8601 without zone (or with Z when the format is UTC by definition, e.g. IIS). */
  iso: string;
  /** Milliseconds for comparing times within one file (the zone does not matter there). */
  ms: number;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const pad = (value: number, width = 2): string => String(value).padStart(width, '0');

export function makeTime(year: number, month: number, day: number, hour: number, minute: number, second: number, millis = 0, utc = false): LogTime | undefined {
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return undefined;
  const ms = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  if (!Number.isFinite(ms)) return undefined;
  const fraction = millis ? `.${pad(millis, 3)}` : '';
  return { iso: `${pad(year, 4)}-${pad(month)}-${pad(day)}T${pad(hour)}:${pad(minute)}:${pad(second)}${fraction}${utc ? 'Z' : ''}`, ms };
}

const millisOf = (fraction: string | undefined): number => (fraction ? Math.round(Number(`0.${fraction}`) * 1000) : 0);

/** `2024-01-05 10:11:12`, `2024-01-05T10:11:12.345`, `2024/01/05 10:11:12,345` anywhere in the text. */
export const ISO_LIKE = /(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})[T ](\d{1,2}):(\d{2}):(\d{2})(?:[.,](\d{1,6}))?(Z)?/;

export function parseIsoLike(text: string, utc = false): LogTime | undefined {
  const m = ISO_LIKE.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, f, z] = m;
  return makeTime(Number(y), Number(mo), Number(d), Number(h), Number(mi), Number(s), millisOf(f), utc || z === 'Z');
}

/** vsftpd and ctime: `Sat Dec  5 04:53:53 2026`. */
export const CTIME = /(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +(\d{1,2}) (\d{2}):(\d{2}):(\d{2}) (\d{4})/;

export function parseCtime(text: string): LogTime | undefined {
  const m = CTIME.exec(text);
  if (!m) return undefined;
  const [, mon, d, h, mi, s, y] = m;
  return makeTime(Number(y), MONTHS.indexOf(String(mon).toLowerCase()) + 1, Number(d), Number(h), Number(mi), Number(s));
}

/** syslog: `Dec  5 04:53:53` (no year: the caller supplies one, and says so in its limits). */
export const SYSLOG_TIME = /^(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +(\d{1,2}) (\d{2}):(\d{2}):(\d{2})/;

export function parseSyslogTime(text: string, year: number): LogTime | undefined {
  const m = SYSLOG_TIME.exec(text);
  if (!m) return parseIsoLike(text.slice(0, 40));
  const [, mon, d, h, mi, s] = m;
  return makeTime(year, MONTHS.indexOf(String(mon).toLowerCase()) + 1, Number(d), Number(h), Number(mi), Number(s));
}

/** Apache/ProFTPD: `[05/Dec/2026:04:53:53 +0000]`. */
export const CLF_TIME = /\[(\d{2})\/(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\/(\d{4}):(\d{2}):(\d{2}):(\d{2})(?: ([+-]\d{4}))?\]/;

export function parseClfTime(text: string): LogTime | undefined {
  const m = CLF_TIME.exec(text);
  if (!m) return undefined;
  const [, d, mon, y, h, mi, s] = m;
  return makeTime(Number(y), MONTHS.indexOf(String(mon).toLowerCase()) + 1, Number(d), Number(h), Number(mi), Number(s));
}

/** `10:11:12` or `10:11:12.345` (a clock without a date: FileZilla Server 0.9's lines, some client logs). */
export function parseClock(text: string): LogTime | undefined {
  const m = /\b(\d{1,2}):(\d{2}):(\d{2})(?:[.,](\d{1,6}))?\b/.exec(text);
  if (!m) return undefined;
  const [, h, mi, s, f] = m;
  const time = makeTime(1970, 1, 1, Number(h), Number(mi), Number(s), millisOf(f));
  return time && { iso: time.iso.slice(11), ms: time.ms };
}

/**
 * The zone times without one are read in: this machine's, as explain reads every time without a
 * zone (Date.parse of a local time), named for the limits: "Europe/Berlin, UTC+01:00".
 */
export function localZoneText(at = new Date()): string {
  const name = Intl.DateTimeFormat().resolvedOptions().timeZone || 'unknown';
  const minutes = -at.getTimezoneOffset();
  const abs = Math.abs(minutes);
  return `${name}, UTC${minutes < 0 ? '-' : '+'}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}
