/**
 * Every count phrasing of an explain report must be true for every count: a trial's 5000-session
 * log read "20 of 5000 sessions shown (failed: 5000); the others passed" — there were no others.
 * Tables over none, one, some and all failed, and fewer shown than failed.
 */
import { describe, expect, it } from 'vitest';
import type { DataAttempt, Evidence } from '../../src/evidence/model.js';
import { howMany, summarise } from '../../src/explain/summary.js';
import { sessionsNote, sessionsShown } from '../../src/report/explain-text.js';
import type { ExplainReport, ProbeReport } from '../../src/report/model.js';

function report(total: number, failed: number): ExplainReport {
  const sessions = Array.from({ length: total }, (_, index) => ({
    id: `s#${index + 1}`,
    file: 's.log',
    verdict: index < failed ? ('fail' as const) : ('pass' as const),
    report: {} as ProbeReport,
  }));
  return { tool: 'ftp-doctor', version: '0', schemaVersion: 1, kind: 'explain', verdict: failed > 0 ? 'fail' : 'pass', startedAt: '', durationMs: 0, inputs: [], summary: [], sessions, findings: [] };
}

describe('sessionsNote: what the renderers left out', () => {
  it.each([
    // total, failed, the note (undefined: every session shown)
    [5, 0, undefined],
    [5, 5, undefined],
    [1, 1, undefined],
    [120, 0, '20 of 120 sessions shown, all 120 passed; --session N shows any one in full; the JSON report has them all.'],
    [120, 1, 'Only the failed session is shown; the other 119 passed; --session N shows any one in full; the JSON report has them all.'],
    [120, 3, 'Only the 3 failed sessions are shown; the other 117 passed; --session N shows any one in full; the JSON report has them all.'],
    [4, 3, 'Only the 3 failed sessions are shown; the other one passed; --session N shows any one in full; the JSON report has them all.'],
    [5000, 5000, '20 of 5000 failed sessions shown (every session failed); --session N shows any one in full; the JSON report has them all.'],
    [5000, 30, '20 of 30 failed sessions shown (4970 of 5000 passed); --session N shows any one in full; the JSON report has them all.'],
  ] as const)('%i sessions, %i failed', (total, failed, note) => {
    const explained = report(total, failed);
    const shown = sessionsShown(explained).length;
    expect(sessionsNote(explained, shown)).toBe(note);
  });

  it('never says "the others passed" when none did, nor a count above the total', () => {
    for (const [total, failed] of [[5000, 5000], [21, 21], [22, 21], [2, 0], [40, 39]] as const) {
      const explained = report(total, failed);
      const note = sessionsNote(explained, sessionsShown(explained).length) ?? '';
      if (failed === total) expect(note).not.toMatch(/passed;|other/);
      for (const number of note.match(/\d+/g) ?? []) expect(Number(number)).toBeLessThanOrEqual(total);
    }
  });
});

const attempt = (ok: boolean): DataAttempt => ({
  mode: 'pasv',
  tls: false,
  session: 's',
  command: 'PASV',
  dialed: { host: '203.0.113.5', port: 50000 },
  connect: { outcome: ok ? 'connected' : 'timeout', durationMs: 0 },
  transfer: { outcome: ok ? 'complete' : 'not-started', bytes: 0, durationMs: 0 },
});
const session = (attempts: DataAttempt[]): Evidence => ({ source: { kind: 'log', label: 'l', vantage: 'client', controlledExperiment: false, referenceServerProof: false, packets: false, timings: false, actedItself: false }, attempts }) as Evidence;

describe('summarise: the sessions line', () => {
  it.each([
    [[true, true, true], '3 FTP sessions, none with a failed data connection.'],
    [[false, true, true], '3 FTP sessions, 1 with a failed data connection.'],
    [[false, false, true], '3 FTP sessions, 2 with a failed data connection.'],
    [[false, false, false], '3 FTP sessions, all with a failed data connection.'],
    [[false, false], '2 FTP sessions, both with a failed data connection.'],
  ] as const)('%j', (outcomes, line) => {
    expect(summarise(outcomes.map((ok) => session([attempt(ok)])))[0]).toBe(line);
  });

  it('one session without data connections: "in the session", not "in any session"', () => {
    expect(summarise([session([])])).toEqual(['No data connection was seen in the session.']);
    expect(summarise([session([]), session([])])).toContain('No data connection was seen in any session.');
  });

  it.each([
    [0, 5, 'none'],
    [1, 5, '1'],
    [3, 5, '3'],
    [5, 5, 'all'],
    [2, 2, 'both'],
    [1, 1, 'all'],
  ] as const)('howMany(%i, %i) = %s', (count, total, words) => {
    expect(howMany(count, total)).toBe(words);
  });
});
