/**
 * A transfer stopped at its total deadline: always an error finding of its own (never a pass,
 * never taken for a blocked channel or an idle-timeout NAT), with the numbers and remedies; and
 * the readers that stop it, driven by a stream that never goes idle.
 */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { decideOutcome } from '../../src/client/data-channel.js';
import { startTransferDeadline } from '../../src/client/deadline.js';
import { Recorder } from '../../src/client/recorder.js';
import { readData } from '../../src/client/transfer.js';
import { diagnose } from '../../src/diagnosis/index.js';
import type { DataAttempt } from '../../src/evidence/model.js';
import { readSweepData } from '../../src/sweep/data-read.js';
import { active, codes, find, passive, probe } from './fixtures.js';

const slow = (attempt: DataAttempt, bytes = 37): DataAttempt => ({
  ...attempt,
  finalReply: undefined,
  transfer: { outcome: 'too-slow', bytes, durationMs: 20_004, deadlineMs: 20_000, error: `still running at the transfer's total deadline of 20000 ms: stopped after ${bytes} bytes` },
});

describe('DATA_TRANSFER_TOO_SLOW', () => {
  it.each([
    ['a passive listing', [slow(passive('pasv')), passive('epsv')], 'PASV'],
    ['both passive modes', [slow(passive('pasv')), slow(passive('epsv'))], 'PASV'],
    ['an active listing', [slow(active('port'))], 'PORT'],
    ['an active mode whose connection the deadline stopped waiting for', [slow({ ...active('port', { arrived: false }), transfer: { outcome: 'not-started', bytes: 0, durationMs: 0 } }, 0)], 'PORT'],
  ])('%s: one error finding, the verdict fails, nothing else claims it', (_name, attempts, mode) => {
    const { verdict, findings } = diagnose(probe({ attempts }));
    expect(verdict).toBe('fail');
    expect(codes(findings).filter((code) => code !== 'DATA_TRANSFER_TOO_SLOW' && findings.find((finding) => finding.code === code)?.severity === 'error')).toEqual([]);
    const finding = find(findings, 'DATA_TRANSFER_TOO_SLOW');
    expect(finding.severity).toBe('error');
    expect(finding.title).toContain(`The ${mode} transfer (LIST) did not finish within its 20000 ms total deadline`);
    expect(finding.evidence.join('\n')).toMatch(/too-slow/);
    expect(finding.remedies.map((remedy) => remedy.product)).toEqual(expect.arrayContaining(['vsftpd', 'ProFTPD', 'Pure-FTPd', 'Client']));
  });

  it('decideOutcome: a read stopped at the deadline is too slow, even with a 226 afterwards', () => {
    expect(decideOutcome({ end: 'deadline' }, { refusedUpFront: false })).toBe('too-slow');
    expect(decideOutcome({ end: 'deadline' }, { refusedUpFront: false, final: { code: 226, message: 'ok', lines: ['226 ok'] } })).toBe('too-slow');
    expect(decideOutcome({ end: 'deadline' }, { refusedUpFront: true })).toBe('refused-by-server');
  });
});

/** A stream that gets one byte every `ms` until it is destroyed. */
function trickle(ms: number): { stream: PassThrough; stop(): void } {
  const stream = new PassThrough();
  const timer = setInterval(() => (stream.destroyed ? clearInterval(timer) : stream.write('x')), ms);
  return { stream, stop: () => clearInterval(timer) };
}

describe('the readers stop a trickle at the total deadline', () => {
  it('readData ends as deadline with the bytes so far, and closes the stream', async () => {
    const { stream, stop } = trickle(20);
    const deadline = startTransferDeadline(300);
    try {
      const read = await readData(stream, { idleTimeoutMs: 5_000, maxBytes: 1 << 20, expectToken: false, recorder: new Recorder(), session: 's', deadline: { signal: deadline.signal, ms: deadline.ms } });
      expect(read.end).toBe('deadline');
      expect(read.bytes).toBeGreaterThan(0);
      expect(read.error).toMatch(/total deadline of 300 ms/);
      expect(stream.destroyed).toBe(true);
    } finally {
      deadline.clear();
      stop();
    }
  });

  it('readSweepData ends as deadline', async () => {
    const { stream, stop } = trickle(20);
    try {
      const read = await readSweepData(stream, { idleTimeoutMs: 5_000, totalTimeoutMs: 300, expectLine: false });
      expect(read.end).toBe('deadline');
      expect(read.bytes).toBeGreaterThan(0);
      expect(stream.destroyed).toBe(true);
    } finally {
      stop();
    }
  });
});
