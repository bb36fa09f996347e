/**
 * `ftp-doctor check` end to end on loopback against our reference server: a policy that holds,
 * one that does not (passive range), TLS policy both ways, an unreachable target next to a good
 * one, and a missing credential stopping everything before any connection.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { realNetwork } from '../../src/net/real.js';
import { startServer, type RunningServer } from '../../src/server/index.js';
import type { ServerOptions } from '../../src/server/index.js';
import { checkCommandMain, type CheckArguments } from '../../src/cli/check.js';
import { UsageError } from '../../src/cli/errors.js';
import type { CheckReport } from '../../src/report/model.js';
import { renderJson, renderJUnit, renderMarkdown, renderHtml, renderTable } from '../../src/report/index.js';

const SECRET = 'Check-Secret-77';
const ENV = { FTP_PASSWORD_TEST: SECRET };

let directory = '';
const servers: RunningServer[] = [];

beforeAll(async () => {
  directory = await mkdtemp(path.join(os.tmpdir(), 'fd-check-'));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function serve(options: Partial<ServerOptions> = {}): Promise<RunningServer> {
  const server = await startServer({ host: '127.0.0.1', port: 0, users: [{ name: 'bob', password: SECRET }], log: 'none', ...options }, realNetwork);
  servers.push(server);
  return server;
}

async function policyFile(text: string): Promise<string> {
  const file = path.join(directory, `policy-${Math.random().toString(36).slice(2)}.yml`);
  await writeFile(file, text);
  return file;
}

async function check(text: string, env: NodeJS.ProcessEnv = ENV): Promise<{ code: number; report: CheckReport }> {
  let report: CheckReport | undefined;
  const args: CheckArguments = { policy: await policyFile(text), concurrency: 4, connectTimeout: 3000, dataTimeout: 3000, json: true, reportDir: 'none' };
  const code = await checkCommandMain(args, { env, emit: async (value) => void (report = value) });
  if (!report) throw new Error('no report emitted');
  return { code, report };
}

function allRenderings(report: CheckReport): string[] {
  return [renderJson(report), renderJUnit(report), renderMarkdown(report), renderHtml(report), renderTable(report, { color: false })];
}

describe('ftp-doctor check against the reference server', () => {
  it('a policy that holds: exit 0, no failures, the password in no output', async () => {
    const server = await serve({ pasvRange: { from: 26000, to: 26999 } });
    const { code, report } = await check(`
targets:
  - name: local
    url: ftp://bob@127.0.0.1:${server.port}/
    passwordEnv: FTP_PASSWORD_TEST
    passiveRange: 26000-26999
    externalAddress: 127.0.0.1
    modes: [epsv, pasv]
    maxTransferMs: 600000
    samples: 3
`);
    expect(report.targets[0]?.failures).toEqual([]);
    expect(report.verdict).toBe('pass');
    expect(code).toBe(0);
    expect(report.targets[0]?.probe?.passivePorts?.length).toBeGreaterThanOrEqual(5);
    for (const text of allRenderings(report)) expect(text).not.toContain(SECRET);
  });

  it('a passive range mismatch: exit 1 and the port named in a plain sentence', async () => {
    const server = await serve({ pasvRange: { from: 26000, to: 26999 } });
    const { code, report } = await check(`
targets:
  - name: local
    url: ftp://bob@127.0.0.1:${server.port}/
    passwordEnv: FTP_PASSWORD_TEST
    passiveRange: 5500-5525
`);
    expect(code).toBe(1);
    expect(report.verdict).toBe('fail');
    const failures = report.targets[0]?.failures ?? [];
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatch(/^passive ports? 26\d{3}(, 26\d{3})* (is|are) outside 5500-5525/);
    // The probe's own finding (with remedies) is in the report, but not repeated as a failure.
    expect(report.targets[0]?.probe?.findings.map((finding) => finding.code)).toContain('PASV_PORT_OUT_OF_RANGE');
    expect(renderJUnit(report)).toMatch(/<failure message="passive ports? 26\d{3}/);
  });

  it('requireTls: a server that lets plain logins in fails, one that refuses them passes', async () => {
    const lax = await serve({ tls: 'explicit' });
    const strict = await serve({ tls: 'explicit', requireTls: true });
    const { code, report } = await check(`
defaults:
  requireTls: true
  modes: [pasv]
targets:
  - name: lax
    url: ftpes://bob@127.0.0.1:${lax.port}/
    passwordEnv: FTP_PASSWORD_TEST
  - name: strict
    url: ftp://bob@127.0.0.1:${strict.port}/
    tls: explicit
    passwordEnv: FTP_PASSWORD_TEST
`);
    const [laxResult, strictResult] = report.targets;
    expect(laxResult?.failures).toEqual(['the server accepts a login without TLS (it answered "331 Please specify the password." to USER in clear text; no password was sent), but requireTls is set']);
    expect(strictResult?.failures).toEqual([]);
    expect(strictResult?.verdict).toBe('pass');
    expect(code).toBe(1);
  });

  it('an unreachable target fails with the control finding; the others still run', async () => {
    const good = await serve();
    const gone = await serve();
    const closedPort = gone.port;
    await gone.close();
    const { code, report } = await check(`
targets:
  - name: good
    url: ftp://bob@127.0.0.1:${good.port}/
    passwordEnv: FTP_PASSWORD_TEST
  - name: gone
    url: ftp://127.0.0.1:${closedPort}/
`);
    expect(report.targets.map((target) => [target.name, target.verdict])).toEqual([
      ['good', 'pass'],
      ['gone', 'fail'],
    ]);
    expect(report.targets[1]?.failures[0]).toMatch(/^the control session failed: CONTROL_UNREACHABLE: /);
    expect(code).toBe(1);
  });

  it('a wrong password is a failed requirement, not a crash', async () => {
    const server = await serve();
    const { code, report } = await check(`targets: [{ name: local, url: "ftp://bob@127.0.0.1:${server.port}/", passwordEnv: FTP_PASSWORD_TEST }]\n`, { FTP_PASSWORD_TEST: 'wrong-password' });
    expect(code).toBe(1);
    expect(report.targets[0]?.failures[0]).toMatch(/^the control session failed: LOGIN_FAILED: /);
  });

  it('a missing environment variable stops the run before any connection, naming file, line and field', async () => {
    const server = await serve();
    let connections = 0;
    const counting = { ...realNetwork, connect: (...args: Parameters<typeof realNetwork.connect>) => (connections++, realNetwork.connect(...args)) };
    const file = await policyFile(`targets:\n  - name: local\n    url: ftp://bob@127.0.0.1:${server.port}/\n    passwordEnv: FTP_PASSWORD_MISSING\n`);
    const args: CheckArguments = { policy: file, concurrency: 1, connectTimeout: 1000, dataTimeout: 1000, json: true, reportDir: 'none' };
    const run = checkCommandMain(args, { env: {}, network: counting, emit: async () => {} });
    await expect(run).rejects.toThrow(UsageError);
    await expect(checkCommandMain(args, { env: {}, network: counting, emit: async () => {} })).rejects.toThrow(
      `${file}: line 4, targets[0].passwordEnv names FTP_PASSWORD_MISSING, which is not set in the environment`,
    );
    expect(connections).toBe(0);
  });

  it('bad files and bad options are usage errors', async () => {
    const args = (policy: string): CheckArguments => ({ policy, concurrency: 1, connectTimeout: 1000, dataTimeout: 1000, json: true, reportDir: 'none' });
    await expect(checkCommandMain(args(path.join(directory, 'nope.yml')), { env: {} })).rejects.toThrow(/nope\.yml: no such file/);
    const bad = await policyFile('targets:\n  - name: x\n    url: ftp://127.0.0.1/\n    passiveRange: lots\n');
    await expect(checkCommandMain(args(bad), { env: {} })).rejects.toThrow(/line 4, targets\[0\]\.passiveRange must be a port/);
    await expect(checkCommandMain({ ...args(bad), concurrency: 0 }, { env: {} })).rejects.toThrow(/--concurrency must be a positive whole number/);
  });
});
