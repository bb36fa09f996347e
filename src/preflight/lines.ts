/**
 * Line-by-line reading shared by the text parsers: each line with its 1-based number, comments
 * and blank lines left out, and the helpers that record a fact or a complaint at that line.
 */
import type { Fact, InputFacts, Where } from './model.js';

export interface NumberedLine {
  line: number;
  /** The line without its comment, trimmed. */
  text: string;
  /** The line as written (trimmed), shown in evidence. */
  raw: string;
}

const CONTINUED = /\\\s*$/;

/** The largest line count read from one file; a config file of more lines is a mistake or an attack. */
export const MAX_LINES = 100_000;

/**
 * Lines that carry something: `#` comments (at the start of a line, or after whitespace when
 * `trailingComments`) and blank lines are dropped. A backslash-continued line is joined to the
 * next and keeps the number of its first line.
 */
export function meaningfulLines(text: string, options: { trailingComments?: boolean; continuations?: boolean; comment?: RegExp } = {}): NumberedLine[] {
  const all = text.split(/\r?\n/).slice(0, MAX_LINES);
  const out: NumberedLine[] = [];
  const comment = options.comment ?? /^\s*#/;
  for (let index = 0; index < all.length; index += 1) {
    let raw = all[index] ?? '';
    const line = index + 1;
    if (options.continuations && CONTINUED.test(raw)) {
      // Parts joined once: re-joining (and re-searching) the growing line for each of 100,000
      // continued lines is quadratic.
      const parts: string[] = [];
      while (CONTINUED.test(raw) && index + 1 < all.length) {
        parts.push(raw.replace(CONTINUED, ' '));
        index += 1;
        raw = all[index] ?? '';
      }
      raw = `${parts.join('')}${raw}`;
    }
    if (comment.test(raw) || raw.trim() === '') continue;
    const text = options.trailingComments ? withoutTrailingComment(raw).trim() : raw.trim();
    if (text === '') continue;
    out.push({ line, text, raw: redactCredentialLine(raw.trim().replace(/\s+/g, ' ')) });
  }
  return out;
}

/**
 * The line up to a `#` that follows whitespace. Not `/\s+#.*$/`: that retries every run of
 * spaces to its end, and a 64 KiB line of spaces took seconds (a 1 MiB file of them, minutes).
 */
function withoutTrailingComment(raw: string): string {
  for (let hash = raw.indexOf('#'); hash !== -1; hash = raw.indexOf('#', hash + 1)) {
    if (hash > 0 && /\s/.test(raw[hash - 1] ?? '')) return raw.slice(0, hash);
  }
  return raw;
}

export function whereOf(file: string, line: NumberedLine | number, text?: string): Where {
  if (typeof line === 'number') return { file, line, text: text ?? '' };
  return { file, line: line.line, text: text ?? line.raw };
}

export function fact<T>(value: T, at: Where): Fact<T> {
  return { value, at };
}

export function complain(facts: InputFacts, at: Where, reason: string): void {
  facts.notUnderstood.push({ at, reason });
}

/** The 1-based line of a character offset. */
export function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let index = 0; index < offset && index < text.length; index += 1) if (text.charCodeAt(index) === 10) line += 1;
  return line;
}

/** YES/NO/TRUE/FALSE/ON/OFF/1/0 as vsftpd and friends accept them; undefined when neither. */
export function yesNo(value: string): boolean | undefined {
  const word = value.trim().toLowerCase();
  if (['yes', 'true', 'on', '1'].includes(word)) return true;
  if (['no', 'false', 'off', '0'].includes(word)) return false;
  return undefined;
}

/**
 * Directives whose arguments hold a credential: ProFTPD's SQLConnectInfo (db user password),
 * SQLNamedConnectInfo, LDAPBindDN (dn password), RadiusAuthServer/RadiusAcctServer (host secret);
 * Pure-FTPd's MYSQLPassword, PGSQLPassword, LDAPBindPW; any name with password, passwd or secret.
 */
const CREDENTIAL_NAME = /password|passwd|secret|connectinfo|binddn|bindpw|radius(?:auth|acct)server/i;
/** `Name value`, `Name=value`, `Name: value`: one pass, no backtracking over a long first word. */
const DIRECTIVE = /^([A-Za-z][\w.-]*)(\s*[=:]\s*|\s+)(\S.*)$/;

/** A line setting a credential, shown as its name and *** (a line not understood is quoted in reports). */
export function redactCredentialLine(line: string): string {
  const match = DIRECTIVE.exec(line);
  if (!match || !CREDENTIAL_NAME.test(match[1] ?? '')) return line;
  return `${match[1]}${match[2]}***`;
}

/** Environment names whose values are credentials: never kept in a fact or shown in evidence. */
export const SECRET_NAME = /PASS|PASSWORD|SECRET|TOKEN|KEY|^USERS$|CREDENTIAL/i;

/** `NAME=value` (and `NAME: value`) with a credential name: the value replaced by ***. */
export function redactAssignments(text: string): string {
  return text.replace(/([A-Za-z_][A-Za-z0-9_]*)(\s*[=:]\s*)("[^"]*"|'[^']*'|[^\s"',\]}]+)/g, (whole, name: string, sep: string) => (SECRET_NAME.test(name) ? `${name}${sep}***` : whole));
}

/**
 * A shell command line split into words as sh would (quotes, backslashes), without expansion:
 * `$VAR` stays as written. Good enough for the docker and pure-ftpd lines of scripts and CMDs.
 */
export function shellWords(text: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index] ?? '';
    if (quote) {
      if (char === quote) quote = undefined;
      else if (char === '\\' && quote === '"' && index + 1 < text.length) word += text[(index += 1)];
      else word += char;
      continue;
    }
    if (char === '"' || char === "'") {
      quote = char;
      inWord = true;
    } else if (char === '\\' && index + 1 < text.length) {
      word += text[(index += 1)];
      inWord = true;
    } else if (/\s/.test(char)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else if (char === ';' || char === '|' || char === '&') {
      if (inWord) words.push(word);
      words.push(char);
      word = '';
      inWord = false;
    } else {
      word += char;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}
