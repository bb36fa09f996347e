/**
 * `ftp-doctor explain` on the logs administrators hand over: rotated and gzip'd
 * (`vsftpd.log.2.gz vsftpd.log.1 vsftpd.log`), through the real CLI.
 * - a gzip'd log is diagnosed like the plain one, its evidence citing the .gz and decompressed lines;
 * - a log's rotated files, given in any order, are read in the order of their times as one log: the
 *   session that a rotation cut in two is one session, with the same findings as the unrotated log;
 * - files whose times overlap are not joined;
 * - a truncated .gz is read to its last whole line and the report says after which line it stopped;
 * - a gzip bomb stops at the limit: exit 2 naming the file, no stack trace, bounded memory.
 * The logs are the committed vsftpd fixture, split and compressed here.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ExplainReport } from '../../src/report/model.js';
import { CLI, ftpDoctor } from '../setup/run-cli.js';
import { fixture, scratchDirectory } from './helpers.js';

const GNU_TIME = '/usr/bin/time';

const scratch = scratchDirectory('fd-rotated-');
const write = scratch.write;
let lines: string[] = [];
beforeAll(async () => {
  lines = (await readFile(fixture('vsftpd-protocol.log'), 'utf8')).split('\n').filter((line) => line !== '');
});

/** Lines from..to (1-based, inclusive) of the fixture, as a log file's text. */
const part = (from: number, to: number): string => `${lines.slice(from - 1, to).join('\n')}\n`;

async function explainJson(files: string[]): Promise<{ code: number; report: ExplainReport; stderr: string }> {
  const result = await ftpDoctor(['explain', '--json', '--report-dir', 'none', ...files], 120_000);
  return { code: result.code, report: JSON.parse(result.stdout) as ExplainReport, stderr: result.stderr };
}

let bomb: Promise<{ code: number; stderr: string }> | undefined;

/**
 * explain on a gzip bomb, run once: a real log's head, then 40 members of 64 MiB of zeros each
 * (2.5 GiB from ~2.6 MB, past the 2 GiB limit). Under GNU time when it is there, which adds the
 * peak RSS to stderr.
 */
function bombRun(): Promise<{ code: number; stderr: string }> {
  bomb ??= (async () => {
    const zeros = gzipSync(Buffer.alloc(64 * 1024 * 1024), { level: 9 });
    const file = await write('vsftpd.log.9.gz', Buffer.concat([gzipSync(part(1, lines.length)), ...Array.from({ length: 40 }, () => zeros)]));
    const command = [process.execPath, ...CLI, 'explain', '--report-dir', 'none', file];
    const [program, ...args] = existsSync(GNU_TIME) ? [GNU_TIME, '-f', 'peak-rss-kb=%M', ...command] : command;
    return promisify(execFile)(program!, args, { timeout: 300_000, maxBuffer: 16 * 1024 * 1024 }).then(
      (done) => ({ code: 0, stderr: done.stderr }),
      (failed: { code?: number; stderr?: string }) => ({ code: failed.code ?? -1, stderr: failed.stderr ?? '' }),
    );
  })();
  return bomb;
}

const codes = (report: ExplainReport): string[] => report.sessions.flatMap((session) => session.report.findings.map((finding) => finding.code)).sort();
const evidenceOf = (report: ExplainReport, code: string): string =>
  report.sessions.flatMap((session) => session.report.findings.filter((finding) => finding.code === code).flatMap((finding) => finding.evidence)).join('\n');

describe('explain on rotated and gzip\'d logs (CLI)', () => {
  it('a gzip\'d vsftpd log: detected by its content, exit 1, DATA_CHANNEL_BLOCKED citing the .gz and the decompressed line', async () => {
    const file = await write('vsftpd.log.2.gz', gzipSync(part(1, lines.length)));
    const { code, report } = await explainJson([file]);
    expect(code).toBe(1);
    expect(report.inputs.map((input) => input.format)).toEqual(['vsftpd']);
    expect(codes(report)).toContain('DATA_CHANNEL_BLOCKED');
    // Line 40 of the decompressed text is vsftpd's 425 after waiting for the data connection.
    expect(evidenceOf(report, 'DATA_CHANNEL_BLOCKED')).toMatch(/425 Failed to establish connection\.\s+\[[^\]]*vsftpd\.log\.2\.gz line 40,/);
  });

  it('rotated files given out of order are read in time order as one log: the session cut by the rotations is one session', async () => {
    // The failing download (pid 26849/26850) begins in the oldest file and its 425 is in the live one.
    const whole = await explainJson([fixture('vsftpd-protocol.log')]);
    const sub = path.join(scratch.path(), 'rotation');
    await mkdir(sub);
    // The oldest file as logrotate with delaycompress-then-compress can leave it: two gzip members.
    const oldest = path.join(sub, 'vsftpd.log.2.gz');
    await writeFile(oldest, Buffer.concat([gzipSync(part(1, 8)), gzipSync(part(9, 16))]));
    const middle = path.join(sub, 'vsftpd.log.1');
    await writeFile(middle, part(17, 39));
    const live = path.join(sub, 'vsftpd.log');
    await writeFile(live, part(40, lines.length));

    const { code, report } = await explainJson([live, oldest, middle]);
    expect(code).toBe(1);
    expect(report.inputs.map((input) => path.basename(input.file))).toEqual(['vsftpd.log.2.gz', 'vsftpd.log.1', 'vsftpd.log']);
    // As many sessions as the unrotated log, with the same findings.
    expect(report.sessions).toHaveLength(whole.report.sessions.length);
    expect(codes(report)).toEqual(codes(whole.report));
    const evidence = evidenceOf(report, 'DATA_CHANNEL_BLOCKED');
    expect(evidence).toMatch(/227 Entering Passive Mode .*\[[^\]]*\/vsftpd\.log\.2\.gz line 11,/);
    expect(evidence).toMatch(/425 Failed to establish connection\.\s+\[[^\]]*\/vsftpd\.log line 1,/);
    expect(report.inputs[0]?.limits.join('\n')).toContain('one log in 3 rotated files, read in the order of their times: vsftpd.log.2.gz, vsftpd.log.1, vsftpd.log (1 session continues from one file into the next)');
  });

  it('the times decide the order, not the names: the same files under names that say the reverse give the same sessions', async () => {
    const sub = await mkdtemp(path.join(scratch.path(), 'names-'));
    const newest = path.join(sub, 'ftp.log.3.gz');
    await writeFile(newest, gzipSync(part(40, lines.length)));
    const oldest = path.join(sub, 'ftp.log');
    await writeFile(oldest, part(1, 16));
    const middle = path.join(sub, 'ftp.log.1');
    await writeFile(middle, part(17, 39));
    const whole = await explainJson([fixture('vsftpd-protocol.log')]);
    const { report } = await explainJson([newest, middle, oldest]);
    expect(report.inputs.map((input) => path.basename(input.file))).toEqual(['ftp.log', 'ftp.log.1', 'ftp.log.3.gz']);
    expect(report.sessions).toHaveLength(whole.report.sessions.length);
    expect(codes(report)).toEqual(codes(whole.report));
  });

  it('two files whose times overlap (one log given twice) are not joined: each is read on its own, and says why', async () => {
    const copy = await write('vsftpd-copy.log', part(1, lines.length));
    const single = await explainJson([fixture('vsftpd-protocol.log')]);
    const { report } = await explainJson([fixture('vsftpd-protocol.log'), copy]);
    expect(report.sessions).toHaveLength(2 * single.report.sessions.length);
    expect(report.inputs[1]?.limits.join('\n')).toMatch(/read as a log of its own: it begins before vsftpd-protocol\.log ends/);
  });

  it('a truncated .gz: exit by the diagnosis (no stack trace), the lines before the cut read, the report naming the line it stopped after', async () => {
    const compressed = gzipSync(part(1, lines.length), { level: 0 });
    const file = await write('vsftpd.log.4.gz', compressed.subarray(0, Math.floor(compressed.length * 0.7)));
    const result = await ftpDoctor(['explain', '--report-dir', 'none', file], 120_000);
    expect([0, 1]).toContain(result.code);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.stdout.replace(/\s+/g, ' ')).toMatch(/limit: the gzip data is cut short \(the file ends before the compressed stream does\) after line \d+: lines 1-\d+ were read/);
  });

  it('a gzip bomb: exit 2 naming the file and the limit, no stack trace', async () => {
    const result = await bombRun();
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/vsftpd\.log\.9\.gz: decompresses to more than the limit of 2147483648 bytes/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  }, 320_000);

  it.skipIf(existsSync(GNU_TIME) ? null : `${GNU_TIME} (GNU time) is not installed: the peak memory of reading the bomb is not measured`)(
    'a gzip bomb is read with bounded memory: peak RSS far below the 2 GiB it inflates to before the limit stops it',
    async () => {
      const { stderr } = await bombRun();
      expect(stderr).toMatch(/decompresses to more than the limit/);
      const peak = Number(/peak-rss-kb=(\d+)/.exec(stderr)?.[1]);
      expect(peak).toBeGreaterThan(0);
      // Holding the bomb whole would take over 2 GiB; streaming it takes a few hundred MB at most.
      expect(peak).toBeLessThan(1024 * 1024);
    },
    320_000,
  );
});
