/** The block sweep's pace and the open-files limits it reads (pure). */
import { describe, expect, it } from 'vitest';
import { describeOpenFilesLimit, parseOpenFilesLimit, readOpenFilesLimit, sweepSocketBudget } from '../../src/sweep/limits.js';
import { fastDeadlineMs, Pace, START_WIDTH, SYN_RETRANSMIT_MS } from '../../src/sweep/pace.js';

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max open files            1024                 524288               files
Max locked memory         8388608              8388608              bytes
`;

describe('open-files limits', () => {
  it('reads soft and hard from /proc/self/limits text', () => {
    expect(parseOpenFilesLimit(LIMITS)).toEqual({ soft: 1024, hard: 524288 });
    expect(parseOpenFilesLimit(LIMITS.replace('1024                 524288', 'unlimited            unlimited'))).toEqual({ soft: Number.MAX_SAFE_INTEGER, hard: Number.MAX_SAFE_INTEGER });
    expect(parseOpenFilesLimit('Max processes 10 10 processes')).toBeUndefined();
  });

  it('keeps a reserve of at most half the soft limit, and names the limit', () => {
    expect(sweepSocketBudget({ soft: 20_000, hard: 20_000 })).toBe(18_976);
    expect(sweepSocketBudget({ soft: 1024, hard: 524288 })).toBe(512);
    expect(sweepSocketBudget(undefined)).toBe(2048);
    expect(describeOpenFilesLimit({ soft: 20_000, hard: 20_000 })).toBe('open-files limit 20000');
    expect(describeOpenFilesLimit({ soft: 1024, hard: 524288 })).toBe('open-files soft limit 1024 (hard 524288)');
  });

  it.skipIf(process.platform !== 'linux' ? 'reads /proc/self/limits, which only Linux has' : null)('reads this process\'s limit on Linux', () => {
    const limit = readOpenFilesLimit();
    expect(limit?.soft).toBeGreaterThan(0);
    expect(limit && limit.soft <= limit.hard).toBe(true);
  });
});

describe('fastDeadlineMs', () => {
  it('is one SYN retransmission plus a few round trips and a margin, never above the data timeout', () => {
    expect(fastDeadlineMs(0.1, 5000)).toBe(SYN_RETRANSMIT_MS + 301);
    expect(fastDeadlineMs(50, 5000)).toBe(SYN_RETRANSMIT_MS + 200 + 300);
    expect(fastDeadlineMs(2000, 5000)).toBe(5000);
    expect(fastDeadlineMs(0.1, 200)).toBe(200);
  });
});

describe('Pace', () => {
  const limits = [
    { width: 9488, why: "the server's largest block" },
    { width: 18_976, why: 'our open-files limit' },
  ];

  it('starts small, grows fourfold after clean blocks up to the smallest limit, and names it', () => {
    const pace = new Pace(limits, 0.1);
    expect(pace.width).toBe(START_WIDTH);
    expect(pace.limit.why).toBe("the server's largest block");
    pace.observe({ fastestAnswerMs: 1 });
    expect(pace.width).toBe(START_WIDTH * 4);
    pace.observe({});
    pace.observe({});
    expect(pace.width).toBe(9488);
    expect(pace.peak).toBe(9488);
  });

  it('halves on a push-back (a 425, failed listeners, a path slower than its round trip), then grows only twofold', () => {
    const pace = new Pace(limits, 0.1, 4096);
    pace.observe({ pushback: 'SITE SWEEP 1-4096: 425 budget' });
    expect(pace.width).toBe(2048);
    pace.observe({ fastestAnswerMs: 900 });
    // 400 ms is slow for a 0.1 ms path, but still inside half the SYN retransmission time.
    pace.observe({ fastestAnswerMs: 400 });
    expect(pace.width).toBe(2048);
    pace.pushback('425 again');
    expect(pace.width).toBe(1024);
    expect(pace.pushbacks).toEqual(['SITE SWEEP 1-4096: 425 budget', 'even the fastest answer took 900 ms (path round trip 0.1 ms)', '425 again']);
    expect(pace.width).toBe(1024);
    pace.observe({ fastestAnswerMs: 1 });
    expect(pace.width).toBe(2048);
    expect(pace.pushbackCount).toBe(3);
  });

  it('never goes below its floor, and says when it is there', () => {
    const pace = new Pace([{ width: 10, why: '--concurrency 10' }], 1);
    expect(pace.width).toBe(10);
    for (let index = 0; index < 5; index += 1) pace.pushback('425');
    expect(pace.width).toBe(10);
    expect(pace.atFloor).toBe(true);
  });
});
