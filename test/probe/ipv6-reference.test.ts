/**
 * A healthy reference server on ::1 must pass the probe: PASV/PORT cannot carry IPv6 addresses, so
 * at default modes or `all` they are reported as not applicable, and an explicitly asked PASV's 522
 * is correct behaviour (info). Skips when this machine has no IPv6 loopback.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { probeCommandMain, type ProbeArguments } from '../../src/cli/probe.js';
import { realNetwork } from '../../src/net/real.js';
import { probe } from '../../src/probe/engine.js';
import type { ProbeReport } from '../../src/report/model.js';
import { startServer, type RunningServer } from '../../src/server/index.js';

/** Can we listen on ::1? (Containers and hosts with IPv6 disabled cannot.) */
async function loopbackIpv6Available(): Promise<boolean> {
  const server = net.createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen({ host: '::1', port: 0 }, () => server.close(() => resolve(true)));
  });
}

const ipv6 = await loopbackIpv6Available();
const SKIP = '(skipped: this machine cannot listen on ::1, the IPv6 loopback)';
if (!ipv6) console.warn(`ipv6-reference.test.ts ${SKIP}`);

const FAST = { connectTimeoutMs: 2000, dataTimeoutMs: 1000 };

let server: RunningServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function serveOnIpv6(): Promise<string> {
  server = await startServer({ host: '::1', port: 0, anonymous: true, log: 'none' }, realNetwork);
  return `ftp://[::1]:${server.port}/`;
}

const stepResults = (report: ProbeReport): [string, string][] => report.steps.filter((step) => step.id.startsWith('data:')).map((step) => [step.id, step.result]);
const info = (report: ProbeReport) => report.findings.find((finding) => finding.code === 'MODE_NOT_APPLICABLE');

describe('probe over IPv6 against the reference server', () => {
  it.skipIf(!ipv6)(`default modes: the CLI exits 0, EPSV is tested and PASV is reported not applicable ${ipv6 ? '' : SKIP}`, async () => {
    const url = await serveOnIpv6();
    const args: ProbeArguments = { url, modes: 'epsv,pasv', samples: 0, connectTimeout: FAST.connectTimeoutMs, dataTimeout: FAST.dataTimeoutMs, useAdvertisedAddress: false, strictTls: false, ccc: false, json: true, reportDir: 'none' };
    let captured: ProbeReport | undefined;
    // Not a terminal: the progress line stays off.
    const silent = { isTTY: false, write: () => true } as unknown as NodeJS.WriteStream;
    const code = await probeCommandMain(args, { env: {}, progressStream: silent, emit: async (report) => void (captured = report as ProbeReport) });
    expect(captured?.verdict).toBe('pass');
    expect(code).toBe(0);
    if (!captured) return;
    expect(stepResults(captured)).toEqual([
      ['data:epsv', 'ok'],
      ['data:pasv', 'skip'],
    ]);
    expect(captured.steps.find((step) => step.id === 'data:pasv')?.detail).toMatch(/^not applicable: PASV can only carry an IPv4 address/);
    expect(captured.findings.map((finding) => [finding.code, finding.severity])).toEqual([['MODE_NOT_APPLICABLE', 'info']]);
    // PASV was never sent: no session of its own, no 522 in the transcript.
    expect(captured.transcript.some((line) => line.text.startsWith('PASV'))).toBe(false);
  });

  it.skipIf(!ipv6)(`--modes all: EPSV and EPRT pass, PASV and PORT are not applicable ${ipv6 ? '' : SKIP}`, async () => {
    const url = await serveOnIpv6();
    const run = await probe({ url, modes: ['epsv', 'pasv', 'port', 'eprt'], ...FAST }, realNetwork);
    expect(run.report.verdict).toBe('pass');
    expect(run.evidence.attempts.map((attempt) => [attempt.mode, attempt.transfer.outcome, attempt.token?.matches])).toEqual([
      ['epsv', 'complete', true],
      ['eprt', 'complete', true],
    ]);
    expect(run.evidence.options.notApplicable).toEqual(['pasv', 'port']);
    expect(stepResults(run.report)).toEqual([
      ['data:epsv', 'ok'],
      ['data:eprt', 'ok'],
      ['data:pasv', 'skip'],
      ['data:port', 'skip'],
    ]);
    expect(info(run.report)?.severity).toBe('info');
    expect(info(run.report)?.title).toBe('PASV and PORT do not apply to an IPv6 control connection');
    expect(run.report.findings.filter((finding) => finding.severity !== 'info')).toEqual([]);
  });

  it.skipIf(!ipv6)(`explicit --modes pasv: PASV is asked, and its 522 is info, not an error ${ipv6 ? '' : SKIP}`, async () => {
    const url = await serveOnIpv6();
    const run = await probe({ url, modes: ['pasv'], ...FAST }, realNetwork);
    const [attempt] = run.evidence.attempts;
    expect(attempt?.command).toBe('PASV');
    expect(attempt?.modeReply?.code).toBe(522);
    expect(run.report.verdict).toBe('pass');
    expect(run.report.findings.map((finding) => [finding.code, finding.severity])).toEqual([['MODE_NOT_APPLICABLE', 'info']]);
    expect(info(run.report)?.explanation).toMatch(/answered "522 [^"]*": correct behaviour over IPv6/);
    expect(stepResults(run.report)).toEqual([['data:pasv', 'skip']]);
  });

  it.skipIf(!ipv6)(`explicit --modes port,eprt: PORT cannot be written for ::1 (info), EPRT works ${ipv6 ? '' : SKIP}`, async () => {
    const url = await serveOnIpv6();
    const run = await probe({ url, modes: ['port', 'eprt'], ...FAST }, realNetwork);
    expect(run.report.verdict).toBe('pass');
    expect(run.evidence.attempts.map((attempt) => [attempt.mode, attempt.notSent !== undefined, attempt.transfer.outcome])).toEqual([
      ['port', true, 'not-started'],
      ['eprt', false, 'complete'],
    ]);
    expect(run.report.findings.map((finding) => [finding.code, finding.severity])).toEqual([['MODE_NOT_APPLICABLE', 'info']]);
  });
});
