/**
 * What a run leaves behind and where it says so (issue 13, item 11): no files unless asked
 * (`--report-dir`, `--junit`), and then a line on stderr naming where they went; stdout fitted to
 * 80 columns when piped (item 7), through the real CLI in a scratch directory.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import stringWidth from 'string-width';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tableWidth } from '../../src/cli/output.js';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');
const TSX = path.join(ROOT, 'node_modules/.bin/tsx');
const MAIN = path.join(ROOT, 'src/cli/main.ts');

let scratch: string;
beforeEach(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'ftp-doctor-output-'));
});
afterEach(async () => {
  await rm(scratch, { recursive: true, force: true });
});

function env(): NodeJS.ProcessEnv {
  const clean: NodeJS.ProcessEnv = { ...process.env };
  for (const key of ['FORCE_COLOR', 'GITHUB_ACTIONS', 'GITHUB_STEP_SUMMARY', 'CI']) delete clean[key];
  return clean;
}

async function cli(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run(TSX, [MAIN, ...args], { cwd: scratch, env: env(), timeout: 120_000, encoding: 'utf8' });
}

describe('report files', () => {
  it('a run writes nothing unless asked, and its table fits 80 columns', { timeout: 120_000 }, async () => {
    const { stdout, stderr } = await cli('scenarios', 'run', 'control-channel-only');
    expect(stdout).toContain('control-channel-only');
    expect(await readdir(scratch)).toEqual([]);
    expect(stderr).not.toContain('written');
    expect(stdout.split('\n').filter((line) => stringWidth(line) > 80)).toEqual([]);
  });

  it('--report-dir and --junit write there and say so on stderr', { timeout: 120_000 }, async () => {
    const { stdout, stderr } = await cli('scenarios', 'run', 'control-channel-only', '--report-dir', 'out', '--junit', 'ci/junit.xml');
    expect((await readdir(path.join(scratch, 'out'))).sort()).toEqual(['junit.xml', 'report.html', 'report.json', 'report.md']);
    expect(existsSync(path.join(scratch, 'ci/junit.xml'))).toBe(true);
    expect(stderr).toContain('reports written to out/');
    expect(stderr).toContain('JUnit report written to ci/junit.xml');
    expect(stdout).not.toContain('written');
  });

  it('with --json stdout stays one JSON object; where the files went is on stderr', { timeout: 120_000 }, async () => {
    const { stdout, stderr } = await cli('scenarios', 'run', 'control-channel-only', '--json', '--report-dir', 'out');
    expect((JSON.parse(stdout) as { kind: string }).kind).toBe('scenarios');
    expect(stderr).toContain('reports written to out/');
  });

  it('scenarios list fits 80 columns', { timeout: 120_000 }, async () => {
    const { stdout } = await cli('scenarios', 'list');
    expect(stdout).toContain('control-channel-only');
    expect(stdout.split('\n').filter((line) => stringWidth(line) > 80)).toEqual([]);
  });
});

describe('tableWidth', () => {
  it.each([
    [{ isTTY: true, columns: 120 }, 120],
    [{ isTTY: true, columns: 300 }, 200],
    [{ isTTY: true, columns: 40 }, 60],
    [{ isTTY: false, columns: 120 }, 80],
    [{}, 80],
  ])('%j → %i', (stream, expected) => {
    expect(tableWidth(stream)).toBe(expected);
  });
});
