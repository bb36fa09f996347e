/**
 * `scenarios list --help` and `scenarios run --help` say what their arguments are: the positional
 * names and list's --json were shown with no description at all. `scenarios` alone says which
 * subcommands there are (it said "Not enough non-option arguments: got 0, need at least 1").
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');
const TSX = path.join(ROOT, 'node_modules/.bin/tsx');
const MAIN = path.join(ROOT, 'src/cli/main.ts');

async function help(...command: string[]): Promise<string> {
  const { stdout } = await run(TSX, [MAIN, ...command, '--help'], { cwd: ROOT, timeout: 60_000, encoding: 'utf8', env: { ...process.env, COLUMNS: '200' } });
  return stdout;
}

/** The help text of one option or positional: its line and the wrapped lines under it, up to the next entry. */
function entry(text: string, name: string): string {
  const lines = text.split('\n');
  const start = lines.findIndex((line) => line.trimStart().startsWith(name));
  expect(start, `${name} in the help`).toBeGreaterThanOrEqual(0);
  const rest = lines.slice(start + 1);
  const next = rest.findIndex((line) => /^\s{2}\S/.test(line) || line.trim() === '');
  return [lines[start], ...rest.slice(0, next < 0 ? rest.length : next)].join(' ');
}

describe('scenarios help', () => {
  it('list: names and --json are described', { timeout: 60_000 }, async () => {
    const text = await help('scenarios', 'list');
    expect(entry(text, 'names')).toContain('scenario ids');
    expect(entry(text, '--json')).toContain('JSON array');
  });

  it('run: names are described', { timeout: 60_000 }, async () => {
    expect(entry(await help('scenarios', 'run'), 'names')).toContain('scenario ids');
  });

  it('scenarios alone names its subcommands; an unknown one is called unknown', { timeout: 60_000 }, async () => {
    const failure = async (...args: string[]): Promise<{ code: number; stderr: string }> =>
      run(TSX, [MAIN, ...args], { cwd: ROOT, timeout: 60_000, encoding: 'utf8' }).then(
        () => ({ code: 0, stderr: '' }),
        (error: { code?: number; stderr?: string }) => ({ code: Number(error.code), stderr: String(error.stderr) }),
      );
    const alone = await failure('scenarios');
    expect(alone.code).toBe(2);
    expect(alone.stderr).toContain('scenarios list or scenarios run');
    const unknown = await failure('scenarios', 'bogus');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('Unknown argument: bogus');
  });
});
