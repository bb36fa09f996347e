/**
 * The layer rules (.dependency-cruiser.cjs, run by `npm test` before vitest) catch what they are
 * for: each case builds a tiny tree in a temporary directory with one import that breaks a rule
 * and runs the checker on it with the project's own configuration. A clean tree passes, so a rule
 * that matched everything would fail here too.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify, stripVTControlCharacters } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const CRUISER = path.join(ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');
const CONFIG = path.join(ROOT, '.dependency-cruiser.cjs');
const directories: string[] = [];

/** Writes `files` (path → source) under a fresh src/ and runs the checker on it. */
async function check(files: Record<string, string>): Promise<{ code: number; output: string }> {
  const directory = await mkdtemp(path.join(os.tmpdir(), 'fd-layers-'));
  directories.push(directory);
  await writeFile(path.join(directory, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true } }));
  for (const [file, source] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(directory, file)), { recursive: true });
    await writeFile(path.join(directory, file), source);
  }
  try {
    const { stdout } = await promisify(execFile)(process.execPath, [CRUISER, 'src', '--config', CONFIG, '--output-type', 'err-long'], { cwd: directory, timeout: 90_000, env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' } });
    return { code: 0, output: stripVTControlCharacters(stdout) };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof failed.code === 'number' ? failed.code : -1, output: stripVTControlCharacters(`${failed.stdout ?? ''}${failed.stderr ?? ''}`) };
  }
}

afterAll(async () => {
  await Promise.all(directories.map((directory) => rm(directory, { recursive: true, force: true })));
});

const exporting = 'export const value = 1;\n';
const importing = (from: string): string => `import { value } from '${from}';\nexport const copy = value;\n`;

describe('the layer rules', { timeout: 120_000 }, () => {
  it('a tree that keeps the layers passes', async () => {
    const result = await check({
      'src/ftp/reply.ts': exporting,
      'src/evidence/model.ts': importing('../ftp/reply.js'),
      'src/client/control.ts': importing('../evidence/model.js'),
      'src/report/model.ts': importing('../client/control.js'),
      'src/cli/main.ts': importing('../report/model.js'),
    });
    expect(result.output).toContain('no dependency violations');
    expect(result.code).toBe(0);
  });

  // One tree with one violation of each rule (one run of the checker: it takes seconds to start).
  const violations: [string, Record<string, string>, RegExp][] = [
    ['the client importing the report', { 'src/client/recorder.ts': importing('../report/model.js') }, /error client: src\/client\/recorder\.ts → src\/report\/model\.ts\n\s+src\/client writes the evidence model[\s\S]*?Move a shared type down/],
    ['the server importing the sweep', { 'src/sweep/protocol.ts': exporting, 'src/server/commands/sweep.ts': importing('../../sweep/protocol.js') }, /error server: src\/server\/commands\/sweep\.ts → src\/sweep\/protocol\.ts/],
    ['src/ftp importing anything of src/', { 'src/ftp/reply.ts': importing('../evidence/model.js') }, /error ftp: src\/ftp\/reply\.ts → src\/evidence\/model\.ts/],
    ['the evidence importing the report', { 'src/evidence/model.ts': importing('../report/model.js') }, /error evidence: src\/evidence\/model\.ts → src\/report\/model\.ts/],
    ['the registry importing the diagnosis', { 'src/diagnosis/engine.ts': exporting, 'src/findings/registry.ts': importing('../diagnosis/engine.js') }, /error findings: src\/findings\/registry\.ts → src\/diagnosis\/engine\.ts/],
    ['the topology importing the report', { 'src/topology/model.ts': importing('../report/model.js') }, /error topology: src\/topology\/model\.ts → src\/report\/model\.ts/],
    ['netns importing the simulator', { 'src/net/sim/rules.ts': exporting, 'src/netns/attribution.ts': importing('../net/sim/rules.js') }, /error netns-not-simulator: src\/netns\/attribution\.ts → src\/net\/sim\/rules\.ts/],
    ['a renderer importing the CLI', { 'src/cli/output.ts': exporting, 'src/report/table.ts': importing('../cli/output.js') }, /error report-not-cli: src\/report\/table\.ts → src\/cli\/output\.ts/],
    ['the exporter importing the CLI', { 'src/cli/probe.ts': exporting, 'src/exporter/runner.ts': importing('../cli/probe.js') }, /error only-cli-imports-cli: src\/exporter\/runner\.ts → src\/cli\/probe\.ts/],
    ['a cycle of real imports', { 'src/probe/a.ts': importing('./b.js'), 'src/probe/b.ts': "import { copy } from './a.js';\nexport const value = copy;\n" }, /error no-cycles: src\/probe\/(?:a|b)\.ts/],
    ['a type-only import', { 'src/client/lines.ts': "import type { Line } from '../report/model.js';\nexport const lines: Line[] = [];\n" }, /error client: src\/client\/lines\.ts → src\/report\/model\.ts/],
  ];
  const broken = check({
    'src/report/model.ts': `${exporting}export type Line = string;\n`,
    // Types may refer to each other in a circle: no run-time cycle, so no error for these two.
    'src/cli/commands.ts': "import type { Body } from './probe-types.js';\nexport type Entry = { body?: Body };\n",
    'src/cli/probe-types.ts': "import type { Entry } from './commands.js';\nexport type Body = { entry?: Entry };\n",
    ...Object.assign({}, ...violations.map(([, files]) => files)),
  });

  it('a tree that breaks the rules fails the check', async () => {
    expect((await broken).code).not.toBe(0);
  });

  it.each(violations)('catches %s, and says what to do', async (_name, _files, message) => {
    expect((await broken).output).toMatch(message);
  });

  it('lets types refer to each other in a circle (no run-time cycle)', async () => {
    expect((await broken).output).not.toMatch(/src\/cli\/(?:commands|probe-types)\.ts/);
  });
});
