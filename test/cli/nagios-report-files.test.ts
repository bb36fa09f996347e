/**
 * `--format nagios` with the report flags, through the real CLI: stdout is the one plugin line,
 * but --report-dir and --junit still write their files (they were silently dropped), and --json,
 * which would put a second thing on stdout, is refused as a usage error (UNKNOWN 3) instead of
 * being silently ignored.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freePort } from '../probe/free-port.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const TSX = path.join(ROOT, 'node_modules/.bin/tsx');
const MAIN = path.join(ROOT, 'src/cli/main.ts');

let scratch: string;
beforeEach(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'ftp-doctor-nagios-files-'));
});
afterEach(async () => {
  await rm(scratch, { recursive: true, force: true });
});

interface Outcome { code: number; stdout: string; stderr: string }

function cli(...args: string[]): Promise<Outcome> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of ['FORCE_COLOR', 'GITHUB_ACTIONS', 'GITHUB_STEP_SUMMARY', 'CI']) delete env[key];
  return new Promise((resolve) => {
    execFile(TSX, [MAIN, ...args], { cwd: scratch, env, timeout: 120_000, encoding: 'utf8' }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? -1) : 0, stdout, stderr });
    });
  });
}

/** A loopback port nobody listens on: the probe fails fast (refused) and deterministically. */
async function closedTarget(): Promise<string> {
  return `ftp://127.0.0.1:${await freePort()}/`;
}

describe('--format nagios and the report flags', () => {
  it('probe: one plugin line on stdout, and the files --report-dir and --junit asked for', { timeout: 120_000 }, async () => {
    const outcome = await cli('probe', await closedTarget(), '--format', 'nagios', '--report-dir', 'out', '--junit', 'ci/junit.xml');
    expect(outcome.code).toBe(2);
    expect(outcome.stdout.trimEnd().split('\n')).toHaveLength(1);
    expect(outcome.stdout).toMatch(/^FTP CRITICAL - CONTROL_UNREACHABLE/);
    expect((await readdir(path.join(scratch, 'out'))).sort()).toEqual(['junit.xml', 'report.html', 'report.json', 'report.md']);
    expect(existsSync(path.join(scratch, 'ci/junit.xml'))).toBe(true);
    expect(outcome.stderr).toContain('reports written to out/');
  });

  it('check: the same for a policy run', { timeout: 120_000 }, async () => {
    await writeFile(path.join(scratch, 'policy.yml'), `targets:\n  - name: closed\n    url: ${await closedTarget()}\n`);
    const outcome = await cli('check', 'policy.yml', '--format', 'nagios', '--report-dir', 'out');
    expect(outcome.code).toBe(2);
    expect(outcome.stdout).toMatch(/^FTP CRITICAL - /);
    expect((await readdir(path.join(scratch, 'out'))).sort()).toEqual(['junit.xml', 'report.html', 'report.json', 'report.md']);
  });

  it('--json with --format nagios is UNKNOWN (3) naming both, and nothing is written', { timeout: 120_000 }, async () => {
    for (const args of [['probe', await closedTarget()], ['check', 'policy.yml']]) {
      const outcome = await cli(...args, '--format', 'nagios', '--json', '--report-dir', 'out');
      expect(outcome.code).toBe(3);
      expect(outcome.stdout).toMatch(/^FTP UNKNOWN - --format nagios .*--json/);
      expect(existsSync(path.join(scratch, 'out'))).toBe(false);
    }
  });
});
