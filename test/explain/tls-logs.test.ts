/**
 * The two TLS narrations on logs, worded as on a capture (test/explain/tls-narration.test.ts):
 * - AUTH TLS refused and the session went on in clear text, in real logs of three formats
 *   (test/fixtures/explain: vsftpd's own log, curl -v, lftp debug, one run against a vsftpd without TLS);
 * - AUTH TLS accepted and the data connection dropped: a log still reads the mode (so 'PASV over
 *   TLS' is right there), and the cause and remedy are the blind FTP helper's. These inputs are the
 *   real logs of a working TLS run (same folder) with the data connection's lines replaced by what
 *   each program writes when it never comes (taken from the real plain-FTP logs in test/fixtures/logs).
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runExplain } from '../../src/explain/run.js';
import type { ExplainReport } from '../../src/report/model.js';

const FIXTURES = path.join(import.meta.dirname, '..', 'fixtures', 'explain');
const LOGS = path.join(import.meta.dirname, '..', 'fixtures', 'logs');

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'explain-tls-logs-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The sessions that did something (vsftpd's log also holds the launcher's readiness connection). */
const sessionsOf = (report: ExplainReport): ExplainReport['sessions'] => report.sessions.filter((session) => session.report.steps.some((step) => step.id === 'auth-tls'));

describe('AUTH TLS refused, then clear text: the same words from a server log and two client logs', () => {
  it.each(['vsftpd-auth-refused.log', 'curl-auth-refused.log', 'lftp-auth-refused.log'])('%s', async (name) => {
    const report = await runExplain([path.join(FIXTURES, name)]);
    const sessions = sessionsOf(report);
    expect(sessions.length).toBeGreaterThan(0);
    expect(report.verdict).toBe('pass');
    for (const session of sessions) {
      const auth = session.report.steps.find((step) => step.id === 'auth-tls');
      expect(auth).toMatchObject({ result: 'warn', detail: 'refused (530 Please login with USER and PASS.): TLS not offered by the server; the login and data went in clear text' });
      expect(session.report.findings.map((finding) => `${finding.code}:${finding.severity}`)).toEqual(['LOGIN_IN_CLEAR_TEXT:warning']);
      // Anonymous on vsftpd: no PASS was sent, so no password is said to have crossed.
      expect(session.report.findings[0]?.explanation).toMatch(/so the user name and the data crossed the network in clear text/);
    }
  });
});

/** Text of `file` with `from`…`to` (inclusive, first match) replaced by `lines`. */
async function derived(file: string, from: RegExp, to: RegExp, lines: string[]): Promise<string> {
  const all = (await readFile(file, 'utf8')).split('\n');
  const start = all.findIndex((line) => from.test(line));
  const end = all.findIndex((line, index) => index >= start && to.test(line));
  if (start < 0 || end < 0) throw new Error(`${file}: lines to replace not found`);
  return [...all.slice(0, start), ...lines, ...all.slice(end + 1)].join('\n');
}

async function write(name: string, text: string): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, text);
  return file;
}

const HELPER = /With an encrypted control channel a firewall's FTP helper or ALG cannot see the ports either, so it opens nothing: the classic cause of this drop under FTPS\. Give the server a fixed passive range and open exactly that range on the firewall; or, where the server allows it, clear the control channel after login \(CCC\)/;

describe('ProFTPD ExtendedLog (its documented format, test/fixtures/logs/proftpd-extended.log, with AUTH lines added)', () => {
  const auth = (code: number): string => `198.51.100.40 UNKNOWN - [05/Dec/2026:10:20:01 +0000] "AUTH TLS" ${code} -`;
  const protect = ['"PBSZ 0" 200 -', '"PROT P" 200 -'].map((rest) => `198.51.100.40 UNKNOWN erik [05/Dec/2026:10:20:02 +0000] ${rest}`);

  it('AUTH TLS refused (500), then a clear-text login and a dropped MLSD: the data channel is the failure, the refusal a warning', async () => {
    const text = [auth(500), await readFile(path.join(LOGS, 'proftpd-extended.log'), 'utf8')].join('\n');
    const session = (await runExplain([await write('proftpd-refused.log', text)])).sessions[0];
    expect(session?.verdict).toBe('fail');
    expect(session?.report.steps.find((step) => step.id === 'auth-tls')).toMatchObject({ result: 'warn', detail: 'refused (500): TLS not offered by the server; the login and data went in clear text' });
    expect(session?.report.findings.map((finding) => finding.code)).toEqual(['DATA_CHANNEL_BLOCKED', 'LOGIN_IN_CLEAR_TEXT']);
    expect(session?.report.findings[1]?.explanation).toMatch(/answered "500": TLS is not offered there\. .*the user name, the password and the data crossed the network in clear text/);
  });

  it('AUTH TLS accepted, PROT P, then a dropped MLSD: the blind FTP helper', async () => {
    const lines = (await readFile(path.join(LOGS, 'proftpd-extended.log'), 'utf8')).split('\n');
    const text = [auth(234), ...lines.slice(0, 2), ...protect, ...lines.slice(2)].join('\n');
    const session = (await runExplain([await write('proftpd-tls.log', text)])).sessions[0];
    expect(session?.report.findings[0]?.code).toBe('DATA_CHANNEL_BLOCKED');
    expect(session?.report.findings[0]?.explanation).toMatch(HELPER);
  });
});

describe('AUTH TLS accepted, then the data connection never comes: the mode is in the log, the cause is the blind FTP helper', () => {
  it('vsftpd: 425 after LIST on a TLS session', async () => {
    const tls = path.join(FIXTURES, 'vsftpd-tls-ok.log');
    const text = await derived(tls, /pid 5160\].*"150 Here comes the directory listing\."/, /pid 5160\].*"226 Directory send OK\."/, [
      'Sat Dec  5 08:02:47 2026 [pid 5160] [ftp] FTP response: Client "127.0.0.1", "425 Failed to establish connection."',
    ]);
    const report = await runExplain([await write('vsftpd.log', text)]);
    const session = report.sessions.find((candidate) => candidate.verdict === 'fail');
    expect(session?.report.steps.find((step) => step.id.startsWith('data:pasv'))).toMatchObject({ name: 'PASV over TLS LIST', mode: 'pasv', tls: true });
    const finding = session?.report.findings[0];
    expect(finding?.code).toBe('DATA_CHANNEL_BLOCKED');
    expect(finding?.explanation).toMatch(HELPER);
    expect(finding?.explanation).not.toMatch(/hidden by TLS/);
  });

  it('curl -v: the EPSV and PASV connects time out after AUTH SSL was accepted', async () => {
    // The real plain-FTP timeout (curl-epsv-timeout.log) with the real TLS start of curl-tls-ok.log after the greeting.
    const start = (await readFile(path.join(FIXTURES, 'curl-tls-ok.log'), 'utf8')).split('\n').filter((line) => /^(?:[<>] (?:AUTH SSL|234|PBSZ|200 PBSZ|PROT|200 PROT)|\* SSL connection using)/.test(line));
    const plain = (await readFile(path.join(LOGS, 'curl-epsv-timeout.log'), 'utf8')).split('\n');
    const greeting = plain.findIndex((line) => line.startsWith('< 220 '));
    const report = await runExplain([await write('curl.log', [...plain.slice(0, greeting + 1), ...start, ...plain.slice(greeting + 1)].join('\n'))]);
    const session = report.sessions[0]?.report;
    expect(session?.steps.find((step) => step.id === 'auth-tls')?.result).toBe('ok');
    const finding = session?.findings.find((candidate) => candidate.code === 'DATA_CHANNEL_BLOCKED' || candidate.code === 'EPSV_BLOCKED');
    expect(finding?.explanation ?? JSON.stringify(session?.findings)).toMatch(HELPER);
  });

  it('lftp debug: the data socket never connects on a TLS session', async () => {
    const text = await derived(path.join(FIXTURES, 'lftp-tls-ok.log'), /^---- Data connection established/, /^<--- 226 /, ['---> LIST', '**** Timeout - reconnecting', '---- Closing data socket']);
    const report = await runExplain([await write('lftp.log', text)]);
    const session = report.sessions[0]?.report;
    expect(session?.steps.find((step) => step.id.startsWith('data:pasv'))).toMatchObject({ name: 'PASV over TLS LIST', tls: true });
    const finding = session?.findings[0];
    expect(finding?.code).toBe('DATA_CHANNEL_BLOCKED');
    expect(finding?.explanation).toMatch(HELPER);
  });
});
