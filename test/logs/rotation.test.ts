/**
 * Several files of one log in one run (src/logs/series.ts), plain files through runExplain:
 * ordered by their times whatever the argument order, joined into one log when each begins no
 * earlier than the one before ends (a session a rotation cut is one session), kept apart when
 * their times overlap or when they have no times. The logs are the committed fixtures, split here.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runExplain } from '../../src/explain/run.js';
import { rotationAge } from '../../src/logs/series.js';
import type { ExplainReport } from '../../src/report/model.js';
import { fixture, scratchDirectory } from './helpers.js';

const scratch = scratchDirectory('fd-rotation-');
let vsftpd: string[] = [];
beforeAll(async () => {
  vsftpd = (await readFile(fixture('vsftpd-protocol.log'), 'utf8')).split('\n').filter((line) => line !== '');
});

/** Lines from..to (1-based, inclusive) of the vsftpd fixture into a new file of its own directory. */
async function split(name: string, from: number, to: number): Promise<string> {
  const file = path.join(await mkdtemp(path.join(scratch.path(), 'run-')), name);
  await writeFile(file, `${vsftpd.slice(from - 1, to).join('\n')}\n`);
  return file;
}

const codes = (report: ExplainReport): string[] => report.sessions.flatMap((session) => session.report.findings.map((finding) => finding.code)).sort();
const names = (report: ExplainReport): string[] => report.inputs.map((input) => path.basename(input.file));

describe('rotated logs read together', () => {
  it('two plain rotated files given newest first: one log, the session cut at the rotation is one session with the unrotated findings', async () => {
    const whole = await runExplain([fixture('vsftpd-protocol.log')]);
    // The rotation falls between the RETR (line 16) and vsftpd's 425 for it (line 40).
    const rotated = await split('vsftpd.log.1', 1, 16);
    const live = path.join(path.dirname(rotated), 'vsftpd.log');
    await writeFile(live, `${vsftpd.slice(16).join('\n')}\n`);
    const report = await runExplain([live, rotated]);
    expect(names(report)).toEqual(['vsftpd.log.1', 'vsftpd.log']);
    expect(report.sessions).toHaveLength(whole.sessions.length);
    expect(codes(report)).toEqual(codes(whole));
    const failing = report.sessions.find((session) => session.verdict === 'fail');
    expect(failing?.file).toBe(rotated);
    expect(report.inputs[0]?.sessions).toBe(2);
  });

  it('files that begin in the same second: the rotation names break the tie (x.2 before x.1 before x)', async () => {
    const whole = await runExplain([fixture('vsftpd-protocol.log')]);
    // Lines 17 and 36 both carry 05:00:01.
    const oldest = await split('vsftpd.log.2', 1, 16);
    const dir = path.dirname(oldest);
    const middle = path.join(dir, 'vsftpd.log.1');
    await writeFile(middle, `${vsftpd.slice(16, 35).join('\n')}\n`);
    const live = path.join(dir, 'vsftpd.log');
    await writeFile(live, `${vsftpd.slice(35).join('\n')}\n`);
    const report = await runExplain([live, middle, oldest]);
    expect(names(report)).toEqual(['vsftpd.log.2', 'vsftpd.log.1', 'vsftpd.log']);
    expect(codes(report)).toEqual(codes(whole));
    expect(report.inputs.every((input) => !input.limits.some((limit) => limit.includes('read as a log of its own')))).toBe(true);
  });

  it('logs without times cannot be ordered: each is read on its own, in the order given, and says why', async () => {
    const report = await runExplain([fixture('curl-pasv-refused.log'), fixture('curl-epsv-ok.log')]);
    expect(names(report)).toEqual(['curl-pasv-refused.log', 'curl-epsv-ok.log']);
    expect(report.inputs[0]?.limits.join('\n')).toMatch(/not ordered or joined with the other curl -v log files: .* no times/);
  });

  it('a capture or a log of another kind keeps its place among the arguments', async () => {
    const rotated = await split('vsftpd.log.1', 1, 16);
    const live = path.join(path.dirname(rotated), 'vsftpd.log');
    await writeFile(live, `${vsftpd.slice(16).join('\n')}\n`);
    const report = await runExplain([fixture('curl-epsv-timeout.log'), live, fixture('vsftpd-xferlog'), rotated]);
    expect(names(report)).toEqual(['curl-epsv-timeout.log', 'vsftpd.log.1', 'vsftpd.log', 'vsftpd-xferlog']);
  });

  it.each([
    ['vsftpd.log', 0],
    ['vsftpd.log.1', 1],
    ['vsftpd.log.2.gz', 2],
    ['syslog.10.gz', 10],
    ['u_ex240105.log', 0],
  ])('rotationAge(%s) = %d', (name, age) => {
    expect(rotationAge(`/var/log/${name}`)).toBe(age);
  });

  it('dateext names: an earlier date is older, the live file youngest', () => {
    const ages = ['proftpd.log', 'proftpd.log-20261202', 'proftpd.log-20261201.gz'].map((name) => rotationAge(name));
    expect(ages[0]).toBeLessThan(ages[1]!);
    expect(ages[1]).toBeLessThan(ages[2]!);
  });
});
