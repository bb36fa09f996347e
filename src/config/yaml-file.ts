/**
 * Reading a user's YAML (or JSON) data file so that every complaint names the file, the line and
 * the field: syntax errors carry the parser's line, validation problems (by field path) are
 * mapped back to the line of the deepest node that exists. Shared by scenario files and check
 * policies.
 */
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, visit, type Document } from 'yaml';
import type { FieldProblem } from './fields.js';
import { DataFileError, MAX_PROBLEMS_SHOWN } from './data-file-error.js';

// Its own module so that the CLI entry point can catch it without loading the YAML parser.
export { DataFileError };

export type ErrorFactory = (file: string, problems: string[]) => Error;

const defaultError: ErrorFactory = (file, problems) => new DataFileError(file, problems);

export interface ParsedYaml {
  data: unknown;
  /** "line 7, targets[1].passiveRange must be …" for each problem. */
  describe(problems: readonly FieldProblem[]): string[];
  /** The line of a field path, when the file has that field (or a parent of it). */
  lineOf(fieldPath: string): number | undefined;
}

/**
 * The largest scenario or policy file read. The biggest catalogue scenario is a few KiB; a
 * policy for a few hundred servers is well under this. A multi-megabyte file is a mistake or an
 * attack, and parsing one holds the YAML parser's whole node tree in memory (9 MB took 1.7 GB).
 */
export const MAX_DATA_FILE_BYTES = 1024 * 1024;

/** Reads a regular file of at most MAX_DATA_FILE_BYTES; anything else is the user's to fix. */
export async function readDataFile(file: string, makeError: ErrorFactory = defaultError): Promise<string> {
  return (await readDataBytes(file, makeError)).toString('utf8');
}

/** readDataFile's bytes, undecoded: for readers that check the encoding themselves (preflight). */
export async function readDataBytes(file: string, makeError: ErrorFactory = defaultError): Promise<Buffer> {
  let handle;
  try {
    // O_NONBLOCK: opening a FIFO must not wait for a writer; fstat then says what it is.
    handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw makeError(file, [code === 'ENOENT' ? 'no such file' : code === 'ELOOP' ? 'a symbolic link loop (ELOOP)' : `cannot read it (${code ?? String(error)})`]);
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw makeError(file, ['is not a regular file']);
    if (stat.size > MAX_DATA_FILE_BYTES) throw makeError(file, [`is ${formatBytes(stat.size)}; data files larger than ${formatBytes(MAX_DATA_FILE_BYTES)} are refused`]);
    // Read at most one byte past the limit: a file that grows after fstat is caught as well.
    const buffer = Buffer.alloc(MAX_DATA_FILE_BYTES + 1);
    let length = 0;
    while (length < buffer.length) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > MAX_DATA_FILE_BYTES) throw makeError(file, [`is larger than ${formatBytes(MAX_DATA_FILE_BYTES)}; data files that large are refused`]);
    // A copy of the bytes read: a view would keep the whole 1 MiB buffer alive per file.
    return Buffer.from(buffer.subarray(0, length));
  } catch (error) {
    if (error instanceof Error && !('code' in error)) throw error;
    throw makeError(file, [`cannot read it (${(error as NodeJS.ErrnoException).code ?? String(error)})`]);
  } finally {
    await handle.close();
  }
}

function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / (1024 * 1024)).toFixed(1)} MiB` : `${Math.ceil(bytes / 1024)} KiB`;
}

/** Parses YAML; syntax errors throw (through makeError) with their lines. */
export function parseYamlText(text: string, file: string, makeError: ErrorFactory = defaultError): ParsedYaml {
  const lineCounter = new LineCounter();
  // The library's own duplicate-key check compares each key with every earlier one: 60,000 keys
  // in one mapping (830 KB, under the size cap) took a minute of CPU. Ours is one pass.
  const document = parseDocument(text, { lineCounter, uniqueKeys: false, prettyErrors: false });
  if (document.errors.length === 0) {
    const duplicate = firstDuplicateKey(document);
    if (duplicate !== undefined) throw makeError(file, [`line ${lineCounter.linePos(duplicate).line}: Map keys must be unique`]);
  }
  if (document.errors.length > 0) {
    throw makeError(
      file,
      document.errors.slice(0, 5).map((error) => {
        const line = error.linePos?.[0]?.line ?? lineCounter.linePos(error.pos[0]).line;
        return `${line ? `line ${line}: ` : ''}${explainParserMessage(error.message.split('\n')[0] ?? '')}`;
      }),
    );
  }
  const lineOf = (fieldPath: string): number | undefined => lineOfPath(document, lineCounter, fieldPath);
  return {
    data: toData(document, file, makeError),
    lineOf,
    describe: (problems) =>
      problems.map((problem, index) => {
        // Only the problems a message shows are looked up by line: each lookup walks its mappings,
        // and a file of 60,000 unknown fields would make that quadratic.
        const line = index < MAX_PROBLEMS_SHOWN ? lineOf(problem.path) : undefined;
        return `${line ? `line ${line}, ` : ''}${problem.path || '(top level)'} ${problem.message}`;
      }),
  };
}

/**
 * The parser's plain data. Expanding aliases is where the YAML library refuses an alias bomb
 * (`&a [*b, *b, ...]` nested until it would take gigabytes): it throws a ReferenceError, which
 * is a property of the file, not a bug of the tool, so it is reported against the file.
 */
function toData(document: Document, file: string, makeError: ErrorFactory): unknown {
  const marks = countAnchorsAndAliases(document);
  if (marks > MAX_ANCHORS_AND_ALIASES) {
    throw makeError(file, [`has ${marks} anchors and aliases (&name, *name); at most ${MAX_ANCHORS_AND_ALIASES} are read (each alias is looked up among all before it); repeat the data instead`]);
  }
  try {
    return document.toJS({ maxAliasCount: MAX_ALIAS_EXPANSIONS });
  } catch (error) {
    const reason = /alias/i.test((error as Error).message)
      ? 'its aliases (*name) would expand to an excessive number of copies of their anchors (an alias bomb): refused rather than expanded; repeat the data instead of nesting aliases'
      : `cannot be read as data: ${explainParserMessage((error as Error).message)}`;
    throw makeError(file, [reason]);
  }
}

/** The parser's words, except where they describe the parser rather than the file. */
function explainParserMessage(message: string): string {
  if (/call stack/i.test(message)) return 'lists or mappings nested too deeply to read (thousands of levels); no policy or scenario needs more than a few';
  return message;
}

/**
 * The offset of the first key repeated within one mapping, as the library's `uniqueKeys` finds
 * them (scalar keys equal by value, 1 and "1" distinct; other keys never equal), in one pass.
 */
function firstDuplicateKey(document: Document): number | undefined {
  let found: number | undefined;
  visit(document, {
    Map(_key, map) {
      const seen = new Set<unknown>();
      for (const pair of map.items) {
        if (!isScalar(pair.key)) continue;
        if (seen.has(pair.key.value)) {
          found = pair.key.range?.[0] ?? map.range?.[0] ?? 0;
          return visit.BREAK;
        }
        seen.add(pair.key.value);
      }
      return undefined;
    },
  });
  return found;
}

/**
 * Anchors and aliases read in one file. The library resolves each alias by walking every anchor
 * and alias before it: 70,000 anchors and 10,000 aliases (850 KB) took 40 s. A policy or a
 * scenario uses a handful.
 */
const MAX_ANCHORS_AND_ALIASES = 1000;

function countAnchorsAndAliases(document: Document): number {
  let count = 0;
  visit(document, {
    Node(_key, node) {
      if (isAlias(node) || (node as { anchor?: string }).anchor !== undefined) count += 1;
    },
  });
  return count;
}

/** The YAML library's own default (uses of an alias times the aliases inside its anchor), made explicit. */
const MAX_ALIAS_EXPANSIONS = 100;

/** The line of the deepest existing node on a field path like `topology.firewalls[0].policy`. */
function lineOfPath(document: Document, lineCounter: LineCounter, fieldPath: string): number | undefined {
  const keys = fieldPath
    .split(/\.|\[(\d+)\]/)
    .filter((key): key is string => key !== undefined && key !== '')
    .map((key) => (/^\d+$/.test(key) ? Number(key) : key));
  let node: unknown = document.contents;
  let line: number | undefined;
  for (const key of keys) {
    const range = (node as { range?: [number, number, number] } | null)?.range;
    if (range) line = lineCounter.linePos(range[0]).line;
    if (isMap(node)) {
      const pair = node.items.find((item) => (item.key as { value?: unknown } | null)?.value === key);
      if (!pair) return line;
      const keyRange = (pair.key as { range?: [number, number, number] } | null)?.range;
      if (keyRange) line = lineCounter.linePos(keyRange[0]).line;
      node = pair.value;
    } else if (isSeq(node) && typeof key === 'number') {
      node = node.items[key];
    } else {
      return line;
    }
  }
  const range = (node as { range?: [number, number, number] } | null)?.range;
  return range ? lineCounter.linePos(range[0]).line : line;
}
