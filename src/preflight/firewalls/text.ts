/**
 * Shared guards and helpers for the firewall parsers: every input is checked here before any
 * parser looks at it, so hostile input (binary, huge, absurdly long lines, deep JSON) gives one
 * clear error naming file:line, in bounded time and memory.
 */
import { lineAt } from '../lines.js';
import { FirewallParseError, type PortRange, type Provenance } from './model.js';

/** Larger than any real ruleset dump we expect (a full `nft list ruleset` of a busy router is < 2 MiB). */
export const MAX_INPUT_CHARS = 16 * 1024 * 1024;
export const MAX_LINE_CHARS = 64 * 1024;
export const MAX_JSON_DEPTH = 64;
/** How much of a line a Provenance keeps: enough to recognise it in a report. */
const TEXT_LIMIT = 200;

export interface Line {
  number: number;
  text: string;
}

/** The input's lines, after the checks every format shares; throws FirewallParseError otherwise. */
export function checkedLines(file: string, text: string): Line[] {
  checkText(file, text);
  const lines = text.split(/\r?\n/);
  return lines.map((line, index) => {
    if (line.length > MAX_LINE_CHARS) throw new FirewallParseError(file, index + 1, `line is ${line.length} characters long (at most ${MAX_LINE_CHARS})`);
    return { number: index + 1, text: line };
  });
}

export function checkText(file: string, text: string): void {
  if (text.length > MAX_INPUT_CHARS) throw new FirewallParseError(file, 1, `input is ${text.length} characters (at most ${MAX_INPUT_CHARS})`);
  // Binary: NUL or most other C0 controls never occur in these text formats (tab, CR, LF, FF do).
  const control = /[\x00-\x08\x0e-\x1f\x7f]/.exec(text);
  if (control) {
    const line = lineAt(text, control.index);
    throw new FirewallParseError(file, line, `binary data (byte 0x${control[0].charCodeAt(0).toString(16).padStart(2, '0')}): not a text configuration`);
  }
}

export function provenance(file: string, line: number, text: string): Provenance {
  const trimmed = text.trim().replace(/\s+/g, ' ');
  return { file, line, text: trimmed.length > TEXT_LIMIT ? `${trimmed.slice(0, TEXT_LIMIT - 1)}…` : trimmed };
}

/**
 * JSON with the shared checks, nesting bounded before parsing (a scan, not recursion), and a
 * syntax error given with its line.
 */
export function parseJson(file: string, text: string): unknown {
  checkText(file, text);
  let depth = 0;
  let inString = false;
  for (let index = 0; index < text.length; index++) {
    const char = text[index];
    if (inString) {
      if (char === '\\') index++;
      else if (char === '"') inString = false;
    } else if (char === '"') inString = true;
    else if (char === '{' || char === '[') {
      if (++depth > MAX_JSON_DEPTH) throw new FirewallParseError(file, lineAt(text, index), `JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
    } else if (char === '}' || char === ']') depth--;
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    throw new FirewallParseError(file, jsonErrorLine(text, message), `not valid JSON: ${message}`);
  }
}

/**
 * The line of a JSON.parse error: from "at position N" where the message has it, else (Node 20)
 * from the quoted neighbourhood it shows (`…"{"table": }]}" is not valid JSON`), found in the text.
 */
function jsonErrorLine(text: string, message: string): number {
  const position = /position (\d+)/.exec(message);
  if (position) return lineAt(text, Number(position[1]));
  const shown = /"(?:\.\.\.)?([\s\S]*?)(?:\.\.\.)?" is not valid JSON/.exec(message);
  const at = shown?.[1] ? text.indexOf(shown[1]) : -1;
  if (at === -1) return 1;
  const token = /Unexpected token '(.)'/.exec(message)?.[1];
  const inside = token ? (shown?.[1] ?? '').indexOf(token) : 0;
  return lineAt(text, at + Math.max(0, inside));
}

/**
 * "21", "50000-50100", "50000:50100" → a PortRange; an error sentence for anything else, including
 * ports above 65535 and reversed ranges (50100-50000), which no firewall accepts.
 */
export function parsePortRange(text: string): PortRange | string {
  const match = /^\s*(\d{1,6})\s*(?:[-:]\s*(\d{1,6}))?\s*$/.exec(text);
  if (!match) return `"${text}" is not a port or port range`;
  const from = Number(match[1]);
  const to = match[2] === undefined ? from : Number(match[2]);
  if (from > 65535 || to > 65535) return `port ${Math.max(from, to)} in "${text.trim()}" is above 65535`;
  if (from > to) return `port range "${text.trim()}" runs backwards (${from} > ${to})`;
  return { from, to };
}

/** A list of port specs; the first error sentence if any is bad. */
export function parsePortList(specs: string[]): PortRange[] | string {
  const ranges: PortRange[] = [];
  for (const spec of specs) {
    const range = parsePortRange(spec);
    if (typeof range === 'string') return range;
    ranges.push(range);
  }
  return ranges;
}

export const ALL_PORTS: PortRange = { from: 0, to: 65535 };
