import { describe, expect, it } from 'vitest';
import { choosePorts, passiveBudget, staleLimit } from '../../src/sweep/options.js';
import { coverageFinding, failingPorts, stateFindings } from '../../src/sweep/findings.js';
import { buildSweepReport } from '../../src/sweep/report.js';
import type { PortResult } from '../../src/sweep/options.js';
import { clipToServerRange } from '../../src/sweep/extension.js';

/** A tiny deterministic generator: the same sample every run. */
function seeded(seed: number): (below: number) => number {
  let state = seed;
  return (below) => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state % below;
  };
}

const context = { range: { from: 5500, to: 5526 }, publicAddress: '198.51.100.1', controlPort: 21 };

describe('choosePorts', () => {
  it('is the whole range without a sample, or when the sample is at least the range', () => {
    expect(choosePorts({ from: 10, to: 14 })).toEqual([10, 11, 12, 13, 14]);
    expect(choosePorts({ from: 10, to: 14 }, 5)).toEqual([10, 11, 12, 13, 14]);
    expect(choosePorts({ from: 10, to: 14 }, 99)).toEqual([10, 11, 12, 13, 14]);
  });

  it('draws distinct ports inside the range, ascending, reproducible with the same generator', () => {
    const range = { from: 50000, to: 59999 };
    const sample = choosePorts(range, 200, seeded(7));
    expect(sample).toHaveLength(200);
    expect(new Set(sample).size).toBe(200);
    expect(sample.every((port) => port >= range.from && port <= range.to)).toBe(true);
    expect([...sample].sort((a, b) => a - b)).toEqual(sample);
    expect(choosePorts(range, 200, seeded(7))).toEqual(sample);
    expect(choosePorts(range, 200, seeded(8))).not.toEqual(sample);
  });

  it('covers every port of the range when the sample is all but one', () => {
    const sample = choosePorts({ from: 1, to: 50 }, 49, seeded(3));
    expect(new Set(sample).size).toBe(49);
  });
});

describe('fallback bounds', () => {
  it('are finite and grow with the range', () => {
    expect(passiveBudget(10)).toBe(100);
    expect(passiveBudget(1000)).toBe(3000);
    expect(passiveBudget(60000)).toBe(20000);
    expect(passiveBudget(1000, 5)).toBe(5);
    expect(staleLimit(10)).toBe(50);
    expect(staleLimit(100000)).toBe(2000);
  });
});

describe('findings and report', () => {
  const results: PortResult[] = [
    ...Array.from({ length: 20 }, (_, index): PortResult => ({ port: 5500 + index, state: 'open', detail: 'token' })),
    ...Array.from({ length: 6 }, (_, index): PortResult => ({ port: 5520 + index, state: 'dropped', detail: 'no answer' })),
    { port: 5526, state: 'refused', detail: 'RST' },
  ];

  it('folds spans, names the first and last failing port, and fails the verdict', () => {
    const report = buildSweepReport({ target: 'ftp://h/', startedAt: 'x', durationMs: 1.4, method: 'extension', range: context.range, results: [...results].reverse(), findings: stateFindings(results, context) });
    expect(report.spans).toEqual([
      { from: 5500, to: 5519, state: 'open' },
      { from: 5520, to: 5525, state: 'dropped' },
      { from: 5526, to: 5526, state: 'refused' },
    ]);
    expect(report.failing).toEqual({ first: 5520, last: 5526, count: 7 });
    expect(report.verdict).toBe('fail');
    expect(report.tested).toBe(27);
    expect(report.ports[0]?.port).toBe(5500);
    const blocked = report.findings.find((finding) => finding.code === 'DATA_CHANNEL_BLOCKED');
    expect(blocked?.title).toBe('6 of 27 passive ports are silently dropped');
    expect(blocked?.evidence).toContain('dropped: 5520-5525 dropped');
    expect(blocked?.evidence).toContain('first dropped port 5520, last 5525');
    expect(blocked?.remedies.map((remedy) => remedy.product)).toContain('nftables');
    expect(blocked?.remedies.find((remedy) => remedy.product === 'nftables')?.commands?.[0]).toContain('5500-5526');
    expect(report.findings.map((finding) => finding.code)).toEqual(['DATA_CHANNEL_BLOCKED', 'DATA_CHANNEL_REFUSED']);
  });

  it('passes when every port is open, and fails when nothing was tested', () => {
    const open = results.filter((result) => result.state === 'open');
    expect(failingPorts(open)).toBeUndefined();
    expect(buildSweepReport({ target: 't', startedAt: 'x', durationMs: 0, method: 'extension', range: context.range, results: open, findings: [] }).verdict).toBe('pass');
    expect(buildSweepReport({ target: 't', startedAt: 'x', durationMs: 0, method: 'extension', range: context.range, results: [], findings: [] }).verdict).toBe('fail');
  });

  it('states partial coverage with the real numbers', () => {
    const finding = coverageFinding(37, 1000, { from: 50000, to: 50999 }, 3000, 'the request budget (3000) was used up');
    expect(finding?.title).toBe('Only 37 of 1,000 ports proved (1,000 in the range)');
    expect(finding?.severity).toBe('warning');
    expect(coverageFinding(1000, 1000, { from: 50000, to: 50999 }, 3000, 'done')).toBeUndefined();
  });
});

describe('clipToServerRange', () => {
  it.each([
    ['no server range known: everything is asked for', [5, 6, 7], undefined, [5, 6, 7], []],
    ['inside', [5, 6, 7], { from: 5, to: 7 }, [5, 6, 7], []],
    ['wider on both sides', [3, 4, 5, 6, 9], { from: 4, to: 6 }, [4, 5, 6], [3, 9]],
    ['no overlap', [1, 2], { from: 4, to: 6 }, [], [1, 2]],
  ] as [string, number[], { from: number; to: number } | undefined, number[], number[]][])('%s', (_name, ports, serverRange, inside, outside) => {
    const clipped = clipToServerRange(ports, serverRange);
    expect(clipped.inside).toEqual(inside);
    expect(clipped.outside.map((result) => result.port)).toEqual(outside);
    for (const result of clipped.outside) {
      expect(result.state).toBe('error');
      expect(result.detail).toContain(`the server's passive range is ${serverRange?.from}-${serverRange?.to}`);
    }
  });
});
