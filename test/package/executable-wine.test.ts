/**
 * The Windows executable under Wine (Debian's wine package): `--version` and the catalogue
 * through the simulator. Whether Wine can run Windows programs here at all is asked first (its
 * own cmd.exe); when it cannot, the test says why and skips. When it can, our executable must run.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/netns/process.js';
import { VERSION } from '../../src/version.js';
import { ALL_MET, BUILD_TIMEOUT_MS, buildForTest, type TestBuild } from './build-for-test.js';

const wine = (process.env.PATH ?? '').split(path.delimiter).map((dir) => path.join(dir, 'wine')).find((file) => existsSync(file));
const skipReason =
  process.platform !== 'linux' || process.arch !== 'x64'
    ? `Wine tests run on Linux x64 (this is ${process.platform}-${process.arch})`
    : wine === undefined
      ? 'wine is not installed (Debian: apt-get install wine wine64)'
      : null;
/** A first start of Wine creates its prefix (a Windows directory tree and registry): minutes on a busy machine. */
const WINE_TIMEOUT_MS = 5 * 60_000;

let build: TestBuild;
let exe: string;
let env: NodeJS.ProcessEnv;
/** Why Wine cannot run Windows programs here, when it cannot. */
let wineUnusable: string | null = null;

let runs = 0;

/**
 * Runs a program under Wine with stdout and stderr going to files: Wine hands a Windows program
 * Unix pipes that Node cannot open as its stdio ("open EBADF" in net.Socket), while files work
 * (on Windows itself, pipes work). Killed at its deadline.
 */
async function runWine(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string; timedOut: boolean }> {
  runs += 1;
  const outFile = path.join(build.dir, `wine-${runs}.out`);
  const errFile = path.join(build.dir, `wine-${runs}.err`);
  const [out, err] = [openSync(outFile, 'w'), openSync(errFile, 'w')];
  try {
    const child = spawn(wine!, args, { env, cwd: path.dirname(exe), stdio: ['ignore', out, err] });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, WINE_TIMEOUT_MS);
    const code = await new Promise<number | null>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', resolve);
    }).finally(() => clearTimeout(timer));
    return { code, timedOut, stdout: (await readFile(outFile, 'utf8')).replace(/\r\n/g, '\n'), stderr: await readFile(errFile, 'utf8') };
  } finally {
    closeSync(out);
    closeSync(err);
  }
}

describe.skipIf(skipReason)(`the standalone Windows executable under Wine${skipReason ? ` (skipped: ${skipReason})` : ''}`, { timeout: WINE_TIMEOUT_MS }, () => {
  beforeAll(async () => {
    build = await buildForTest(['win-x64']);
    const home = path.join(build.dir, 'user');
    await mkdir(home, { recursive: true });
    exe = path.join(home, 'ftp-doctor.exe');
    await copyFile(path.join(build.dir, 'ftp-doctor-win-x64.exe'), exe);
    // A prefix of our own; no Mono or Gecko installers (they would want a download or a display).
    env = { PATH: process.env.PATH, HOME: home, WINEPREFIX: path.join(build.dir, 'wine-prefix'), WINEDEBUG: '-all', WINEDLLOVERRIDES: 'mscoree,mshtml=' };
    const hello = await runWine(['cmd', '/c', 'echo', 'wine-runs-programs']);
    if (!hello.stdout.includes('wine-runs-programs')) {
      wineUnusable = `Wine cannot run Windows programs here (its own cmd.exe: exit ${hello.code}${hello.timedOut ? ', timed out' : ''}; ${hello.stderr.trim().split('\n').slice(-2).join(' ')})`;
      return;
    }
    // Wine's default Windows version is 7; Node 20 refuses to start below 8.1.
    const version = await runWine(['winecfg', '-v', 'win10']);
    if (version.code !== 0) wineUnusable = `winecfg -v win10 failed (exit ${version.code}): ${version.stderr.trim()}`;
  }, BUILD_TIMEOUT_MS + 2 * WINE_TIMEOUT_MS);

  afterAll(async () => {
    // wineserver outlives the programs for a few seconds; end ours now, then remove the prefix.
    if (env && existsSync(path.join(path.dirname(wine!), 'wineserver'))) await run([path.join(path.dirname(wine!), 'wineserver'), '-k'], { env, timeoutMs: 60_000 }).catch(() => undefined);
    await build?.remove();
  }, 120_000);

  it('--version prints the version', async (context) => {
    if (wineUnusable) return context.skip(wineUnusable);
    const result = await runWine([exe, '--version']);
    expect(result.stdout, result.stderr).toBe(`${VERSION}\n`);
    expect(result.code).toBe(0);
  });

  it('scenarios run replays the whole catalogue it carries through the simulator', async (context) => {
    if (wineUnusable) return context.skip(wineUnusable);
    const result = await runWine([exe, 'scenarios', 'run']);
    expect(result.stdout, result.stderr).toMatch(ALL_MET);
    expect(result.code).toBe(0);
  });
});
