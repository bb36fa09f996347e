/**
 * Loading scenario files (YAML or JSON) from disk. Errors name the file, the field and, where the
 * YAML parser knows it, the line — and never carry a stack trace: a broken scenario file is a user
 * mistake, not a crash.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { PACKAGE_DIR, readShippedDirectory } from '../assets/shipped-files.js';
import { DataFileError, parseYamlText, readDataFile } from '../config/yaml-file.js';
import type { Scenario } from '../topology/model.js';
import { validateScenario } from './validate.js';

export class ScenarioFileError extends DataFileError {
  constructor(file: string, problems: string[]) {
    super(file, problems);
    this.name = 'ScenarioFileError';
  }
}

const scenarioFileError = (file: string, problems: string[]): ScenarioFileError => new ScenarioFileError(file, problems);

/** The catalogue shipped with the package, on disk: <package>/scenarios (the executable carries it inside). */
export const CATALOGUE_DIR = path.join(PACKAGE_DIR, 'scenarios');

const SCENARIO_FILE = /\.(ya?ml|json)$/i;

export async function loadScenarioFile(file: string): Promise<Scenario> {
  return parseScenarioText(await readDataFile(file, scenarioFileError), file);
}

export function parseScenarioText(text: string, file: string): Scenario {
  const parsed = parseYamlText(text, file, scenarioFileError);
  const result = validateScenario(parsed.data);
  if (!result.ok) throw new ScenarioFileError(file, parsed.describe(result.problems));
  return { ...result.scenario, file };
}

/** Every scenario file in a directory, sorted by name; ids must be unique. */
export async function loadScenarioDirectory(directory: string): Promise<Scenario[]> {
  let names: string[];
  try {
    names = (await readdir(directory)).filter((name) => SCENARIO_FILE.test(name)).sort();
  } catch {
    throw new ScenarioFileError(directory, ['cannot read this directory']);
  }
  return withUniqueIds(await Promise.all(names.map((name) => loadScenarioFile(path.join(directory, name)))));
}

/** The catalogue the tool ships with: from the package on disk, or from inside the executable. */
export async function loadCatalogue(): Promise<Scenario[]> {
  const files = await readShippedDirectory('scenarios', (name) => SCENARIO_FILE.test(name));
  return withUniqueIds(files.map((file) => parseScenarioText(file.text, file.location)));
}

function withUniqueIds(scenarios: Scenario[]): Scenario[] {
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
export async function selectScenarios(names: string[], catalogueDir?: string): Promise<Scenario[]> {
  const catalogue = catalogueDir === undefined ? await loadCatalogue() : await loadScenarioDirectory(catalogueDir);
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
