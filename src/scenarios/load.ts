/**
 * Loading scenario files (YAML or JSON) from disk. Errors name the file, the field and, where the
 * YAML parser knows it, the line — and never carry a stack trace: a broken scenario file is a user
 * mistake, not a crash.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMap, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import type { Scenario } from './model.js';
import { validateScenario } from './validate.js';

export class ScenarioFileError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`${file}: ${problems.join('; ')}`);
    this.name = 'ScenarioFileError';
  }
}

/** The catalogue shipped with the tool: <package>/scenarios. */
export const CATALOGUE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../scenarios');

const SCENARIO_FILE = /\.(ya?ml|json)$/i;

export async function loadScenarioFile(file: string): Promise<Scenario> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ScenarioFileError(file, [code === 'ENOENT' ? 'no such file' : `cannot read it (${code ?? String(error)})`]);
  }
  return parseScenarioText(text, file);
}

export function parseScenarioText(text: string, file: string): Scenario {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  if (document.errors.length > 0) {
    throw new ScenarioFileError(
      file,
      document.errors.slice(0, 5).map((error) => {
        const line = error.linePos?.[0]?.line ?? lineCounter.linePos(error.pos[0]).line;
        return `${line ? `line ${line}: ` : ''}${error.message.split('\n')[0]}`;
      }),
    );
  }
  const result = validateScenario(document.toJS());
  if (!result.ok) {
    throw new ScenarioFileError(
      file,
      result.problems.map((problem) => {
        const line = lineOf(document, lineCounter, problem.path);
        return `${line ? `line ${line}, ` : ''}${problem.path || '(top level)'} ${problem.message}`;
      }),
    );
  }
  return { ...result.scenario, file };
}

/** The line of the deepest existing node on a field path like `topology.firewalls[0].policy`. */
function lineOf(document: Document, lineCounter: LineCounter, fieldPath: string): number | undefined {
  const keys = fieldPath.split(/\.|\[(\d+)\]/).filter((key): key is string => key !== undefined && key !== '').map((key) => (/^\d+$/.test(key) ? Number(key) : key));
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

/** Every scenario file in a directory, sorted by name; ids must be unique. */
export async function loadScenarioDirectory(directory: string): Promise<Scenario[]> {
  let names: string[];
  try {
    names = (await readdir(directory)).filter((name) => SCENARIO_FILE.test(name)).sort();
  } catch {
    throw new ScenarioFileError(directory, ['cannot read this directory']);
  }
  const scenarios = await Promise.all(names.map((name) => loadScenarioFile(path.join(directory, name))));
  const seen = new Map<string, string>();
  for (const scenario of scenarios) {
    const previous = seen.get(scenario.id);
    if (previous) throw new ScenarioFileError(scenario.file ?? '?', [`id ${JSON.stringify(scenario.id)} is also used by ${previous}`]);
    seen.set(scenario.id, scenario.file ?? '?');
  }
  return scenarios;
}

/**
 * Resolve what the user named on the command line: ids from the catalogue, or paths to their own
 * files. No names: the whole catalogue.
 */
export async function selectScenarios(names: string[], catalogueDir = CATALOGUE_DIR): Promise<Scenario[]> {
  const catalogue = await loadScenarioDirectory(catalogueDir);
  if (names.length === 0) return catalogue;
  const selected: Scenario[] = [];
  for (const name of names) {
    if (SCENARIO_FILE.test(name) || name.includes('/')) {
      selected.push(await loadScenarioFile(name));
      continue;
    }
    const found = catalogue.find((scenario) => scenario.id === name);
    if (!found) throw new ScenarioFileError(name, [`no scenario with this id in the catalogue (try \`ftp-doctor scenarios list\`)`]);
    selected.push(found);
  }
  return selected;
}
