/**
 * Fitting text to a terminal: display width (what a terminal draws, not what String.length
 * counts), word wrap that breaks a word only when it is longer than a whole line (paths,
 * addresses), and wrapping of shell commands with the continuation their shell understands, so a
 * wrapped command still pastes as one command.
 */
import { stripAnsi } from './sanitize.js';

// East Asian wide and fullwidth characters and emoji take two cells; combining marks and
// zero-width characters none. The ranges are those terminals (wcwidth) treat as wide.
const WIDE =
  /[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]|[\u{1f300}-\u{1f64f}\u{1f900}-\u{1f9ff}\u{20000}-\u{3fffd}]/u;
const ZERO = /[\p{Mn}\p{Me}\u200b-\u200f\u2060\ufeff]/u;

function charWidth(char: string): number {
  if (ZERO.test(char)) return 0;
  return WIDE.test(char) ? 2 : 1;
}

/** Columns the text occupies on a terminal, ANSI escapes not counted. */
export function displayWidth(text: string): number {
  let width = 0;
  for (const char of stripAnsi(text)) width += charWidth(char);
  return width;
}

const SEPARATOR = /[-_/\\.,:;=&?@]/;

/**
 * Splits a word longer than `width` into pieces of at most `width` columns, after a separator
 * (hyphen, underscore, slash, dot, ...) in the last two thirds of a piece when there is one, so
 * `TLS_SESSION_REUSE_REQUIRED` or a path breaks where a reader expects it.
 */
function breakWord(word: string, width: number): string[] {
  const chars = [...word];
  const pieces: string[] = [];
  let start = 0;
  while (start < chars.length) {
    let end = start;
    let used = 0;
    while (end < chars.length && used + charWidth(chars[end] ?? '') <= width) used += charWidth(chars[end++] ?? '');
    if (end === start) end = start + 1; // a wide character on a one-column line: it overflows by one
    if (end < chars.length) {
      for (let cut = end - 1; cut > start + (end - start) / 3; cut -= 1) {
        if (SEPARATOR.test(chars[cut] ?? '')) {
          end = cut + 1;
          break;
        }
      }
    }
    pieces.push(chars.slice(start, end).join(''));
    start = end;
  }
  return pieces;
}

/**
 * Greedy word wrap of plain text (no ANSI) to `width` columns (`firstWidth` for the first line). Newlines are kept; a line's leading
 * indentation is kept on each of its wrapped lines; a word is cut only when it is longer than a
 * whole line (a path, an address list).
 */
export function wrapText(text: string, width: number, firstWidth = width): string[] {
  const limit = Math.max(1, width);
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const indent = (/^ */.exec(line)?.[0] ?? '').slice(0, Math.max(0, limit - 8));
    // The very first line may have another width (a hanging indent's label sits before it).
    const wrapped: string[] = [];
    const roomNow = (): number => Math.max(1, (out.length === 0 && wrapped.length === 0 ? Math.max(1, firstWidth) : limit) - indent.length);
    let current = '';
    let used = 0;
    for (const word of line.trim().split(/ +/).filter(Boolean)) {
      const w = displayWidth(word);
      if (current && used + 1 + w <= roomNow()) {
        current += ` ${word}`;
        used += 1 + w;
        continue;
      }
      if (current) wrapped.push(current);
      const room = roomNow();
      const pieces = w <= room ? [word] : breakWord(word, room);
      wrapped.push(...pieces.slice(0, -1));
      current = pieces[pieces.length - 1] ?? '';
      used = displayWidth(current);
    }
    wrapped.push(current);
    out.push(...wrapped.map((piece) => (piece ? `${indent}${piece}` : piece)));
  }
  return out;
}

/**
 * Wraps each line of `text` to `width` and puts `first` before the first line, `rest` before the
 * others (a hanging indent for list items and labelled blocks).
 */
export function wrapIndented(text: string, width: number, first: string, rest = ' '.repeat(displayWidth(first))): string[] {
  return wrapText(text, width - displayWidth(rest), width - displayWidth(first)).map((line, index) => `${index === 0 ? first : rest}${line}`);
}

/**
 * The line continuation of the shell a command is run in: cmd.exe for Windows tools (appcmd,
 * netsh), PowerShell for its Verb-Noun cmdlets, a POSIX shell otherwise.
 */
export function continuationFor(command: string): string {
  if (/^[A-Z][a-z]+-[A-Z]\w+/.test(command)) return '`';
  if (/^(%\w+%|[A-Za-z]:\\|netsh\b|appcmd\b|sc\b|reg\b)/i.test(command)) return '^';
  return '\\';
}

/**
 * A command wrapped to `width` at spaces, each line but the last ending with its shell's
 * continuation, so the lines copied from a terminal paste as one command. `prefix` goes before the
 * first line ("$ "), continuation lines are indented under it by two more columns. A word longer
 * than a line (a URL) is cut with the mark right after it and no indent on the next line, because
 * the shell joins a continued line to the word it ends.
 */
export function wrapCommand(command: string, width: number, prefix: string): string[] {
  if (displayWidth(prefix) + displayWidth(command) <= width || command.includes('\n')) return wrapIndented(command, width, prefix);
  const mark = continuationFor(command);
  const rest = ' '.repeat(displayWidth(prefix) + 2);
  // Room on each line for the text, a space and the continuation mark.
  const room = Math.max(8, width - displayWidth(rest) - 2);
  const lines: { text: string; midWord: boolean }[] = [];
  let current = '';
  for (const word of command.split(/ +/).filter(Boolean)) {
    if (current && displayWidth(current) + 1 + displayWidth(word) <= room) {
      current += ` ${word}`;
      continue;
    }
    if (current) lines.push({ text: current, midWord: false });
    const pieces = displayWidth(word) <= room ? [word] : breakWord(word, room);
    for (const piece of pieces.slice(0, -1)) lines.push({ text: piece, midWord: true });
    current = pieces[pieces.length - 1] ?? '';
  }
  lines.push({ text: current, midWord: false });
  return lines.map((line, index) => {
    const lead = index === 0 ? prefix : lines[index - 1]?.midWord ? '' : rest;
    const end = index === lines.length - 1 ? '' : line.midWord ? mark : ` ${mark}`;
    return `${lead}${line.text}${end}`;
  });
}
