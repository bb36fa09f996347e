/**
 * Who may write, and how much: `serve --anonymous --writable` would let anyone who can connect
 * upload, overwrite and delete, so it is refused (exit 2, one sentence) unless confirmed with
 * --anonymous-writable; a server nobody can log in to says so on stderr; the upload size limit
 * and the free-space floor are read with units and reach the server.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli/errors.js';
import { parseByteCount, serveOptionsFromArguments, serveWarnings } from '../../src/cli/serve-options.js';
import { run } from './helpers.js';

const TSX = path.resolve('node_modules/.bin/tsx');
const MAIN = path.resolve('src/cli/main.ts');
let root: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'ftp-doctor-write-policy-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('serve write policy (pure)', () => {
  it.each([
    [{ anonymous: true, writable: true }, /--anonymous with --writable lets anyone .* add --anonymous-writable/],
    [{ anonymousWritable: true, writable: true }, /--anonymous-writable confirms --anonymous together with --writable/],
    [{ anonymousWritable: true, anonymous: true }, /--anonymous-writable confirms/],
    [{ maxUploadBytes: '10MiB' }, /need --writable/],
    [{ writable: true, maxUploadBytes: 'lots' }, /--max-upload-bytes must be a number of bytes/],
    [{ writable: true, minFreeBytes: '-5' }, /--min-free-bytes must be a number of bytes/],
  ])('refuses %j', (args, message) => {
    const call = (): unknown => serveOptionsFromArguments({ root, ...args });
    expect(call).toThrow(UsageError);
    expect(call).toThrow(message);
  });

  it('accepts anonymous writes only when confirmed, and limits with units', () => {
    expect(serveOptionsFromArguments({ root, anonymous: true, writable: true, anonymousWritable: true })).toMatchObject({ anonymous: true, writable: true });
    expect(serveOptionsFromArguments({ root, user: ['bob:pw'], writable: true, maxUploadBytes: '2GiB', minFreeBytes: '0' }).uploadLimits).toEqual({ maxBytes: 2 * 1024 ** 3, minFreeBytes: 0 });
    expect(serveOptionsFromArguments({ root, user: ['bob:pw'], writable: true }).uploadLimits).toBeUndefined();
    expect(parseByteCount('500 MiB')).toBe(500 * 1024 ** 2);
    expect(parseByteCount('1.5G')).toBeUndefined();
  });

  it('warns when no user can log in, and only then', () => {
    expect(serveWarnings(serveOptionsFromArguments({}))).toEqual([expect.stringMatching(/no user can log in/)]);
    expect(serveWarnings(serveOptionsFromArguments({ anonymous: true }))).toEqual([]);
    expect(serveWarnings(serveOptionsFromArguments({ user: ['bob:pw'] }))).toEqual([]);
  });
});

describe('serve write policy (process)', () => {
  it('serve --anonymous --writable exits 2 with one sentence and listens on nothing', async () => {
    const result = await run(TSX, [MAIN, 'serve', '--host', '127.0.0.1', '--port', '0', '--root', root, '--anonymous', '--writable'], 60_000);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toEqual([expect.stringMatching(/--anonymous with --writable lets anyone .*--anonymous-writable/)]);
    expect(result.stdout.toString()).toBe('');
  }, 70_000);

  it('a server nobody can log in to starts, and says so on stderr', async () => {
    const child = spawn(TSX, [MAIN, 'serve', '--host', '127.0.0.1', '--port', '0', '--log', 'none'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => {
          stdout += chunk.toString();
          if (stdout.includes('\n')) resolve();
        });
        void exited.then(() => reject(new Error(`serve exited early: ${stderr}`)));
      });
      expect(stdout).toMatch(/^listening on 127\.0\.0\.1:\d+\n$/);
      // The warning is written right after the ready line; give it a bounded moment.
      for (let waited = 0; !stderr.includes('no user can log in') && waited < 10_000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(stderr).toMatch(/^warning: no user can log in .*530/m);
      // How it stops is cli.test.ts's subject (under load tsx may report the signal as 143).
      child.kill('SIGTERM');
      await exited;
    } finally {
      clearTimeout(killer);
      child.kill('SIGKILL');
    }
  }, 90_000);
});
