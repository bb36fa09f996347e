/**
 * Pure listing formats: LIST (the `ls -l` lines every client parses), NLST (names), and the
 * machine-readable MLSD/MLST facts of RFC 3659. Times are UTC, as RFC 3659 requires.
 */
import type { FileEntry } from './filesystem/vfs.js';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const HALF_YEAR_MS = 182 * 24 * 3600 * 1000;

const pad = (value: number, width = 2): string => String(value).padStart(width, '0');

/** `ls -l` date column: "Jan 05 13:07" within half a year of now, else "Jan 05  2023". */
export function formatListDate(date: Date, now: Date): string {
  const month = MONTHS[date.getUTCMonth()] ?? 'Jan';
  const day = pad(date.getUTCDate());
  const recent = Math.abs(now.getTime() - date.getTime()) < HALF_YEAR_MS;
  return recent ? `${month} ${day} ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}` : `${month} ${day}  ${date.getUTCFullYear()}`;
}

export function formatListLine(entry: FileEntry, now: Date): string {
  const mode = entry.type === 'dir' ? 'drwxr-xr-x' : '-rw-r--r--';
  const links = entry.type === 'dir' ? 2 : 1;
  return `${mode} ${links} ftp ftp ${String(entry.size).padStart(12)} ${formatListDate(entry.modified, now)} ${entry.name}`;
}

/** LIST output, CRLF-terminated lines as clients expect on the wire. */
export function formatList(entries: FileEntry[], now: Date): string {
  return entries.map((entry) => `${formatListLine(entry, now)}\r\n`).join('');
}

export function formatNameList(entries: FileEntry[]): string {
  return entries.map((entry) => `${entry.name}\r\n`).join('');
}

/** RFC 3659 time-val: YYYYMMDDHHMMSS in UTC (MDTM and the modify fact). */
export function formatTimeVal(date: Date): string {
  return `${date.getUTCFullYear()}${pad(date.getUTCMonth() + 1)}${pad(date.getUTCDate())}${pad(date.getUTCHours())}${pad(date.getUTCMinutes())}${pad(date.getUTCSeconds())}`;
}

export function formatFacts(entry: FileEntry, typeOverride?: 'cdir'): string {
  const facts = [`type=${typeOverride ?? entry.type}`];
  if (entry.type === 'file') facts.push(`size=${entry.size}`);
  facts.push(`modify=${formatTimeVal(entry.modified)}`);
  facts.push(`perm=${entry.type === 'dir' ? 'el' : 'r'}`);
  return `${facts.join(';')}; ${entry.name}`;
}

export function formatMlsd(entries: FileEntry[]): string {
  return entries.map((entry) => `${formatFacts(entry)}\r\n`).join('');
}
