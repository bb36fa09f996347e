/**
 * Neutralising text that came from the network (server replies, file names, rule names from a
 * trace) before it reaches a terminal, JSON, XML, Markdown or HTML. A hostile or broken server can
 * send ANSI escapes (repaint the terminal, fake a "pass"), NULs (truncate C consumers, illegal in
 * XML), bidi overrides (make text read differently than it is), and passwords can leak through
 * URLs or a PASS line. Every renderer runs the whole report through `sanitizeReport` first, so
 * the per-format escaping below it only has to deal with the format's own metacharacters.
 */
import type { AnyReport, TranscriptLine } from './model.js';
import { REDACTED, redactSecrets } from './secrets.js';

// CSI (ESC [ ... final), OSC (ESC ] ... BEL or ESC \), DCS/SOS/PM/APC (ESC P|X|^|_ ... ESC \),
// two-character and nF escapes (ESC c, ESC ( B), and the 8-bit C1 CSI form. Matched before control characters
// are escaped so the parameters of a sequence do not survive as visible garbage.
const ANSI_PATTERN = new RegExp(
  [
    '\\u001b\\[[0-?]*[ -/]*[@-~]',
    '\\u001b\\][^\\u0007\\u001b]*(?:\\u0007|\\u001b\\\\)?',
    '\\u001b[PX^_][^\\u001b]*(?:\\u001b\\\\)?',
    '\\u001b[ -/]*[0-~]',
    '\\u009b[0-?]*[ -/]*[@-~]',
  ].join('|'),
  'g',
);

// C0 controls (minus tab and newline, handled separately), DEL, C1 controls, bidirectional
// overrides/isolates (Trojan Source), lone surrogates and the non-characters U+FFFE/U+FFFF, which
// XML 1.0 forbids and JSON consumers mangle.
const UNSAFE_PATTERN =
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

export interface SanitizeOptions {
  /** Keep newlines (explanations, multi-line remedies). Default false: a newline becomes `\n`. */
  multiline?: boolean;
}

/** Removes ANSI escape sequences, leaving the surrounding text. */
export function stripAnsi(text: string): string {
  return text.replace(ANSI_PATTERN, '');
}

function visibleEscape(character: string): string {
  const code = character.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * Makes one string safe for any output: ANSI sequences removed, other control characters shown
 * as visible escapes (`\x00`) so evidence stays honest about what the server sent, CR LF folded.
 */
export function sanitizeText(text: string, options: SanitizeOptions = {}): string {
  let result = stripAnsi(text).replace(/\r\n/g, '\n');
  result = result.replace(UNSAFE_PATTERN, visibleEscape);
  if (!options.multiline) result = result.replace(/\n/g, '\\n');
  return result.replace(/\t/g, options.multiline ? '\t' : ' ');
}

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
 * A deep copy of the report with every string sanitised and passwords redacted, both by shape
 * and by value (every password the process knows, see secrets.ts): the one choke point every
 * renderer passes through. Renderers call this first; it is idempotent.
 */
export function sanitizeReport<T extends AnyReport>(report: T): T {
  const copy = clean(report, undefined) as T;
  if ('target' in copy && typeof copy.target === 'string') {
    (copy as { target: string }).target = redactPassword(copy.target);
  }
  return copy;
}
