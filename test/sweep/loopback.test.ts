/**
 * The sweep on loopback against real peers: our reference server (extension method, plain and
 * explicit TLS with PROT P, and the fallback when --allow-sweep is off) and a real vsftpd (the
 * PASV/EPSV sampling fallback). Passive ranges sit below Linux's ephemeral ports (32768+) so our
 * own client sockets never hold a port the server needs.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { realNetwork } from '../../src/net/real.js';
import { startServer, type RunningServer } from '../../src/server/index.js';
import { runSweep } from '../../src/sweep/index.js';
import { RANDOM_BANDS } from '../port-bands.js';
import { someRange as anyRange } from './helpers.js';
import { vsftpdMissingReason, vsftpdOrSkip, type VsftpdPeer } from '../peers/vsftpd.js';
import { freePort } from '../probe/free-port.js';

let server: RunningServer | undefined;
let vsftpd: VsftpdPeer | null = null;
afterEach(async () => {
  await server?.close();
  await vsftpd?.stop();
  server = undefined;
  vsftpd = null;
});


/** Ranges in this file's own band (test/port-bands.ts). */
const someRange = (size: number): { from: number; to: number } => anyRange(size, RANDOM_BANDS['test/sweep/loopback.test.ts']);

// Nothing on loopback is dropped: these deadlines only have to hold on a busy machine, where a
// 1 s data deadline turned a slow vsftpd listing into a finding.
const FAST = { connectTimeoutMs: 10_000, dataTimeoutMs: 5_000 };

describe('sweep against our reference server on loopback', () => {
  it('proves every port by its token with SITE SWEEP', async () => {
    const range = someRange(40);
    server = await startServer({ host: '127.0.0.1', port: 0, anonymous: true, log: 'none', allowSweep: true, pasvRange: range }, realNetwork);
    const report = await runSweep({ url: `ftp://127.0.0.1:${server.port}/`, range, concurrency: 8, ...FAST }, realNetwork);
    expect(report.method).toBe('extension');
    expect(report.spans).toEqual([{ ...range, state: 'open' }]);
    expect(report.tested).toBe(40);
    expect(report.verdict).toBe('pass');
    // Only the note on how the block sweep was paced.
    expect(report.findings.map((finding) => finding.code)).toEqual(['SWEEP_PACE']);
    expect(report.ports.every((port) => port.detail?.startsWith(`token for ${port.port} received`))).toBe(true);
  });

  it('over explicit TLS, the batched form proves the ports too (its token connections carry no file data, so they stay plain)', async () => {
    const range = someRange(10);
    server = await startServer({ host: '127.0.0.1', port: 0, anonymous: true, log: 'none', allowSweep: true, pasvRange: range, tls: 'explicit', requireTls: true }, realNetwork);
    const report = await runSweep({ url: `ftpes://127.0.0.1:${server.port}/`, range, concurrency: 4, ...FAST }, realNetwork);
    expect(report.method).toBe('extension');
    expect(report.spans).toEqual([{ ...range, state: 'open' }]);
    expect(report.verdict).toBe('pass');
  });

  it('per port over explicit TLS with PROT P, the data connections are TLS and still carry the token', async () => {
    const range = someRange(10);
    server = await startServer({ host: '127.0.0.1', port: 0, anonymous: true, log: 'none', allowSweep: true, pasvRange: range, tls: 'explicit', requireTls: true }, realNetwork);
    const report = await runSweep({ url: `ftpes://127.0.0.1:${server.port}/`, range, concurrency: 4, blocks: false, ...FAST }, realNetwork);
    expect(report.ports.every((port) => /^token for \d+ received; 226/.test(port.detail ?? ''))).toBe(true);
    expect(report.method).toBe('extension');
    expect(report.spans).toEqual([{ ...range, state: 'open' }]);
    expect(report.verdict).toBe('pass');
  });

  it('without --allow-sweep falls back to PASV sampling and says what it covered', async () => {
    const range = someRange(8);
    server = await startServer({ host: '127.0.0.1', port: 0, anonymous: true, log: 'none', pasvRange: range }, realNetwork);
    const report = await runSweep({ url: `ftp://127.0.0.1:${server.port}/`, range: { from: range.from, to: range.to + 4 }, concurrency: 2, ...FAST }, realNetwork);
    expect(report.method).toBe('pasv-sampling');
    expect(report.tested).toBe(8);
    expect(report.spans).toEqual([{ ...range, state: 'open' }]);
    // Tokens still prove each port: the server is ours, only the extension is off.
    expect(report.ports.every((port) => port.detail?.startsWith(`token for ${port.port} received`))).toBe(true);
    const codes = report.findings.map((finding) => finding.code);
    expect(codes).toEqual(['SWEEP_PARTIAL_COVERAGE', 'SWEEP_EXTENSION_UNAVAILABLE']);
    expect(report.findings[0]?.title).toBe('Only 8 of 12 ports proved (12 in the range)');
    // Said once: the server's own 502 text names --allow-sweep too, so it is not quoted beside ours.
    const explanation = report.findings[1]?.explanation ?? '';
    expect(explanation).toMatch(/^SITE SWEEP is not enabled on the server \(it answered 502; start it with --allow-sweep\), so the sweep tested the ports the server handed out \(\d+ requests/);
    expect(explanation.split('--allow-sweep')).toHaveLength(2);
    expect(report.verdict).toBe('pass');
  });

  it('--method extension against a server without it fails instead of pretending', async () => {
    const range = someRange(4);
    server = await startServer({ host: '127.0.0.1', port: 0, anonymous: true, log: 'none', pasvRange: range }, realNetwork);
    const report = await runSweep({ url: `ftp://127.0.0.1:${server.port}/`, range, method: 'extension', ...FAST }, realNetwork);
    expect(report.verdict).toBe('fail');
    expect(report.tested).toBe(0);
    expect(report.findings.map((finding) => finding.code)).toEqual(['SWEEP_EXTENSION_UNAVAILABLE']);
  });

  it('a login the server rejects is LOGIN_FAILED, nothing swept', async () => {
    const range = someRange(4);
    server = await startServer({ host: '127.0.0.1', port: 0, users: [{ name: 'alice', password: 'right' }], log: 'none', allowSweep: true, pasvRange: range, limits: { loginFailureDelayMs: 0 } }, realNetwork);
    const report = await runSweep({ url: `ftp://alice:wrong@127.0.0.1:${server.port}/`, range, concurrency: 2, ...FAST }, realNetwork);
    expect(report.findings.map((finding) => finding.code)).toEqual(['LOGIN_FAILED']);
    expect(report.verdict).toBe('fail');
    expect(JSON.stringify(report)).not.toContain('wrong');
  });
});

const missing = vsftpdMissingReason();

describe.skipIf(missing !== null)(`sweep against a real vsftpd${missing ? ` (skipped: ${missing})` : ''}`, () => {
  it('samples PASV replies, proves every port vsftpd hands out, and states the coverage', async ({ skip }) => {
    const range = someRange(10);
    vsftpd = await vsftpdOrSkip(skip, { settings: { port: await freePort(), pasvRange: `${range.from}-${range.to}` } });
    // Ask for twice vsftpd's range: only half of it can ever be handed out.
    const wide = { from: range.from, to: range.to + 10 };
    const report = await runSweep({ url: `ftp://127.0.0.1:${vsftpd?.port}/`, range: wide, concurrency: 3, ...FAST }, realNetwork);
    expect(report.method).toBe('pasv-sampling');
    expect(report.spans).toEqual([{ ...range, state: 'open' }]);
    expect(report.ports.every((port) => port.detail?.startsWith('listing received'))).toBe(true);
    expect(report.findings.map((finding) => finding.code)).toEqual(['SWEEP_PARTIAL_COVERAGE', 'SWEEP_EXTENSION_UNAVAILABLE']);
    expect(report.findings[0]?.title).toBe('Only 10 of 20 ports proved (20 in the range)');
    expect(report.findings[1]?.explanation).toMatch(/does not announce FTP-DOCTOR/);
  });

  it('flags the ports vsftpd hands out outside the range', async ({ skip }) => {
    const range = someRange(6);
    vsftpd = await vsftpdOrSkip(skip, { settings: { port: await freePort(), pasvRange: `${range.from}-${range.to}` } });
    const narrow = { from: range.from, to: range.from + 2 };
    const report = await runSweep({ url: `ftp://127.0.0.1:${vsftpd?.port}/`, range: narrow, concurrency: 2, ...FAST }, realNetwork);
    expect(report.spans).toEqual([{ ...narrow, state: 'open' }]);
    expect(report.findings.map((finding) => finding.code)).toContain('PASV_PORT_OUT_OF_RANGE');
    expect(report.verdict).toBe('fail');
  });
});
