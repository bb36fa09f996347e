/**
 * Report files that cannot be written are the user's to fix: one line naming the option, the path
 * and the problem, exit 2 — never "internal error". And a mistyped path outside the current
 * directory does not leave new directories behind (only the report's own directory is created,
 * when the one above it exists); inside the current directory missing ones are created, as CI
 * jobs writing `reports/probe` in a fresh checkout expect.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeReportFiles } from '../../src/cli/output.js';
import { healthyProbe } from '../report/fixtures.js';
import { ftpDoctor } from '../setup/run-cli.js';

const CAPTURE = 'test/fixtures/capture/ftp-ethernet-le.pcap';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'ftp-doctor-report-files-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function expectOneUserErrorLine(result: { code: number; stderr: string }, message: RegExp): void {
  expect(result.code).toBe(2);
  expect(result.stderr).not.toMatch(/internal error|\n\s+at /);
  const lines = result.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(message);
}

describe('report files the user asked for', () => {
  it('--report-dir naming an existing file', async () => {
    const file = path.join(dir, 'afile');
    await writeFile(file, 'x');
    expectOneUserErrorLine(await ftpDoctor(['explain', CAPTURE, '--report-dir', file]), /^ftp-doctor: --report-dir .*afile: .*afile exists and is not a directory$/);
  });

  it.skipIf(!existsSync('/dev/full'))('--junit /dev/full (a full disk)', async () => {
    expectOneUserErrorLine(await ftpDoctor(['explain', CAPTURE, '--junit', '/dev/full']), /^ftp-doctor: --junit \/dev\/full: cannot write.*no space left on the device \(ENOSPC\)$/);
  });

  it('--junit below a missing directory outside the current one: refused, nothing created', async () => {
    const missing = path.join(dir, 'nonexist');
    expectOneUserErrorLine(await ftpDoctor(['explain', CAPTURE, '--junit', path.join(missing, 'dir', 'j.xml')]), /^ftp-doctor: --junit .*j\.xml: the directory .*nonexist does not exist/);
    expect(existsSync(missing)).toBe(false);
  });

  it('--junit into a new directory whose parent exists: created', async () => {
    const result = await ftpDoctor(['explain', CAPTURE, '--junit', path.join(dir, 'new', 'j.xml')]);
    expect(result.code).toBe(0);
    expect((await stat(path.join(dir, 'new', 'j.xml'))).isFile()).toBe(true);
  });

  it('inside the current directory, missing directories are created', async () => {
    const before = process.cwd();
    process.chdir(dir);
    try {
      await writeReportFiles(healthyProbe(), { reportDir: 'reports/probe', junit: 'out/ci/junit.xml' });
    } finally {
      process.chdir(before);
    }
    expect((await stat(path.join(dir, 'reports', 'probe', 'report.json'))).isFile()).toBe(true);
    expect((await stat(path.join(dir, 'out', 'ci', 'junit.xml'))).isFile()).toBe(true);
  });
});
