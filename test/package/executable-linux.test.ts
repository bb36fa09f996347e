/**
 * The Linux executable as a user gets it: copied alone into an empty directory, run from there
 * with a PATH that holds no Node at all. It prints its version, replays the catalogue it carries
 * inside, serves, and probes its own server. Decoy files where a reader of "files beside the
 * executable" would look (a broken scenario, a yargs locale file) change nothing.
 */
import { spawn } from 'node:child_process';
import { copyFile, mkdir, readdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, type RunOptions } from '../../src/netns/process.js';
import { checkNetnsSupport } from '../../src/netns/preflight.js';
import { VERSION } from '../../src/version.js';
import { ALL_MET, BUILD_TIMEOUT_MS, buildForTest, CATALOGUE_SIZE, type TestBuild } from './build-for-test.js';

const hostReason = process.platform === 'linux' && process.arch === 'x64' ? null : `the Linux x64 executable runs only on Linux x64 (this is ${process.platform}-${process.arch})`;
const RUN_TIMEOUT_MS = 120_000;
const NODE_PROGRAMS = new Set(['node', 'nodejs', 'npm', 'npx', 'corepack']);

let build: TestBuild;
/** <build>/user/a/b/ftp-doctor: the executable alone in its directory ... */
let exe: string;
let home: string;
/** ... and an empty directory as the only entry of PATH. */
let env: NodeJS.ProcessEnv;

/** One directory of links to the programs of the usual system directories, Node's excepted. */
async function linkSystemProgramsExceptNode(target: string): Promise<void> {
  await mkdir(target, { recursive: true });
  const linked = new Set<string>();
  for (const dir of ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin']) {
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const name of names) {
      if (NODE_PROGRAMS.has(name) || linked.has(name)) continue;
      linked.add(name);
      await symlink(path.join(dir, name), path.join(target, name));
    }
  }
}

const runExe = (args: string[], options: RunOptions = {}) => run([exe, ...args], { timeoutMs: RUN_TIMEOUT_MS, env, cwd: home, ...options });

describe.skipIf(hostReason)(`the standalone Linux executable${hostReason ? ` (skipped: ${hostReason})` : ''}`, { timeout: 2 * RUN_TIMEOUT_MS }, () => {
  beforeAll(async () => {
    build = await buildForTest(['linux-x64']);
    home = path.join(build.dir, 'user/a/b');
    await mkdir(home, { recursive: true });
    exe = path.join(home, 'ftp-doctor');
    await copyFile(path.join(build.dir, 'ftp-doctor-linux-x64'), exe);
    const emptyBin = path.join(build.dir, 'empty-bin');
    await mkdir(emptyBin);
    env = { PATH: emptyBin, HOME: home, LANG: 'C' };
  }, BUILD_TIMEOUT_MS);

  afterAll(async () => {
    await build?.remove();
  });

  it('finds no node on its PATH (the premise of every test below)', async () => {
    await expect(run(['node', '--version'], { env, cwd: home })).rejects.toThrow(/ENOENT/);
  });

  it('SHA256SUMS is what `sha256sum -c` checks', async () => {
    const result = await run(['sha256sum', '-c', 'SHA256SUMS'], { cwd: build.dir, timeoutMs: RUN_TIMEOUT_MS });
    expect(result.stdout, result.stderr).toBe('ftp-doctor-linux-x64: OK\n');
    expect(result.code).toBe(0);
  });

  it('--version prints the version', async () => {
    const result = await runExe(['--version']);
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe(`${VERSION}\n`);
    expect(result.code).toBe(0);
  });

  it('scenarios run replays the whole catalogue it carries through the simulator', async () => {
    const result = await runExe(['scenarios', 'run']);
    expect(result.stdout).toMatch(ALL_MET);
    expect(result.code).toBe(0);
  });

  it('reads nothing from beside it: decoy scenarios and yargs locale files change nothing', async () => {
    // Where a reader of files relative to the executable would look: beside it, and two levels
    // up (the package directory of dist/<dir>/<file>.js); yargs' locale directory is three up.
    const user = path.join(home, '../..');
    for (const dir of [home, user]) {
      await mkdir(path.join(dir, 'scenarios'), { recursive: true });
      await writeFile(path.join(dir, 'scenarios/zz-decoy.yaml'), 'id: [this is not a scenario\n');
    }
    await mkdir(path.join(user, 'locales'), { recursive: true });
    await writeFile(path.join(user, 'locales/de.json'), JSON.stringify({ 'Commands:': 'DECOY-Befehle:' }));
    const list = await runExe(['scenarios', 'list', '--json']);
    expect(list.stderr).toBe('');
    expect(list.code).toBe(0);
    expect(list.stdout).not.toContain('decoy');
    expect((JSON.parse(list.stdout) as unknown[]).length).toBe(CATALOGUE_SIZE);
    const help = await runExe(['--help'], { env: { ...env, LANG: 'de_DE.UTF-8' } });
    expect(help.stdout).toContain('Commands:');
    expect(help.stdout).not.toContain('DECOY');
  });

  it('serve on 127.0.0.1 port 0, and probe against it: pass', async () => {
    const server = spawn(exe, ['serve', '--host', '127.0.0.1', '--port', '0', '--anonymous'], { env, cwd: home, stdio: ['ignore', 'pipe', 'pipe'] });
    const killer = setTimeout(() => server.kill('SIGKILL'), RUN_TIMEOUT_MS);
    try {
      const port = await new Promise<number>((resolve, reject) => {
        let stdout = '';
        let stderr = '';
        server.stdout.on('data', (chunk: Buffer) => {
          stdout += chunk.toString();
          const listening = /^listening on 127\.0\.0\.1:(\d+)$/m.exec(stdout);
          if (listening) resolve(Number(listening[1]));
        });
        server.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        server.on('close', (code) => reject(new Error(`serve exited (${code}) before listening: ${stderr}`)));
      });
      const probe = await runExe(['probe', `ftp://127.0.0.1:${port}/`, '--json']);
      const report = JSON.parse(probe.stdout) as { verdict: string; findings: unknown[] };
      expect(report.verdict, probe.stderr).toBe('pass');
      expect(probe.code).toBe(0);
    } finally {
      clearTimeout(killer);
      server.kill('SIGTERM');
    }
  });

  // The real-kernel backend starts our CLI inside namespaces; from the executable that must be the
  // executable itself (there is no main.js beside it, and no node on PATH).
  it('--firewall netns: runs a catalogue scenario on the real kernel', async (context) => {
    const support = await checkNetnsSupport();
    if (!support.ok) return context.skip(`the real-kernel backend is not available here: ${support.reason}`);
    // The backend runs ip, nft, sh, sysctl …: a PATH with every system program but Node's.
    const systemBin = path.join(build.dir, 'system-bin-without-node');
    await linkSystemProgramsExceptNode(systemBin);
    const withoutNode = { ...env, PATH: systemBin };
    await expect(run(['node', '--version'], { env: withoutNode })).rejects.toThrow(/ENOENT/);
    const result = await runExe(['scenarios', 'run', 'control-channel-only', '--firewall', 'netns'], { env: withoutNode });
    expect(result.stdout, result.stderr).toMatch(/\b1 of 1 scenarios met their expectation/);
    expect(result.code).toBe(0);
  });
});
