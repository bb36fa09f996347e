/**
 * Colour end to end through the real CLI (`tsx src/cli/main.ts probe …` as a child process against
 * our reference server on loopback): no escape codes when piped unless FORCE_COLOR asks, NO_COLOR
 * and FORCE_COLOR=0 respected, the JSON contract never coloured, and colour on a real terminal
 * (a pseudo-terminal from util-linux `script`, when installed).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { realNetwork } from '../../src/net/real.js';
import { startServer, type RunningServer } from '../../src/server/index.js';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');
const TSX = path.join(ROOT, 'node_modules/.bin/tsx');
const SCRIPT = ['/usr/bin/script', '/bin/script'].find((candidate) => existsSync(candidate));
const ESCAPE = '\u001b[';

let server: RunningServer;
beforeAll(async () => {
  server = await startServer({ host: '127.0.0.1', port: 0, anonymous: true, log: 'none' }, realNetwork);
});
afterAll(async () => {
  await server.close();
});

/** The environment without anything that could decide colour for us (vitest may set FORCE_COLOR). */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of ['FORCE_COLOR', 'NO_COLOR', 'GITHUB_ACTIONS', 'GITHUB_STEP_SUMMARY', 'CI']) delete env[key];
  env.TERM = 'xterm-256color';
  return { ...env, ...extra };
}

function probeArgs(...more: string[]): string[] {
  return ['src/cli/main.ts', 'probe', `ftp://127.0.0.1:${server.port}/`, '--report-dir', 'none', '--connect-timeout', '5000', '--data-timeout', '5000', ...more];
}

async function probe(env: Record<string, string>, ...more: string[]): Promise<{ stdout: string; stderr: string }> {
  return run(TSX, probeArgs(...more), { cwd: ROOT, env: cleanEnv(env), timeout: 60_000, encoding: 'utf8' });
}

describe('terminal colour through the CLI', () => {
  it.each([
    ['piped, nothing set', {}],
    ['NO_COLOR=1', { NO_COLOR: '1' }],
    ['FORCE_COLOR=0', { FORCE_COLOR: '0' }],
    ['TERM=dumb', { TERM: 'dumb' }],
  ])('%s: no escape codes on stdout or stderr', { timeout: 60_000 }, async (_label, env) => {
    const { stdout, stderr } = await probe(env);
    expect(stdout).toContain('Probe ftp://127.0.0.1');
    expect(stdout).toContain('PASS');
    expect(stdout).not.toContain(ESCAPE);
    expect(stderr).not.toContain(ESCAPE);
  });

  it.each([
    ['FORCE_COLOR=1', { FORCE_COLOR: '1' }],
    ['FORCE_COLOR=1 beats NO_COLOR', { FORCE_COLOR: '1', NO_COLOR: '1' }],
  ])('%s: coloured even when piped', { timeout: 60_000 }, async (_label, env) => {
    const { stdout } = await probe(env);
    expect(stdout).toContain(`${ESCAPE}32mPASS${ESCAPE}0m`);
  });

  it('--json is never coloured, whatever FORCE_COLOR says', { timeout: 60_000 }, async () => {
    const { stdout, stderr } = await probe({ FORCE_COLOR: '3' }, '--json');
    expect(stdout).not.toContain(ESCAPE);
    expect(stderr).not.toContain(ESCAPE);
    expect(JSON.parse(stdout)).toMatchObject({ tool: 'ftp-doctor', kind: 'probe', verdict: 'pass' });
  });

  it.skipIf(!SCRIPT)(`on a terminal: coloured by default, plain with NO_COLOR${SCRIPT ? '' : ' (skipped: util-linux `script` is not installed, no pseudo-terminal)'}`, { timeout: 60_000 }, async () => {
    const quote = (text: string): string => `'${text.replace(/'/g, `'\\''`)}'`;
    const command = [TSX, ...probeArgs()].map(quote).join(' ');
    const onTerminal = async (env: Record<string, string>): Promise<string> =>
      (await run(SCRIPT as string, ['-qec', command, '/dev/null'], { cwd: ROOT, env: cleanEnv(env), timeout: 60_000, encoding: 'utf8' })).stdout;
    expect(await onTerminal({})).toContain(`${ESCAPE}32mPASS${ESCAPE}0m`);
    expect(await onTerminal({ NO_COLOR: '1' })).not.toContain(`${ESCAPE}32m`);
  });
});
