/**
 * A password carried inside a USER argument (`USER bob:Secret4@ftp.example.net`, the login of an
 * FTP proxy): hidden by its shape wherever text is redacted, remembered so that a server quoting
 * it back or the target URL (percent-encoded user name) do not show it either, in every renderer.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { forgetSecrets, passwordInUserName, redactSecrets } from '../../src/report/secrets.js';
import { REPORT_FORMATS } from '../../src/report/formats.js';
import { renderTable } from '../../src/report/table.js';
import { renderNagiosProbe } from '../../src/report/nagios.js';
import { formatLogJson, type LogEntry } from '../../src/server/log.js';
import { blockedProbe } from './fixtures.js';

beforeEach(() => forgetSecrets());
afterEach(() => forgetSecrets());

const SECRET = 'Secret4';

describe('redactSecrets and a USER argument carrying a password', () => {
  it('masks it by shape, in a transcript line and in a log that quotes the command', () => {
    expect(redactSecrets('USER bob:Secret4@ftp.example.net')).toBe('USER bob:***@ftp.example.net');
    expect(redactSecrets('FTP command: Client "127.0.0.1", "USER bob:Secret4@ftp.example.net"')).toBe('FTP command: Client "127.0.0.1", "USER bob:***@ftp.example.net"');
    expect(redactSecrets('user bob:Secret4@ftp.example.net:2121')).toBe('user bob:***@ftp.example.net:2121');
  });

  it('a password containing @ is hidden whole (up to the last @)', () => {
    expect(redactSecrets('USER bob:p@ss9@ftp.example.net')).toBe('USER bob:***@ftp.example.net');
  });

  it('remembers it: a server quoting it back later is redacted too', () => {
    redactSecrets('USER bob:Secret4@ftp.example.net');
    expect(redactSecrets('530 Login incorrect for secret4')).toBe('530 Login incorrect for ***');
  });

  it('leaves proxy logins without a password and masked arguments alone', () => {
    expect(redactSecrets('USER bob@ftp.example.net')).toBe('USER bob@ftp.example.net');
    expect(redactSecrets('USER bob@ftp.example.net:2121')).toBe('USER bob@ftp.example.net:2121');
    expect(redactSecrets('USER bob:***@host')).toBe('USER bob:***@host');
    expect(redactSecrets('the ***s')).toBe('the ***s');
  });

  it('passwordInUserName', () => {
    expect(passwordInUserName('bob:Secret4@ftp.example.net')).toBe(SECRET);
    expect(passwordInUserName('bob@ftp.example.net')).toBeUndefined();
    expect(passwordInUserName('bob')).toBeUndefined();
  });
});

/** A probe through a proxy login: the USER line, the server quoting the password, the target URL. */
function proxyProbe() {
  const probe = blockedProbe();
  probe.target = 'ftp://bob%3ASecret4%40ftp.example.net@203.0.113.5/';
  // Before the transcript in the report: cleaned before the USER line is reached.
  probe.steps[0]!.detail = '530 no such login bob:Secret4@ftp.example.net';
  probe.findings[0]!.explanation = 'The server said: Secret4 is wrong';
  probe.transcript.push(
    { t: 90, session: 'main', channel: 'control', direction: '>', text: 'USER bob:Secret4@ftp.example.net' },
    { t: 91, session: 'main', channel: 'control', direction: '<', text: '331 password for bob:Secret4@ftp.example.net' },
  );
  return probe;
}

describe('every renderer of a report with a proxy login', () => {
  it.each(REPORT_FORMATS.map((format) => [format.name, format] as const))('%s', (_, format) => {
    const text = format.render(proxyProbe());
    expect(text).not.toMatch(/secret4/i);
    expect(text).toContain('bob');
  });

  it('the terminal table and the nagios line', () => {
    expect(renderTable(proxyProbe(), { width: 100, color: false })).not.toMatch(/secret4/i);
    expect(JSON.stringify(renderNagiosProbe(proxyProbe()))).not.toMatch(/secret4/i);
  });
});

describe("serve's JSON log", () => {
  it('a USER command line does not show the password', () => {
    const entry: LogEntry = { time: '2026-01-01T00:00:00.000Z', level: 'info', event: 'command', message: 'USER bob:Secret4@ftp.example.net', session: 'abc', peer: '127.0.0.1:5' };
    expect(formatLogJson(entry)).not.toMatch(/secret4/i);
  });
});
