/**
 * CPython's ftplib over explicit TLS (FTP_TLS, prot_p) against the reference server: LIST, NLST,
 * RETR, STOR and empty listings, TLS 1.3 and 1.2, passive and active, with and without TLS session
 * reuse. The client script (ftplib-client.py) treats a data connection that ends without TLS
 * close_notify as an error, as CPython 3.10–3.13 do: the server used to drop its close_notify on
 * TLS 1.3 data connections that ended right after the handshake (an empty or short listing), and
 * ftplib failed with SSLError SHUTDOWN_WHILE_IN_INIT, then read the stale 226 as the next reply.
 *
 * Which python3: FTP_DOCTOR_PYTHON, else the newest pyenv CPython 3.10–3.13, else python3 on PATH.
 * Skips with a reason when there is none. Every pyenv CPython 3.10–3.13 found also runs the core
 * steps (they are the releases users met the failure with).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, serve, type TestServer } from '../server/helpers.js';

const SCRIPT = new URL('./ftplib-client.py', import.meta.url).pathname;
const USER = { name: 'py', password: 'ftplib-secret' };

/** A python3 that runs and has ssl, with its version; null when it does not. */
function describePython(binary: string): { binary: string; version: string } | null {
  try {
    const version = execFileSync(binary, ['-c', 'import ftplib, ssl, sys; print(sys.version.split()[0])'], { timeout: 20_000, stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
    return /^3\.\d+/.test(version) ? { binary, version } : null;
  } catch {
    return null;
  }
}

/** pyenv's CPython 3.10–3.13 builds, newest first. */
function pyenvPythons(): string[] {
  const versions = path.join(process.env.PYENV_ROOT ?? path.join(os.homedir(), '.pyenv'), 'versions');
  if (!existsSync(versions)) return [];
  return readdirSync(versions)
    .filter((name) => /^3\.1[0-3]\.\d+$/.test(name))
    .sort((a, b) => b.localeCompare(a, 'en', { numeric: true }))
    .map((name) => path.join(versions, name, 'bin', 'python3'))
    .filter((binary) => existsSync(binary));
}

const pyenv = pyenvPythons().map(describePython).filter((item) => item !== null);
const candidates = [process.env.FTP_DOCTOR_PYTHON, ...pyenv.map((item) => item.binary), 'python3', '/usr/bin/python3'].filter((item): item is string => !!item);
const python = candidates.reduce<{ binary: string; version: string } | null>((found, binary) => found ?? describePython(binary), null);
const skipReason = python ? null : 'no python3 with ftplib and ssl (apt-get install python3, or set FTP_DOCTOR_PYTHON)';
if (skipReason) console.warn(`ftplib tests skipped: ${skipReason}`);
const skipText = skipReason ? ` (skipped: ${skipReason})` : '';

type StepResult = [step: string, outcome: 'ok' | 'error', value: unknown];
interface FtplibRun {
  python: string;
  results: StepResult[];
}

interface FtplibOptions {
  tls?: '1.3' | '1.2' | 'any';
  passive?: boolean;
  reuse?: boolean;
}

async function ftplib(binary: string, port: number, options: FtplibOptions, steps: string[]): Promise<FtplibRun> {
  const args = [SCRIPT, '127.0.0.1', String(port), JSON.stringify({ ...options, user: USER.name, password: USER.password }), ...steps];
  const result = await run(binary, args, 90_000);
  const output = result.stdout.toString().trim();
  if (result.code !== 0 || output === '') throw new Error(`${binary} exited ${result.code}: ${result.stderr.slice(-2000)}`);
  return JSON.parse(output) as FtplibRun;
}

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');
/** The bytes ftplib-client.py uploads for stor:PATH:SIZE. */
const pattern = (size: number): Buffer => Buffer.from(Array.from({ length: size }, (_, index) => (index * 7 + 3) % 251));
const download = Buffer.from(Array.from({ length: 300_000 }, (_, index) => (index * 13) % 256));

describe.skipIf(skipReason !== null)(`ftplib over TLS against serve${skipText}`, () => {
  let root: string;
  const servers: TestServer[] = [];
  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'ftp-doctor-ftplib-'));
    await mkdir(path.join(root, 'empty'));
    await mkdir(path.join(root, 'dir'));
    await writeFile(path.join(root, 'dir', 'a.txt'), 'a\n');
    await writeFile(path.join(root, 'dir', 'b.txt'), 'b\n');
    await writeFile(path.join(root, 'zero.bin'), Buffer.alloc(0));
    await writeFile(path.join(root, 'file.bin'), download);
  });
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.close()));
    await rm(root, { recursive: true, force: true });
  });

  async function start(requireSessionReuse: boolean): Promise<TestServer> {
    const server = await serve({ root, anonymous: false, users: [USER], writable: true, tls: 'explicit', requireTls: true, requireSessionReuse });
    servers.push(server);
    return server;
  }

  /** Each step ok, and the control channel still in step at the end (PWD answers "/"). */
  function expectAllOk(outcome: FtplibRun): Map<string, unknown> {
    const failed = outcome.results.filter(([, result]) => result !== 'ok');
    expect(failed, `python ${outcome.python}`).toEqual([]);
    expect(outcome.results.at(-1)).toEqual(['pwd', 'ok', '/']);
    return new Map(outcome.results.map(([step, , value]) => [step, value]));
  }

  describe.each([
    ['TLS 1.3', '1.3'],
    ['TLS 1.2', '1.2'],
  ] as const)('%s', (_label, tlsVersion) => {
    it.each([
      ['passive', true],
      ['active', false],
    ])('%s: empty NLST and LIST, NLST, LIST, RETR (empty and 300 kB), STOR, then PWD still in step', async (mode, passive) => {
      const server = await start(false);
      const upload = `up-${tlsVersion}-${mode}.bin`;
      const outcome = await ftplib((python as { binary: string }).binary, server.port, { tls: tlsVersion, passive }, [
        'nlst:/empty',
        'list:/empty',
        'nlst:/dir',
        'list:/dir',
        'retr:/zero.bin',
        'retr:/file.bin',
        `stor:/${upload}:123457`,
        'nlst:/empty',
        'pwd',
      ]);
      const values = expectAllOk(outcome);
      expect(values.get('nlst:/empty')).toEqual([]);
      expect(values.get('list:/empty')).toEqual([]);
      expect((values.get('nlst:/dir') as string[]).map((name) => path.posix.basename(name))).toEqual(['a.txt', 'b.txt']);
      expect(values.get('list:/dir')).toEqual([expect.stringMatching(/ a\.txt$/), expect.stringMatching(/ b\.txt$/)]);
      expect(values.get('retr:/zero.bin')).toEqual({ bytes: 0, sha256: sha256(Buffer.alloc(0)) });
      expect(values.get('retr:/file.bin')).toEqual({ bytes: download.length, sha256: sha256(download) });
      expect(values.get(`stor:/${upload}:123457`)).toMatchObject({ reply: expect.stringMatching(/^226 /) });
      expect(sha256(await readFile(path.join(root, upload)))).toBe(sha256(pattern(123_457)));
    });
  });

  it('data connections resuming the control session (server requires reuse): empty and full listings, RETR, STOR', async () => {
    const server = await start(true);
    const outcome = await ftplib((python as { binary: string }).binary, server.port, { tls: 'any', reuse: true }, [
      'nlst:/empty',
      'list:/dir',
      'retr:/file.bin',
      'stor:/up-reuse.bin:4096',
      'pwd',
    ]);
    const values = expectAllOk(outcome);
    expect(values.get('nlst:/empty')).toEqual([]);
    expect(values.get('retr:/file.bin')).toMatchObject({ sha256: sha256(download) });
    expect(sha256(await readFile(path.join(root, 'up-reuse.bin')))).toBe(sha256(pattern(4096)));
  });

  it.skipIf(pyenv.length === 0)(
    `every pyenv CPython 3.10–3.13 (${pyenv.map((item) => item.version).join(', ') || 'skipped: none under ~/.pyenv/versions'}): an empty NLST over TLS 1.3 and what follows`,
    async () => {
      const server = await start(false);
      for (const { binary, version } of pyenv) {
        const outcome = await ftplib(binary, server.port, { tls: '1.3' }, ['nlst:/empty', 'list:/dir', 'retr:/zero.bin', 'pwd']);
        expect(outcome.python).toBe(version);
        expectAllOk(outcome);
      }
    },
    120_000,
  );
});
