/**
 * The sweep against our reference server on loopback where the ranges are tight: the PASV/EPSV
 * sampling method on ranges smaller than its concurrency (our own sessions fill the range, and
 * the server's 425 is back-pressure, not a failure), a range held by someone else (a real
 * failure, bounded), and the block method with a --range wider than the server's range (the
 * ports inside are proved, the rest are named not sweepable). Ranges sit below Linux's
 * ephemeral ports (32768+), in a band of their own (test/port-bands.ts).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { realNetwork } from '../../src/net/real.js';
import { startServer, type RunningServer } from '../../src/server/index.js';
import { runSweep } from '../../src/sweep/index.js';
import { RawClient } from '../server/helpers.js';
import { RANDOM_BANDS } from '../port-bands.js';
import { someRange as anyRange } from './helpers.js';

let server: RunningServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Ranges in this file's own band (test/port-bands.ts). */
function someRange(size: number): { from: number; to: number } {
  return anyRange(size, RANDOM_BANDS['test/sweep/ranges.test.ts']);
}

// Generous: nothing on loopback is dropped, and a busy machine must not turn a slow listing into a finding.
const FAST = { connectTimeoutMs: 10_000, dataTimeoutMs: 5_000 };

async function serve(range: { from: number; to: number }, allowSweep: boolean, pasvAcceptTimeoutMs?: number): Promise<RunningServer> {
  server = await startServer(
    { host: '127.0.0.1', port: 0, anonymous: true, log: 'none', allowSweep, pasvRange: range, ...(pasvAcceptTimeoutMs ? { limits: { pasvAcceptTimeoutMs } } : {}) },
    realNetwork,
  );
  return server;
}

describe('PASV/EPSV sampling at the default concurrency (16) on small ranges', () => {
  it.each([1, 2, 11, 100])('a healthy server with a range of %i port(s) passes, every port handed out is open', async (size) => {
    const range = someRange(size);
    const running = await serve(range, false);
    const report = await runSweep({ url: `ftp://127.0.0.1:${running.port}/`, range, ...FAST }, realNetwork);
    const codes = report.findings.map((finding) => finding.code);
    expect(codes).not.toContain('SWEEP_PASSIVE_FAILED');
    expect(report.method).toBe('pasv-sampling');
    expect(report.verdict).toBe('pass');
    expect(report.tested).toBeGreaterThan(0);
    expect(report.ports.every((port) => port.state === 'open' && port.port >= range.from && port.port <= range.to)).toBe(true);
    // A random allocator hands out a small range completely well within the request budget.
    if (size <= 11) expect(report.spans).toEqual([{ ...range, state: 'open' }]);
    // Only ever a coverage note (100 ports drawn at random may miss a few), nothing else.
    expect(codes.filter((code) => code !== 'SWEEP_EXTENSION_UNAVAILABLE' && code !== 'SWEEP_PARTIAL_COVERAGE')).toEqual([]);
  });

  it('--range wider than the server range: our own sessions exhaust it, yet nothing fails, the rest is untested', async () => {
    const range = someRange(2);
    const running = await serve(range, false);
    const wide = { from: range.from, to: range.to + 6 };
    const report = await runSweep({ url: `ftp://127.0.0.1:${running.port}/`, range: wide, ...FAST }, realNetwork);
    expect(report.spans).toEqual([{ ...range, state: 'open' }]);
    expect(report.findings.map((finding) => finding.code)).toEqual(['SWEEP_PARTIAL_COVERAGE', 'SWEEP_EXTENSION_UNAVAILABLE']);
    expect(report.verdict).toBe('pass');
  });

  it('a range another client holds is refused while the sweep holds nothing: SWEEP_PASSIVE_FAILED, after a bounded number of tries', async () => {
    const range = someRange(1);
    // The other client's listener stays open well past the sweep (the server's accept deadline).
    const running = await serve(range, false, 60_000);
    const other = await RawClient.open(running.port);
    let report;
    try {
      await other.login();
      expect((await other.command('PASV')).code).toBe(227);
      report = await runSweep({ url: `ftp://127.0.0.1:${running.port}/`, range, ...FAST }, realNetwork);
    } finally {
      other.close();
    }
    expect(report.tested).toBe(0);
    const failed = report.findings.find((finding) => finding.code === 'SWEEP_PASSIVE_FAILED');
    expect(failed?.explanation).toMatch(/425 .*every port of .* is in use/);
    expect(failed?.explanation).toMatch(/held none/);
    expect(report.verdict).toBe('fail');
  });
});

describe('the block method with --range wider than the server range', () => {
  it('proves the ports inside the server range and names the rest not sweepable', async () => {
    const range = someRange(21);
    const running = await serve(range, true);
    const wide = { from: range.from, to: range.to + 10 };
    const report = await runSweep({ url: `ftp://127.0.0.1:${running.port}/`, range: wide, ...FAST }, realNetwork);
    expect(report.method).toBe('extension');
    expect(report.spans).toEqual([
      { ...range, state: 'open' },
      { from: range.to + 1, to: wide.to, state: 'error' },
    ]);
    const outside = report.ports.filter((port) => port.port > range.to);
    expect(outside.every((port) => port.detail?.includes(`the server's passive range is ${range.from}-${range.to}`))).toBe(true);
    const mismatch = report.findings.find((finding) => finding.code === 'SWEEP_RANGE_MISMATCH');
    expect(mismatch?.title).toContain(`${range.from}-${range.to}`);
    expect(mismatch?.evidence.join('\n')).toContain(`${range.to + 1}-${wide.to}`);
  });

  it('per port too (--no-blocks), and a --range starting below the server range', async () => {
    const range = someRange(6);
    const running = await serve(range, true);
    const wide = { from: range.from - 2, to: range.to };
    const report = await runSweep({ url: `ftp://127.0.0.1:${running.port}/`, range: wide, blocks: false, concurrency: 4, ...FAST }, realNetwork);
    expect(report.spans).toEqual([
      { from: wide.from, to: range.from - 1, state: 'error' },
      { ...range, state: 'open' },
    ]);
    expect(report.ports[0]?.detail).toContain(`the server's passive range is ${range.from}-${range.to}`);
  });
});
