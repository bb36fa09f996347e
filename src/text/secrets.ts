/**
 * The passwords this process knows, and their removal from any text it outputs. Shapes are not
 * enough (`PASS x`, `user:x@host`, `USER name:x@host`): a server can quote the password back in any reply
 * (`530 bad password secret123`), and from there it would reach every report format, the CI
 * annotations and the terminal. So whoever learns a password remembers it here — the target
 * parser for probe/sweep/check, `serve` for its users — and the two choke points every output
 * passes through (`sanitizeReport` for reports, the CLI's guarded stdout/stderr for messages,
 * logs and the progress line) replace it wherever it appears.
 *
 * Process-wide on purpose: a password must be hidden from every output of the process, including
 * renderers that were never handed it.
 */

export const REDACTED = '***';

/**
 * Shorter passwords are not searched for in free text: replacing every "ab" would make reports
 * unreadable. They are still hidden where their shape gives them away (URLs, PASS lines).
 */
export const MIN_SECRET_LENGTH = 3;

const secrets = new Set<string>();
let pattern: RegExp | undefined;

/**
 * Remembers a password so that no later output shows it. Undefined, empty and too-short values are
 * ignored. Both Unicode normalisation forms are remembered: a server on a file system that stores
 * names decomposed (NFD) gives back "cafe\u0301" for a password typed "caf\u00e9" (NFC).
 */
export function rememberSecret(secret: string | undefined): void {
  if (secret === undefined || [...secret].length < MIN_SECRET_LENGTH) return;
  for (const form of new Set([secret, secret.normalize('NFC'), secret.normalize('NFD')])) {
    if (secrets.has(form)) continue;
    secrets.add(form);
    pattern = undefined;
  }
}

/** For tests: forget every remembered password. */
export function forgetSecrets(): void {
  secrets.clear();
  pattern = undefined;
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');

/** `%2f`, `%2F` (the pattern ignores case) and the double-encoded `%252F`. */
function percentByte(byte: number): string {
  return `%(?:25)?${byte.toString(16).padStart(2, '0')}`;
}

/**
 * One character of a password in every form it may take in text: itself, percent-encoded (once
 * or twice: URL-encoded in a query, a path or a log), `+` for a space (form encoding), and a
 * backslash-escaped quote or backslash (quoted in JSON or a message).
 */
function characterForms(character: string): string {
  const forms = [escapeRegExp(character), [...Buffer.from(character, 'utf8')].map(percentByte).join('')];
  if (character === ' ') forms.push('\\+');
  if (character === '"' || character === '\\') forms.push(`\\\\${escapeRegExp(character)}`);
  return `(?:${forms.join('|')})`;
}

/**
 * The password base64-encoded on its own (standard and URL-safe alphabets, with or without its
 * padding, itself possibly percent-encoded): how a server or a proxy quoting a credential back
 * most often encodes it. Base64 of a longer text that merely contains the password, or any other
 * encoding a hostile server may choose, cannot be recognised and is not searched for.
 */
function base64Forms(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  const forms = new Set([bytes.toString('base64').replace(/=+$/, ''), bytes.toString('base64url')]);
  const character = (c: string): string => (c === '+' ? '(?:\\+|%2B)' : c === '/' ? '(?:/|%2F)' : escapeRegExp(c));
  return [...forms].map((form) => `${[...form].map(character).join('')}(?:=|%3D){0,2}`);
}

function secretPattern(): RegExp | undefined {
  if (secrets.size === 0) return undefined;
  if (!pattern) {
    // Longest first, so a password that contains another is replaced whole; base64 forms last.
    const ordered = [...secrets].sort((a, b) => b.length - a.length);
    const sources = [...ordered.map((secret) => [...secret].map(characterForms).join('')), ...ordered.flatMap(base64Forms)];
    // Without regard to case: a server that upper-cases the password still gives it away.
    pattern = new RegExp(sources.join('|'), 'gi');
  }
  return pattern;
}

/**
 * A USER command carrying a password (`USER bob:secret@ftp.example.net`): FTP proxies take the
 * remote login in USER, and some accept the password there too, so it can reach a transcript or
 * a log without any PASS. Up to the last `@` of the argument (a password may contain one); a
 * double quote ends it (logs quote commands: `"USER bob:secret@host"`).
 */
const USER_WITH_PASSWORD = /\b(USER\s+[^\s:@"]*):([^\s"]+)@/gi;

/** A user name of the `name:password@host` form (as given in a URL or --user): its password, else undefined. */
export function passwordInUserName(user: string): string | undefined {
  const match = /^[^:@]*:(.+)@[^@]*$/s.exec(user);
  return match?.[1];
}

/**
 * Remembers the passwords that USER commands in `text` carry (see USER_WITH_PASSWORD), so that
 * every later output hides them wherever they appear (a server quoting them back, a target URL).
 */
export function rememberUserSecrets(text: string): void {
  for (const match of text.matchAll(USER_WITH_PASSWORD)) rememberShownSecret(match[2]);
}

function rememberShownSecret(secret: string | undefined): void {
  // Already masked (by us or by the program that wrote a log): nothing to remember.
  if (secret !== undefined && !/^\*+$/.test(secret)) rememberSecret(secret);
}

/**
 * The text with every remembered password (in any of its encodings) replaced by `***`, and the
 * password of a `USER name:password@host` command masked by its shape (and remembered).
 */
export function redactSecrets(text: string): string {
  const shaped = text.replace(USER_WITH_PASSWORD, (_, head: string, secret: string) => {
    rememberShownSecret(secret);
    return `${head}:${REDACTED}@`;
  });
  const found = secretPattern();
  return found ? shaped.replace(found, REDACTED) : shaped;
}

/**
 * At most `max` characters of `text`, the passwords removed first. Text kept only in part (a
 * transcript line, a quoted greeting) must be cut this way: cut first, a password across the cut
 * no longer matches and its first characters would be shown.
 */
export function clipRedacted(text: string, max: number): string {
  return redactSecrets(text).slice(0, max);
}
