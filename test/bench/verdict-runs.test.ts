import { describe, expect, it } from 'vitest';
import { mergePeerRuns, verdictRows, type PeerRun, type VerdictResult } from '../../bench/verdict.js';

const peer = (wallMs: number, capped = false): PeerRun => ({ tool: 'basic-ftp', variant: 'plain', wallMs, capped, exitCode: capped ? null : 1, message: 'Timeout (data socket)' });

describe('time-to-verdict: median of 3 and spread', () => {
  it('merges repeated peer runs into their median, a capped run counting as the cap', () => {
    const [merged] = mergePeerRuns([peer(60_600), peer(60_400), peer(0, true)], 120_000);
    expect(merged).toMatchObject({ tool: 'basic-ftp', wallMs: 60_600, capped: false, runsMs: [60_600, 60_400, 120_000] });
    expect(mergePeerRuns([peer(60_000)], 120_000)[0]?.runsMs).toBeUndefined();
  });

  it('shows the spread, judges ≤ 2.5 s and ≥ 24× sooner, and compares with --no-early-verdict', () => {
    const result: VerdictResult = {
      capMs: 120_000,
      dataTimeoutMs: 5000,
      server: 'vsftpd',
      ours: [{ variant: 'plain', wallMs: 2100, runsMs: [2000, 2100, 2400], probeDurationMs: 1500, verdict: 'fail', findings: ['DATA_CHANNEL_BLOCKED'], fullWait: { wallMs: 5600, verdict: 'fail', findings: ['DATA_CHANNEL_BLOCKED'] } }],
      peers: mergePeerRuns([peer(60_500), peer(60_400), peer(60_700)], 120_000),
    };
    const rows = verdictRows(result, false);
    const main = rows.find((row) => row.measure.startsWith('plain: time'));
    expect(main?.ours).toBe('2.10 s (median of 3: 2.00 s–2.40 s); the probe itself 1.50 s: DATA_CHANNEL_BLOCKED');
    expect(main?.peer).toBe('fastest: basic-ftp gave up after 60.5 s (median of 3: 60.4 s–60.7 s)');
    expect(main?.met).toBe(true);
    expect(rows.find((row) => row.measure.includes('--no-early-verdict'))).toMatchObject({ met: true, ours: '5.60 s: the same verdict and findings' });
    const slow = verdictRows({ ...result, ours: [{ ...result.ours[0]!, wallMs: 2600 }] }, false);
    expect(slow.find((row) => row.measure.startsWith('plain: time'))?.met).toBe(false);
  });
});
