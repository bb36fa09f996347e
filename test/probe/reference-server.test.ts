import { afterEach, describe, expect, it } from 'vitest';
import type { Network } from '../../src/net/network.js';
import { realNetwork } from '../../src/net/real.js';
import { startServer, type RunningServer } from '../../src/server/index.js';
import { probe } from '../../src/probe/engine.js';
import { renderJson } from '../../src/report/json.js';
import { renderProbeTable } from '../../src/report/table.js';

let server: RunningServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

// Generous for the runs that must pass (a loaded machine); the dropped-data case sets its own.
const FAST = { connectTimeoutMs: 2000, dataTimeoutMs: 1500 };

describe('probe against the reference server', () => {
  it('passes a healthy server in every mode, checks tokens and reads the sent tags', async () => {
    server = await startServer({ host: '127.0.0.1', port: 0, anonymous: true, log: 'none' }, realNetwork);
    const run = await probe({ url: `ftp://127.0.0.1:${server.port}/`, modes: ['epsv', 'pasv', 'port', 'eprt'], samples: 2, ...FAST }, realNetwork);
    expect(run.evidence.referenceServer).toBe(true);
    expect(run.evidence.attempts.map((attempt) => [attempt.mode, attempt.transfer.outcome, attempt.token?.matches])).toEqual([
      ['epsv', 'complete', true],
      ['pasv', 'complete', true],
      ['port', 'complete', true],
      ['eprt', 'complete', true],
    ]);
    const pasv = run.evidence.attempts.find((attempt) => attempt.mode === 'pasv');
    expect(pasv?.sentByServer).toEqual({ host: '127.0.0.1', port: pasv?.advertised?.port });
    expect(run.report.verdict).toBe('pass');
    expect(run.report.steps.map((step) => step.id)).toEqual(['resolve', 'connect', 'greeting', 'login', 'features', 'sample', 'data:epsv', 'data:pasv', 'data:port', 'data:eprt']);
    expect(run.report.passivePorts?.length).toBe(6);
    // The token is evidence, not listing content.
    expect(pasv?.transfer.bytes).toBeGreaterThan(0);
  });

  it('runs hung modes at the same time: both sessions are under way before either gives up', async () => {
    server = await startServer({ host: '127.0.0.1', port: 0, anonymous: true, log: 'none' }, realNetwork);
    const controlPort = server.port;
    // Every data connection is silently dropped; only the control port gets through.
    const controlOnly: Network = {
      name: 'control-only',
      connect: (request) =>
        request.port === controlPort
          ? realNetwork.connect(request)
          : new Promise((_, reject) => request.signal?.addEventListener('abort', () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' })), { once: true })),
      listen: (request, handler) => realNetwork.listen(request, handler),
    };
    const run = await probe({ url: `ftp://127.0.0.1:${controlPort}/`, modes: ['epsv', 'pasv'], ...FAST, dataTimeoutMs: 300 }, controlOnly);
    expect(run.report.verdict).toBe('fail');
    expect(run.evidence.attempts.map((attempt) => attempt.connect?.outcome)).toEqual(['timeout', 'timeout']);
    const dataEvents = run.report.connections.filter((event) => event.purpose === 'data');
    expect(dataEvents).toHaveLength(2);
    const [first, second] = dataEvents.sort((a, b) => a.t - b.t);
    // Concurrency, not timing: the second dial started before the first one's deadline ended.
    expect((second?.t ?? Infinity) < (first?.t ?? 0) + (first?.durationMs ?? 0)).toBe(true);
    expect(run.report.findings.map((finding) => finding.code)).toContain('DATA_CHANNEL_BLOCKED');
  });

  it('with explicit TLS runs each mode over TLS and plain, resuming the TLS session on data', async () => {
    server = await startServer({ host: '127.0.0.1', port: 0, anonymous: true, tls: 'explicit', log: 'none' }, realNetwork);
    const run = await probe({ url: `ftpes://127.0.0.1:${server.port}/`, modes: ['pasv'], ...FAST, dataTimeoutMs: 2000 }, realNetwork);
    expect(run.report.steps.map((step) => [step.id, step.result])).toContainEqual(['auth-tls', 'warn']);
    const tls = run.evidence.attempts.find((attempt) => attempt.tls);
    const plain = run.evidence.attempts.find((attempt) => !attempt.tls);
    expect(tls?.dataTls?.handshake).toBe('ok');
    expect(tls?.transfer.outcome).toBe('complete');
    expect(plain?.transfer.outcome).toBe('complete');
    expect(run.evidence.plainLoginAllowed).toBe(true);
    expect(run.evidence.authTls?.certificate?.selfSigned).toBe(true);
  });

  it('under --strict-tls a self-signed certificate ends the session', async () => {
    server = await startServer({ host: '127.0.0.1', port: 0, anonymous: true, tls: 'explicit', requireTls: true, log: 'none' }, realNetwork);
    const run = await probe({ url: `ftpes://127.0.0.1:${server.port}/`, strictTls: true, ...FAST }, realNetwork);
    expect(run.evidence.authTls?.handshake).toBe('failed');
    expect(run.evidence.authTls?.error).toMatch(/strict-tls/);
    expect(run.report.verdict).toBe('fail');
  });

  it('never lets the password reach the JSON, the table or the transcript', async () => {
    server = await startServer({ host: '127.0.0.1', port: 0, users: [{ name: 'alice', password: 'Pa55-word!' }], log: 'none' }, realNetwork);
    const run = await probe({ url: `ftp://alice:Pa55-word!@127.0.0.1:${server.port}/`, ...FAST }, realNetwork);
    expect(run.evidence.login?.ok).toBe(true);
    const outputs = [renderJson(run.report), renderProbeTable(run.report, { color: false }), JSON.stringify(run.report), JSON.stringify(run.evidence)];
    for (const output of outputs) expect(output).not.toContain('Pa55-word');
    expect(run.report.transcript.some((line) => line.text === 'PASS ****')).toBe(true);
  });

  it('records a wrong password as a failed login and stops there', async () => {
    server = await startServer({ host: '127.0.0.1', port: 0, users: [{ name: 'alice', password: 'right' }], log: 'none' }, realNetwork);
    const run = await probe({ url: `ftp://alice:wrong@127.0.0.1:${server.port}/`, ...FAST }, realNetwork);
    expect(run.evidence.login?.ok).toBe(false);
    expect(run.evidence.attempts).toEqual([]);
    expect(run.report.findings.map((finding) => finding.code)).toContain('LOGIN_FAILED');
  });

  it('dials the control peer by default and the advertised address only when asked (127.0.0.2 here)', async () => {
    server = await startServer({ host: '127.0.0.1', port: 0, anonymous: true, log: 'none', misbehave: { advertiseAddress: '127.0.0.2' } }, realNetwork);
    const url = `ftp://127.0.0.1:${server.port}/`;
    const peer = await probe({ url, modes: ['pasv'], ...FAST }, realNetwork);
    const [byPeer] = peer.evidence.attempts;
    expect(peer.report.addressPolicy).toBe('control-peer');
    expect(byPeer?.advertised?.host).toBe('127.0.0.2');
    expect(byPeer?.dialed?.host).toBe('127.0.0.1');
    expect(byPeer?.transfer.outcome).toBe('complete');
    const advertised = await probe({ url, modes: ['pasv'], useAdvertisedAddress: true, ...FAST }, realNetwork);
    const [byAdvert] = advertised.evidence.attempts;
    expect(advertised.report.addressPolicy).toBe('advertised');
    expect(byAdvert?.dialed?.host).toBe('127.0.0.2');
    expect(byAdvert?.connect?.outcome).toBe('refused');
  });

  it('speaks implicit TLS (ftps://) from the first byte', async () => {
    server = await startServer({ host: '127.0.0.1', port: 0, anonymous: true, tls: 'implicit', log: 'none' }, realNetwork);
    const run = await probe({ url: `ftps://127.0.0.1:${server.port}/`, modes: ['epsv'], ...FAST, dataTimeoutMs: 2000 }, realNetwork);
    expect(run.report.steps.map((step) => step.id).slice(0, 4)).toEqual(['resolve', 'connect', 'auth-tls', 'greeting']);
    expect(run.evidence.attempts.map((attempt) => [attempt.session, attempt.transfer.outcome])).toEqual([['epsv:tls', 'complete']]);
  });
});
