/**
 * A server's log and its firewall's log together (trial 5, #1 and #21): the firewall's drop of a
 * SYN to the very passive port the server handed out, within the session, is matched and quoted —
 * whether the firewall wrote zone-less syslog times or RFC 3339 times with an offset, and whatever
 * zone the analysing machine runs in. Zone-less times say in the limits which zone they were read in.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { runExplain } from '../../src/explain/run.js';
import { parseZonedTime } from '../../src/logs/firewall.js';
import type { ExplainReport } from '../../src/report/model.js';
import { fixture, scratchDirectory } from '../logs/helpers.js';

const passive = (name: string): string => fixture(`servers-passive/${name}`);
const originalTz = process.env.TZ;
const scratch = scratchDirectory('ftp-doctor-server-logs-firewall-');

afterEach(() => {
  if (originalTz === undefined) delete process.env.TZ;
  else process.env.TZ = originalTz;
});

function firewallFinding(report: ExplainReport): string | undefined {
  const finding = report.findings.find((candidate) => /firewall log shows where the data connection died/.test(candidate.title));
  return finding ? `${finding.code}: ${finding.evidence.join(' ')}` : undefined;
}

describe('firewall drops matched to the passive port a server log handed out', () => {
  it.each(['UTC', 'Europe/Berlin', 'America/New_York'])('vsftpd.log + ufw.log (both zone-less), TZ=%s: DATA_CHANNEL_BLOCKED quotes ufw line 1', async (zone) => {
    process.env.TZ = zone;
    const report = await runExplain([passive('vsftpd-epsv-unanswered.log'), passive('ufw-epsv-drop.log')]);
    expect(report.verdict).toBe('fail');
    expect(firewallFinding(report)).toMatch(/^DATA_CHANNEL_BLOCKED: .*dropped the connection from 127\.0\.0\.1:47474 to 127\.0\.0\.1:50609 \([^)]*ufw-epsv-drop\.log line 1, 08:05:50\)/);
  });

  it('zone-less firewall times: the limits name the zone they were read in', async () => {
    process.env.TZ = 'Europe/Berlin';
    const report = await runExplain([passive('vsftpd-epsv-unanswered.log'), passive('ufw-epsv-drop.log')]);
    const limits = report.inputs.flatMap((input) => input.limits).join('\n');
    expect(limits).toMatch(/read in this machine's zone \(Europe\/Berlin, UTC\+01:00\)/);
    expect(limits).not.toMatch(/times are the host's local time/);
  });

  it.each(['UTC', 'Europe/Berlin', 'Asia/Tokyo'])('RFC 3339 times with an offset are honoured: serve JSON (UTC) + a firewall writing +01:00, TZ=%s: matched', async (zone) => {
    process.env.TZ = zone;
    // serve's JSON log is in UTC (Z): EPSV port 50208 handed out at 07:50:59.233Z. The firewall wrote the same instant at UTC+01:00.
    const line = (time: string): string =>
      `${time} host kernel: [UFW BLOCK] IN=lo OUT= MAC=00:00:00:00:00:00:00:00:00:00:00:00:08:00 SRC=127.0.0.1 DST=127.0.0.1 LEN=60 TOS=0x00 PREC=0x00 TTL=64 ID=1 DF PROTO=TCP SPT=41000 DPT=50208 WINDOW=65495 RES=0x00 SYN URGP=0`;
    const ufw = await scratch.write('ufw-plus-one.log', `${line('2026-12-05T08:50:59.240117+01:00')}\n${line('2026-12-05T08:51:00.261554+01:00')}\n`);
    const report = await runExplain([passive('serve-json-epsv-unanswered.log'), ufw]);
    expect(firewallFinding(report)).toMatch(/^DATA_CHANNEL_BLOCKED: .*to 127\.0\.0\.1:50208 \([^)]*ufw-plus-one\.log line 1, 07:50:59\.240\)/);
    expect(report.inputs.find((input) => input.format === 'firewall')?.limits.join('\n')).not.toMatch(/carry no zone/);
  });

  it('zone-less firewall times an hour off a UTC source (the machine in Europe/Berlin, the firewall in UTC): not matched, and the note says the zones differ', async () => {
    process.env.TZ = 'Europe/Berlin';
    const line = `Dec  5 07:50:59 host kernel: [UFW BLOCK] IN=lo OUT= MAC=00:00:00:00:00:00:00:00:00:00:00:00:08:00 SRC=127.0.0.1 DST=127.0.0.1 LEN=60 TOS=0x00 PREC=0x00 TTL=64 ID=1 DF PROTO=TCP SPT=41000 DPT=50208 WINDOW=65495 RES=0x00 SYN URGP=0`;
    const ufw = await scratch.write('ufw-zoneless.log', `${line}\n`);
    const report = await runExplain([passive('serve-json-epsv-unanswered.log'), ufw]);
    expect(firewallFinding(report)).toBeUndefined();
    expect(report.summary.join('\n')).toMatch(/The drop to port 50208 in .*ufw-zoneless\.log line 1.* is 1 h before the failed data connection to that port: the sources' clocks are probably in different zones/);
    expect(report.inputs.find((input) => input.format === 'firewall')?.limits.join('\n')).toMatch(/Europe\/Berlin, UTC\+01:00/);
  });

  it('the +01:00 and the +00:00 spellings of one instant are one time', () => {
    const zoned = parseZonedTime('2026-12-05T09:05:50.173620+01:00 host kernel: [UFW BLOCK] IN=lo');
    expect(zoned).toEqual(parseZonedTime('2026-12-05T08:05:50.173620+00:00 host kernel: [UFW BLOCK] IN=lo'));
    expect(zoned?.iso).toBe('2026-12-05T08:05:50.173Z');
  });

  it('parseZonedTime: Z, ±hh:mm and ±hhmm; no zone is not a zoned time', () => {
    expect(parseZonedTime('2026-12-05T08:05:50Z x')?.iso).toBe('2026-12-05T08:05:50.000Z');
    expect(parseZonedTime('2026-12-05T03:05:50-0500 x')?.iso).toBe('2026-12-05T08:05:50.000Z');
    expect(parseZonedTime('2026-12-05T08:05:50 x')).toBeUndefined();
    expect(parseZonedTime('Dec  5 08:05:50 host kernel:')).toBeUndefined();
  });
});
