/**
 * Neutralising text that came from the network (server replies, file names, rule names from a
 * trace) before it reaches a terminal, JSON, XML, Markdown or HTML. A hostile or broken server can
 * send ANSI escapes (repaint the terminal, fake a "pass"), NULs (truncate C consumers, illegal in
 * XML), bidi overrides (make text read differently than it is), and passwords can leak through
 * URLs or a PASS line. Every renderer runs the whole report through `sanitizeReport` first, so
 * the per-format escaping below it only has to deal with the format's own metacharacters.
 */
import type { AnyReport, TranscriptLine } from './model.js';
import { REDACTED, passwordInUserName, redactSecrets, rememberSecret, rememberUserSecrets } from '../text/secrets.js';

// Per-string neutralising is in src/text (the server's log uses it too); the report's own rules follow.
export { sanitizeText, stripAnsi, type SanitizeOptions } from '../text/sanitize.js';
import { sanitizeText } from '../text/sanitize.js';

/**
 * Removes the password from a URL (`ftp://user:secret@host/` → `ftp://user:***@host/`). Works on
 * strings that are not valid URLs too, because the target may be half-typed by the user.
 */
export function redactPassword(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/?#@:]*):[^/?#]*@/i, `$1:${REDACTED}@`);
}

/** Redacts every `scheme://user:password@` inside free text (error messages quote URLs). */
export function redactPasswordsInText(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/[^\s/?#@:]*):[^\s/?#]*@/gi, `$1:${REDACTED}@`);
}

/** A PASS command in a transcript keeps its shape but not its argument. */
export function redactTranscriptLine(line: TranscriptLine): TranscriptLine {
  if (line.direction === '>' && /^\s*PASS\s/i.test(line.text)) {
    return { ...line, text: line.text.replace(/^(\s*PASS\s+).*$/is, `$1${REDACTED}`) };
  }
  return line;
}

// Fields whose text is prose written over several lines; everything else is one line.
const MULTILINE_FIELDS = new Set(['explanation', 'text', 'commands', 'error', 'description']);

/**
 * Fields that hold one of a fixed set of words (or an id or a time), never text from a server: a
 * password that happens to be `fail` or `pasv` must not turn the JSON contract's enums into `***`.
 */
const STRUCTURAL_FIELDS = new Set([
  'tool', 'version', 'kind', 'verdict', 'severity', 'code', 'result', 'mode', 'channel', 'direction', 'purpose', 'outcome',
  'decision', 'state', 'method', 'backend', 'addressPolicy', 'startedAt', 'id', 'session', 'findings', 'failingStep',
]);

function cleanString(value: string, key: string | undefined): string {
  const multiline = key !== undefined && MULTILINE_FIELDS.has(key);
  if (key !== undefined && STRUCTURAL_FIELDS.has(key)) return sanitizeText(value, { multiline });
  // Redacted before and after: removing an escape sequence can join the two halves of a password.
  return redactSecrets(sanitizeText(redactPasswordsInText(redactSecrets(value)), { multiline }));
}

function clean(value: unknown, key: string | undefined): unknown {
  if (typeof value === 'string') return cleanString(value, key);
  if (Array.isArray(value)) return value.map((item) => clean(item, key));
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    // A transcript line: its `text` is one line, and a PASS argument must not survive.
    const isTranscriptLine = 'direction' in record && 'session' in record && 'channel' in record;
    const source = isTranscriptLine ? (redactTranscriptLine(record as unknown as TranscriptLine) as unknown as Record<string, unknown>) : record;
    const output: Record<string, unknown> = {};
    for (const [field, item] of Object.entries(source)) {
      output[field] = isTranscriptLine && field === 'text' ? clean(item, undefined) : clean(item, field);
    }
    return output;
  }
  return value;
}

/**
 * Passwords a report carries inside a user name (`USER bob:secret@ftp.example.net`, a proxy
 * login; the same user name in the target URL, percent-encoded) are remembered before anything is
 * cleaned: a field cleaned earlier than the USER line (the target, a finding quoting the server's
 * answer) must not keep them.
 */
function rememberEmbeddedPasswords(value: unknown, key?: string): void {
  if (typeof value === 'string') {
    rememberUserSecrets(value);
    if (key === 'target') rememberSecret(passwordInUserName(urlUserName(value)));
  } else if (Array.isArray(value)) {
    for (const item of value) rememberEmbeddedPasswords(item, key);
  } else if (value !== null && typeof value === 'object') {
    for (const [field, item] of Object.entries(value)) rememberEmbeddedPasswords(item, field);
  }
}

/** The decoded user name of `scheme://user[:password]@host…`, or '' (a half-typed target too). */
function urlUserName(url: string): string {
  const userinfo = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)@/i.exec(url)?.[1] ?? '';
  const user = userinfo.split(':')[0] ?? '';
  try {
    return decodeURIComponent(user);
  } catch {
    return user;
  }
}

/**
 * The copies sanitizeReport returned: handed back to it (every format of one report rendered from
 * one sanitised copy, src/report/formats.ts), they are already clean and are returned as they are.
 * Renderers never modify a report, so a returned copy stays clean.
 */
const SANITIZED = new WeakSet<AnyReport>();

/**
 * A deep copy of the report with every string sanitised and passwords redacted, both by shape
 * and by value (every password the process knows, see secrets.ts): the one choke point every
 * renderer passes through. Renderers call this first; it is idempotent.
 */
export function sanitizeReport<T extends AnyReport>(report: T): T {
  if (SANITIZED.has(report)) return report;
  rememberEmbeddedPasswords(report);
  const copy = clean(report, undefined) as T;
  if ('target' in copy && typeof copy.target === 'string') {
    (copy as { target: string }).target = redactPassword(copy.target);
  }
  SANITIZED.add(copy);
  return copy;
}
