/**
 * A data channel that never goes idle and never ends: one byte every 200 ms, far inside the idle
 * deadline. Only a total deadline ends such a transfer; the probe (through the real CLI), `check`
 * with maxTransferMs and the sweep's per-port proof must each stop it there and say so — a
 * finding, never a pass. Before the total deadline existed each of these ran for as long as the
 * server pleased; the bounds below (`within`) are hang guards, far above the deadlines tested.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { probeOptionsFor, runCheck } from '../../src/check/run.js';
import { probeOptionsFromArguments, type ProbeArguments } from '../../src/cli/probe.js';
import { openSession, Recorder } from '../../src/client/index.js';
import { realNetwork } from '../../src/net/real.js';
import type { ProbeReport } from '../../src/report/model.js';
import { provePort } from '../../src/sweep/prove.js';
import { startScriptedFtp, within, type DataContext, type ScriptedFtp } from './scripted-ftp.js';

const run = promisify(execFile);
const CLI = [path.resolve('node_modules/tsx/dist/cli.mjs'), 'src/cli/main.ts'];
const DRIBBLE_MS = 200;
/** Idle deadline: ten dribble periods, so a busy machine's late timer never makes it look idle. */
const DATA_TIMEOUT_MS = 2000;

let server: ScriptedFtp | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** One byte every DRIBBLE_MS, for as long as the client keeps the connection; never a 226. */
function dribble(context: DataContext): void {
  context.every(DRIBBLE_MS, () => context.socket.write('x'));
  context.socket.once('close', () => context.reply('426 transfer aborted\r\n'));
}

describe('a dribbling data channel is stopped at the total deadline', () => {
  it('probe (real CLI, default deadline: 4 data timeouts): DATA_TRANSFER_TOO_SLOW, exit 1, bytes and time reported, passive and active', async () => {
    server = await startScriptedFtp(dribble);
    const args = ['probe', `ftp://127.0.0.1:${server.port}/`, '--modes', 'pasv,port', '--data-timeout', String(DATA_TIMEOUT_MS), '--connect-timeout', '5000', '--json', '--report-dir', 'none'];
    let code = 0;
    let stdout = '';
    try {
      ({ stdout } = await run(process.execPath, [...CLI, ...args], { timeout: 60_000 }));
    } catch (error) {
      const failed = error as { code?: number; killed?: boolean; stdout?: string };
      expect(failed.killed, 'the probe was still running after 60 s').not.toBe(true);
      code = failed.code ?? -1;
      stdout = failed.stdout ?? '';
    }
    expect(code).toBe(1);
    const report = JSON.parse(stdout) as ProbeReport;
    expect(report.verdict).toBe('fail');
    const finding = report.findings.find((candidate) => candidate.code === 'DATA_TRANSFER_TOO_SLOW');
    expect(finding?.severity).toBe('error');
    expect(finding?.title).toMatch(/did not finish within its 8000 ms total deadline: \d+ bytes in \d+ ms, stopped/);
    expect(finding?.remedies.map((remedy) => remedy.product)).toEqual(expect.arrayContaining(['vsftpd', 'ProFTPD', 'Client']));
    for (const id of ['data:pasv', 'data:port']) {
      const step = report.steps.find((candidate) => candidate.id === id);
      expect(step?.result, id).toBe('fail');
      expect(step?.detail, id).toMatch(/too-slow after [1-9]\d* bytes \(still running at the transfer's total deadline of 8000 ms/);
    }
  }, 90_000);

  it('check: maxTransferMs stops the transfer when reached, and the failure says so', async () => {
    server = await startScriptedFtp(dribble);
    const url = `ftp://127.0.0.1:${server.port}/`;
    const report = await within(runCheck([{ target: { name: 'dribbler', url, modes: ['pasv'], maxTransferMs: 2500 } }], { network: realNetwork, dataTimeoutMs: DATA_TIMEOUT_MS, connectTimeoutMs: 5000 }), 40_000);
    expect(report, 'check was still running after 40 s').toBeDefined();
    const target = report?.targets[0];
    expect(target?.verdict).toBe('fail');
    expect(target?.failures.join('\n')).toMatch(/PASV the listing was stopped at the maxTransferMs limit of 2500 ms, unfinished after [1-9]\d* bytes \(DATA_TRANSFER_TOO_SLOW\)/);
    const listing = target?.probe?.steps.find((step) => step.id === 'data:pasv');
    expect(listing?.detail).toMatch(/too-slow after/);
  }, 60_000);

  it("sweep: a port's proof ends at the total deadline instead of reading for ever", async () => {
    server = await startScriptedFtp(dribble);
    const opened = await openSession({ network: realNetwork, recorder: new Recorder(), session: 'sweep-1', host: server.host, port: server.port, tlsHost: server.host, tls: 'none', user: 'u', password: 'p', connectTimeoutMs: 5000, replyTimeoutMs: 5000, strictTls: false, protectData: false });
    const control = opened.control;
    if (!control) throw new Error('login failed in the fake');
    try {
      const reply = await control.command('EPSV');
      const port = Number(/\|\|\|(\d+)\|/.exec(reply.message)?.[1]);
      const result = await within(provePort({ control, network: realNetwork, dialHost: '127.0.0.1', dataTimeoutMs: DATA_TIMEOUT_MS, tokens: false }, port), 40_000);
      expect(result, 'the port proof was still reading after 40 s').toBeDefined();
      expect(result?.state).toBe('error');
      expect(result?.detail).toMatch(/deadline \(still running at the total deadline of 8000 ms, [1-9]\d* bytes in\)/);
    } finally {
      control.destroy();
    }
  }, 60_000);
});

describe('setting the total deadlines', () => {
  const defaults: ProbeArguments = { url: 'ftp://127.0.0.1/', modes: 'pasv', samples: 0, connectTimeout: 2000, dataTimeout: 300, useAdvertisedAddress: false, strictTls: false, ccc: false, json: true };
  it('--transfer-timeout and --retrieve-timeout reach the probe; 0 is a usage error', () => {
    expect(probeOptionsFromArguments({ ...defaults, transferTimeout: 3000, retrieveTimeout: 9000 }, {})).toMatchObject({ transferTimeoutMs: 3000, retrieveTimeoutMs: 9000 });
    expect(probeOptionsFromArguments(defaults, {}).transferTimeoutMs).toBeUndefined();
    expect(() => probeOptionsFromArguments({ ...defaults, transferTimeout: 0 }, {})).toThrow(/--transfer-timeout/);
  });
  it("check: maxTransferMs is the deadline of the listing and of the retrieval", () => {
    const options = probeOptionsFor({ target: { name: 't', url: 'ftp://127.0.0.1/', maxTransferMs: 1234, retrieve: '/f' } }, {});
    expect(options).toMatchObject({ transferTimeoutMs: 1234, retrieveTimeoutMs: 1234 });
  });
});
