/**
 * The pure parts of the block sweep's pipelining: when the next block may be opened while the
 * newest is dialled (prefetch.ts), the shared token deadlines of a dial chunk (deadlines.ts), the
 * pace's width for a block opened ahead, and how counts are written in findings.
 */
import { describe, expect, it } from 'vitest';
import { DeadlineQueue } from '../../src/sweep/deadlines.js';
import { count } from '../../src/sweep/findings.js';
import { Pace, START_WIDTH, startWidthFor } from '../../src/sweep/pace.js';
import { keepOpenedAhead, olderBlocksToRetire, type PrefetchState } from '../../src/sweep/prefetch.js';

describe('olderBlocksToRetire', () => {
  const cases: { name: string; state: PrefetchState; retire: number | undefined }[] = [
    { name: 'nothing in flight: open at once', state: { inFlight: [], next: 512, sessions: 3, limit: 1024 }, retire: 0 },
    { name: 'the newest alone, room for both', state: { inFlight: [128], next: 128, sessions: 3, limit: 256 }, retire: 0 },
    { name: 'the newest alone, exactly at the limit', state: { inFlight: [512], next: 512, sessions: 3, limit: 1024 }, retire: 0 },
    { name: 'the newest alone, no room beside it: not ahead', state: { inFlight: [512], next: 2048, sessions: 3, limit: 2048 }, retire: undefined },
    { name: 'an older block uses the last session: wait for it', state: { inFlight: [128, 128], next: 128, sessions: 2, limit: 10_000 }, retire: 1 },
    { name: 'an older block re-dialling holds the listeners needed', state: { inFlight: [2048, 8192], next: 8192, sessions: 3, limit: 16_384 }, retire: 1 },
    { name: 'two older blocks, both in the way', state: { inFlight: [512, 2048, 512], next: 512, sessions: 3, limit: 1024 }, retire: 2 },
    { name: 'two older blocks, sessions to spare', state: { inFlight: [100, 100], next: 100, sessions: 3, limit: 1000 }, retire: 0 },
    { name: 'one session only: never ahead', state: { inFlight: [16], next: 16, sessions: 1, limit: 1000 }, retire: undefined },
  ];
  it.each(cases)('$name', ({ state, retire }) => {
    expect(olderBlocksToRetire(state)).toBe(retire);
  });
});

describe('keepOpenedAhead', () => {
  it.each([
    { span: 128, width: 128, keep: true },
    { span: 2048, width: 2048, keep: true },
    { span: 40, width: 128, keep: true },
    { span: 2048, width: 256, keep: false },
    { span: 129, width: 128, keep: false },
  ])('a block of $span ports at width $width: $keep', ({ span, width, keep }) => {
    expect(keepOpenedAhead(span, width)).toBe(keep);
  });
});

describe('Pace.widthIfClean', () => {
  it('is the width observe() sets after a clean block, and leaves the pace as it was', () => {
    const pace = new Pace([{ width: 9488, why: 'server' }], 0.1);
    expect(pace.widthIfClean).toBe(START_WIDTH * 4);
    expect(pace.width).toBe(START_WIDTH);
    pace.observe({ fastestAnswerMs: 1 });
    expect(pace.width).toBe(START_WIDTH * 4);
    expect(pace.widthIfClean).toBe(8192);
    pace.observe({});
    expect(pace.widthIfClean).toBe(9488);
    pace.pushback('425');
    // After a push-back it grows twofold.
    expect(pace.widthIfClean).toBe(Math.min(9488, Math.floor(8192 / 2) * 2));
  });

  it('stays at a --concurrency limit', () => {
    const pace = new Pace([{ width: 128, why: '--concurrency 128' }], 1);
    expect([pace.width, pace.widthIfClean]).toEqual([128, 128]);
  });
});

describe('startWidthFor', () => {
  it.each([
    { budget: 18_976, width: 2048, why: 'open-files limit 20,000: the cap' },
    { budget: 9488, width: 1186, why: 'an eighth of the budget' },
    { budget: 4096, width: START_WIDTH, why: 'an eighth is below the default' },
    { budget: 512, width: START_WIDTH, why: 'small limits: the default (the pace limit caps it)' },
    { budget: Number.MAX_SAFE_INTEGER, width: 2048, why: 'unlimited: still the cap' },
  ])('$budget sockets → $width ($why)', ({ budget, width }) => {
    expect(startWidthFor(budget)).toBe(width);
  });
});

describe('DeadlineQueue', () => {
  it('hands out the items due, in order, and skips cancelled ones', () => {
    const queue = new DeadlineQueue<string>();
    queue.add(100, 'a');
    const b = queue.add(110, 'b');
    queue.add(120, 'c');
    queue.add(200, 'd');
    expect(queue.nextAt).toBe(100);
    expect(queue.takeDue(99)).toEqual([]);
    queue.cancel(b);
    expect(queue.takeDue(120)).toEqual(['a', 'c']);
    expect(queue.nextAt).toBe(200);
    expect(queue.takeDue(1000)).toEqual(['d']);
    expect(queue.nextAt).toBeUndefined();
  });

  it('skips cancelled entries at the front when telling the next deadline', () => {
    const queue = new DeadlineQueue<number>();
    const first = queue.add(10, 1);
    queue.add(20, 2);
    queue.cancel(first);
    expect(queue.nextAt).toBe(20);
  });

  it('never moves a deadline earlier than one added before it', () => {
    const queue = new DeadlineQueue<string>();
    queue.add(100, 'a');
    queue.add(90, 'b');
    expect(queue.takeDue(95)).toEqual([]);
    expect(queue.takeDue(100)).toEqual(['a', 'b']);
  });

  it('stays correct across many entries (the front is dropped as it is passed)', () => {
    const queue = new DeadlineQueue<number>();
    const entries = Array.from({ length: 2000 }, (_, index) => queue.add(index, index));
    for (const entry of entries) if (entry.item % 2 === 1) queue.cancel(entry);
    expect(queue.takeDue(999)).toEqual(Array.from({ length: 500 }, (_, index) => index * 2));
    expect(queue.nextAt).toBe(1000);
    expect(queue.takeDue(5000)).toHaveLength(500);
    expect(queue.nextAt).toBeUndefined();
  });
});

describe('count', () => {
  it.each([0, 7, 999, 1000, 16_384, 65_535, 1_234_567, -4096, 1.5])('writes %s as toLocaleString("en-US") does', (value) => {
    expect(count(value)).toBe(value.toLocaleString('en-US'));
  });
});
