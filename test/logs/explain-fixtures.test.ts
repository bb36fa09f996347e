/**
 * End to end: `explain` (runExplain: detection, the log reader, the assembler, the probe's rules)
 * on the committed log fixtures gives the findings their established causes call for — in every
 * UI language FileZilla was captured in, from client and server logs alike — and quotes the lines
 * that prove them with their line numbers, passwords never among them.
 */
import { describe, expect, it } from 'vitest';
import { runExplain } from '../../src/explain/run.js';
import type { ExplainReport } from '../../src/report/model.js';
import { fixture } from './helpers.js';

const codes = (report: ExplainReport): string[][] => report.sessions.map((session) => session.report.findings.map((finding) => `${finding.severity}:${finding.code}`));

describe('explain on logs', () => {
  it.each(['filezilla-en-unroutable.log', 'filezilla-fr-message-log.txt', 'filezilla-zh-message-log.txt', 'filezilla-ru-message-log.txt'])(
    'FileZilla %s: the private 227 address and the data connection that timed out after MLSD',
    async (name) => {
      const report = await runExplain([fixture(name)]);
      expect(report.verdict).toBe('fail');
      // The English log also has IIS refusing AUTH TLS (534) before a clear-text login: a warning of its own.
      const clearText = name === 'filezilla-en-unroutable.log' ? ['warning:LOGIN_IN_CLEAR_TEXT'] : [];
      expect(codes(report)).toEqual([['warning:PASV_ADDRESS_PRIVATE', 'error:DATA_CHANNEL_BLOCKED', ...clearText]]);
      const evidence = report.sessions[0]?.report.findings.flatMap((finding) => finding.evidence).join('\n') ?? '';
      expect(evidence).toMatch(/227 Entering Passive Mode .*\[[^\]]+ line \d+[,\]]/);
    },
  );

  it.each([
    ['curl-pasv-refused.log', [['error:DATA_CHANNEL_REFUSED']]],
    ['curl-epsv-timeout.log', [['error:DATA_CHANNEL_BLOCKED', 'warning:DATA_TRANSFER_FAILED']]], // the PASV fallback curl gave up on before dialling: shown, unknown
    // "Passive data transfer failed": ProFTPD waited for a passive data connection that never came.
    ['proftpd-syslog.log', [['error:DATA_CHANNEL_BLOCKED']]],
    // Line 2: 60 s, 0 bytes, incomplete (vsftpd's 425 after waiting for the data connection).
    ['vsftpd-xferlog', [['error:DATA_CHANNEL_BLOCKED']]],
    // serve --log text: "passive port 42031 opened", then PASV with no data connection between.
    ['serve-text-epsv-dropped.log', [['error:DATA_CHANNEL_BLOCKED']]],
    ['winscp-timeout.log', [['error:DATA_CHANNEL_BLOCKED']]],
    ['fluentftp.log', [['error:DATA_CHANNEL_BLOCKED']]],
    ['iis-ftp-u_ex240105.log', [['error:DATA_CHANNEL_BLOCKED'], []]],
    ['filezilla-server-1.x.log', [['error:DATA_CHANNEL_BLOCKED']]],
  ])('%s → %j', async (name, expected) => {
    expect(codes(await runExplain([fixture(name)]))).toEqual(expected);
  });

  it('healthy client and server logs pass', async () => {
    for (const name of ['filezilla-debug-ok.log', 'serve-json.log', 'curl-epsv-ok.log', 'ftplib-ok.log', 'pyftpdlib-debug.log', 'proftpd-system-real.log', 'serve-text-ok.log']) {
      const report = await runExplain([fixture(name)]);
      expect([name, report.verdict]).toEqual([name, 'pass']);
    }
  });

  it('vsftpd (real): the 425 session is a data-channel fault, the 530 a login failure and nothing else; no password in the report', async () => {
    const report = await runExplain([fixture('vsftpd-protocol.log')]);
    const byId = Object.fromEntries(report.sessions.map((session) => [session.id.replace(/^.*#/, ''), session.report.findings.map((finding) => finding.code)]));
    expect(byId['pid 26849']).toEqual(['DATA_CHANNEL_BLOCKED']);
    expect(byId['pid 27000']).toEqual([]);
    expect(byId['pid 27009']).toEqual(['LOGIN_FAILED']);
    expect(report.inputs[0]?.vantage).toBe('server');
  });

  it('a password in the log is in no output (curl -v shows PASS in clear)', async () => {
    const report = await runExplain([fixture('curl-pasv-refused.log')]);
    expect(JSON.stringify(report)).not.toContain('pw123456');
  });
});
