/**
 * Reading a user's YAML (or JSON) data file so that every complaint names the file, the line and
 * the field: syntax errors carry the parser's line, validation problems (by field path) are
 * mapped back to the line of the deepest node that exists. Shared by scenario files and check
 * policies.
 */
import { readFile } from 'node:fs/promises';
import { isMap, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import type { FieldProblem } from './fields.js';
import { DataFileError } from './data-file-error.js';

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

export async function readDataFile(file: string, makeError: ErrorFactory = defaultError): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw makeError(file, [code === 'ENOENT' ? 'no such file' : `cannot read it (${code ?? String(error)})`]);
  }
}

/** Parses YAML; syntax errors throw (through makeError) with their lines. */
export function parseYamlText(text: string, file: string, makeError: ErrorFactory = defaultError): ParsedYaml {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  if (document.errors.length > 0) {
    throw makeError(
      file,
      document.errors.slice(0, 5).map((error) => {
        const line = error.linePos?.[0]?.line ?? lineCounter.linePos(error.pos[0]).line;
        return `${line ? `line ${line}: ` : ''}${error.message.split('\n')[0]}`;
      }),
    );
  }
  const lineOf = (fieldPath: string): number | undefined => lineOfPath(document, lineCounter, fieldPath);
  return {
    data: document.toJS(),
    lineOf,
    describe: (problems) =>
      problems.map((problem) => {
        const line = lineOf(problem.path);
        return `${line ? `line ${line}, ` : ''}${problem.path || '(top level)'} ${problem.message}`;
      }),
  };
}

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
