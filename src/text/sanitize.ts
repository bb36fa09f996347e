/**
 * Neutralising one string that came from the network (server replies, file names, rule names from a
 * trace) before it reaches a terminal, a log or a report: ANSI escapes (repaint the terminal, fake a
 * "pass"), NULs (truncate C consumers, illegal in XML) and bidi overrides (make text read
 * differently than it is). src/report/sanitize.ts applies it to a whole report.
 */

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
