/**
 * Hostile policy and scenario files, through the real CLI: an alias bomb, prototype keys, a
 * multi-megabyte file and a policy with far too many targets. Each is the user's file to fix:
 * exit 2, one line naming the file and the reason, no stack trace, no "internal error", and no
 * connection attempted.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const CLI = [path.resolve('node_modules/tsx/dist/cli.mjs'), 'src/cli/main.ts'];

async function ftpDoctor(args: string[]): Promise<{ code: number; stderr: string; stdout: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [...CLI, ...args], { timeout: 60_000, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

/** Nine anchors, each a list of nine aliases of the one before: 9^9 leaves when expanded. */
function aliasBomb(): string {
  const lines = ['a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x"]'];
  for (let level = 1; level <= 9; level++) lines.push(`a${level}: &a${level} [${Array(9).fill(`*a${level - 1}`).join(', ')}]`);
  return `${lines.join('\n')}\ntargets:\n  - name: a\n    url: ftp://127.0.0.1:1/\n    retrieve: *a9\n`;
}

function target(index: number): string {
  return `  - name: t${index}\n    url: ftp://127.0.0.1:1/\n`;
}

describe('hostile data files are refused as user mistakes, naming the file', async () => {
  const directory = await mkdtemp(path.join(os.tmpdir(), 'fd-hostile-'));
  const file = async (name: string, text: string): Promise<string> => {
    const full = path.join(directory, name);
    await writeFile(full, text);
    return full;
  };
  const policyBomb = await file('bomb.yml', aliasBomb());
  const scenarioBomb = await file('bomb-scenario.yaml', aliasBomb().replace('targets:', 'id: bomb\ntargets:'));
  const protoPolicy = await file('proto.yml', 'targets:\n  - name: a\n    url: ftp://127.0.0.1:1/\n    __proto__: { requireTls: true }\n');
  const constructorPolicy = await file('ctor.yml', 'targets:\n  - name: a\n    url: ftp://127.0.0.1:1/\n    constructor: 1\n');
  const protoScenario = await file(
    'proto-scenario.yaml',
    'id: mine\ntitle: t\ndescription: d\nsource: s\ntopology: {}\nclient: {}\nexpect: { verdict: pass }\n__proto__: { x: 1 }\n',
  );
  // 9 MB, 200,000 targets: the file that once ran for over a minute at 1.7 GB.
  const hugePolicy = await file('huge.yml', `targets:\n${Array.from({ length: 200_000 }, (_, index) => target(index)).join('')}`);
  // 400 KB of brackets: the parser's recursion, not the file size, is the limit.
  const deepPolicy = await file('deep.yml', `targets: ${'['.repeat(200_000)}${']'.repeat(200_000)}\n`);
  // Small enough to read, too many targets to run.
  const manyTargets = await file('many.yml', `targets:\n${Array.from({ length: 5000 }, (_, index) => target(index)).join('')}`);

  const cases: [string, string[], RegExp][] = [
    ['an alias bomb in a policy', ['check', policyBomb, '--report-dir', 'none'], /bomb\.yml: its aliases .* alias bomb/],
    ['an alias bomb in a scenario file', ['scenarios', 'run', scenarioBomb, '--report-dir', 'none'], /bomb-scenario\.yaml: its aliases .* alias bomb/],
    ['a __proto__ key in a policy target', ['check', protoPolicy, '--report-dir', 'none'], /proto\.yml: line 4, targets\[0\]\.__proto__ unknown field/],
    ['a constructor key in a policy target', ['check', constructorPolicy, '--report-dir', 'none'], /ctor\.yml: line 4, targets\[0\]\.constructor unknown field/],
    ['a __proto__ key in a scenario file', ['scenarios', 'run', protoScenario, '--report-dir', 'none'], /proto-scenario\.yaml: line 8, __proto__ unknown field/],
    ['a 9 MB policy', ['check', hugePolicy, '--report-dir', 'none'], /huge\.yml: is \d+\.\d MiB; data files larger than 1\.0 MiB are refused/],
    ['a policy nested 200,000 levels deep', ['check', deepPolicy, '--report-dir', 'none'], /deep\.yml: line 1: lists or mappings nested too deeply/],
    ['a device instead of a file', ['check', '/dev/zero', '--report-dir', 'none'], /\/dev\/zero: is not a regular file/],
    ['a policy with 5000 targets', ['check', manyTargets, '--report-dir', 'none'], /many\.yml: line 2, targets lists 5000 items; at most 200 are allowed/],
  ];
  it.each(cases)('%s', async (_name, args, message) => {
    const result = await ftpDoctor(args);
    expect(result.stderr).toMatch(message);
    expect(result.code).toBe(2);
    expect(result.stderr).not.toMatch(/internal error|\n\s+at /);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stdout).toBe('');
  });
});
