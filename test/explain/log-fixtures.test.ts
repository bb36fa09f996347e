/**
 * explain on the log fixtures (test/fixtures/logs, see its README for where each came from): the
 * codes each session gets. Holds the assembler's readings of what a log can and cannot show — a
 * server's 425/426 or timeout with no data connection seen, a client that replaced an unroutable
 * 227 address, AUTH refused then a clear-text login — to the probe's codes.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runExplain } from '../../src/explain/run.js';

const FIXTURES = path.join(import.meta.dirname, '..', 'fixtures', 'logs');

const EXPECTED: Record<string, string[]> = {
  'curl-epsv-ok.log': [''],
  'curl-pasv-refused.log': ['DATA_CHANNEL_REFUSED'],
  // IIS refused AUTH TLS (534) and FileZilla logged in in clear text: a warning besides the failure.
  'filezilla-en-unroutable.log': ['PASV_ADDRESS_PRIVATE+DATA_CHANNEL_BLOCKED+LOGIN_IN_CLEAR_TEXT'],
  'filezilla-zh-message-log.txt': ['PASV_ADDRESS_PRIVATE+DATA_CHANNEL_BLOCKED'],
  'filezilla-server-0.9.log': ['PASV_ADDRESS_PRIVATE+DATA_CHANNEL_BLOCKED'],
  'pure-ftpd-syslog.log': ['PASV_ADDRESS_PRIVATE+DATA_CHANNEL_BLOCKED'],
  // lftp's session: AUTH TLS refused (500, plain FTPHandler), then a clear-text login that worked.
  'pyftpdlib-debug.log': ['', 'LOGIN_IN_CLEAR_TEXT', ''],
  'vsftpd-protocol.log': ['', 'DATA_CHANNEL_BLOCKED', '', 'LOGIN_FAILED'],
  'windows-ftp-d.log': ['ACTIVE_INBOUND_BLOCKED'],
};

describe('explain on real and documented logs', () => {
  for (const [name, codes] of Object.entries(EXPECTED)) {
    it(name, async () => {
      const report = await runExplain([path.join(FIXTURES, name)]);
      expect(report.sessions.map((session) => session.report.findings.map((finding) => finding.code).join('+'))).toEqual(codes);
      for (const session of report.sessions) expect(session.report.findings.map((finding) => finding.explanation).join(' ')).not.toMatch(/\bthe probe\b/i);
    });
  }

  it('a server log with a private 227 to a public client says so; to a loopback client it does not judge', async () => {
    const report = await runExplain([path.join(FIXTURES, 'filezilla-server-0.9.log')]);
    expect(report.inputs[0]?.vantage).toBe('server');
    const quiet = await runExplain([path.join(FIXTURES, 'pyftpdlib-debug.log')]);
    expect(quiet.verdict).toBe('pass');
  });
});
