import { describe, expect, it } from 'vitest';
import { formatRatio, parseBenchFlags, percentile, ratioOf, renderTable, skippedRow, type BenchRow } from '../../bench/table.js';
import { verdictRows, type VerdictResult } from '../../bench/verdict.js';

describe('bench flags', () => {
  it.each([
    [[], { only: ['verdict', 'throughput', 'concurrency', 'catalogue', 'sweep', 'capture'], quick: false }],
    [['--quick'], { only: ['verdict', 'throughput', 'concurrency', 'catalogue', 'sweep', 'capture'], quick: true }],
    [['--', '--only', 'concurrency,throughput'], { only: ['throughput', 'concurrency'], quick: false }],
    [['--only=catalogue', '--quick'], { only: ['catalogue'], quick: true }],
  ])('%j', (argv, expected) => {
    expect(parseBenchFlags(argv)).toEqual(expected);
  });

  it.each([[['--only', 'speed']], [['--only']], [['--fast']]])('rejects %j', (argv) => {
    expect(() => parseBenchFlags(argv)).toThrow();
  });
});

describe('ratios and percentiles', () => {
  it('favours ours above 1 for smaller times and larger rates', () => {
    expect(ratioOf(10, 120, 'smaller')).toBe(12);
    expect(ratioOf(800, 1000, 'larger')).toBeCloseTo(0.8);
  });

  it('gives no ratio without two positive figures', () => {
    expect(ratioOf(null, 10, 'smaller')).toBeNull();
    expect(ratioOf(0, 10, 'larger')).toBeNull();
    expect(ratioOf(5, Number.NaN, 'larger')).toBeNull();
  });

  it('formats ratios with sensible precision', () => {
    expect(formatRatio(0.126)).toBe('0.13×');
    expect(formatRatio(12.34)).toBe('12.3×');
    expect(formatRatio(null)).toBe('-');
  });

  it('takes nearest-rank percentiles', () => {
    const values = Array.from({ length: 100 }, (_, index) => 100 - index);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
  });
});

describe('the table', () => {
  it('shows every row, the header and missed targets in capitals', () => {
    const rows: BenchRow[] = [
      { benchmark: 'throughput', measure: 'server RETR', ours: '300 MiB/s', peer: 'vsftpd 1000 MiB/s', ratio: 0.3, target: '≥ 0.8×', met: false },
      skippedRow('sweep', 'bench/sweep.ts missing'),
    ];
    const text = renderTable(rows, 'header line');
    expect(text.startsWith('header line\n')).toBe(true);
    expect(text).toContain('MISSED');
    expect(text).toContain('0.30×');
    expect(text).toContain('bench/sweep.ts missing');
    // No colour codes: the table is pasted into the README as is.
    expect(text).not.toContain('\u001b[');
  });
});

describe('time-to-verdict rows', () => {
  const result: VerdictResult = {
    capMs: 120_000,
    dataTimeoutMs: 10_000,
    server: 'vsftpd',
    ours: [
      { variant: 'plain', wallMs: 11_000, verdict: 'fail', findings: ['DATA_CHANNEL_BLOCKED'] },
      { variant: 'tls', wallMs: 14_000, verdict: 'fail', findings: ['DATA_CHANNEL_BLOCKED'] },
    ],
    peers: [
      { tool: 'curl', variant: 'plain', wallMs: 120_010, capped: true, exitCode: null, message: '' },
      { tool: 'basic-ftp', variant: 'plain', wallMs: 30_500, capped: false, exitCode: 1, message: 'Timeout (data socket)' },
      { tool: 'curl', variant: 'tls', wallMs: 120_010, capped: true, exitCode: null, message: '' },
    ],
  };

  it('compares with the fastest peer, counting a capped peer as the cap', () => {
    const rows = verdictRows(result, false);
    const plain = rows.find((row) => row.measure.startsWith('plain: time'));
    expect(plain?.peer).toContain('basic-ftp gave up after 30.5 s');
    expect(plain?.ratio).toBeCloseTo(30_500 / 11_000);
    expect(plain?.met).toBe(false);
    const tls = rows.find((row) => row.measure.startsWith('explicit TLS: time'));
    expect(tls?.ratio).toBeCloseTo(120_000 / 14_000);
    expect(tls?.note).toContain('lower bound');
  });

  it('judges our time against our own data timeout', () => {
    const rows = verdictRows(result, false);
    expect(rows.find((row) => row.measure.startsWith('plain: vs'))?.met).toBe(true);
    expect(rows.find((row) => row.measure.startsWith('explicit TLS: vs'))?.met).toBe(false);
  });
});
