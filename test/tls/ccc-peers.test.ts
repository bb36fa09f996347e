/**
 * Real clients doing CCC against our reference server: curl (OpenSSL) in both of its CCC modes
 * (active: it sends close_notify too; passive: it only waits for ours and goes on in clear text)
 * and lftp (GnuTLS). Each lists the directory with the data connection still on TLS.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { hasCurl, hasLftp, run, serve, type TestServer } from '../server/helpers.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

if (!hasCurl) console.warn('curl CCC tests skipped: /usr/bin/curl is not installed (Debian package curl)');
if (!hasLftp) console.warn('lftp CCC test skipped: /usr/bin/lftp is not installed (Debian package lftp)');

const cleared = (): boolean => server?.logs.some((entry) => /control channel cleared \(CCC\)/.test(entry.message)) ?? false;

describe('CCC with real FTP clients', () => {
  for (const mode of ['active', 'passive'] as const) {
    it.skipIf(!hasCurl)(`curl --ftp-ssl-ccc-mode ${mode} with CCC lists over a TLS data connection`, async () => {
      server = await serve({ tls: 'explicit', allowCcc: true });
      const result = await run('curl', ['-sS', '-v', '--ssl-reqd', '-k', '--ftp-ssl-ccc', '--ftp-ssl-ccc-mode', mode, '--max-time', '20', `ftp://127.0.0.1:${server.port}/`], 30_000);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout.toString()).toContain('README.txt');
      expect(result.stderr).toMatch(/> CCC\r?\n(\{ \[\d+ bytes data\]\r?\n)?< 200 /);
      // After CCC curl goes on without TLS on the control connection, and its data connection is TLS.
      expect(result.stderr).toMatch(/> CCC[\s\S]*SSL_get_shutdown\(\)[\s\S]*> LIST/);
      expect(cleared()).toBe(true);
      // Two TLS handshakes: the control connection's, and the data connection's after CCC.
      expect(result.stderr.match(/SSL connection using/g)?.length).toBe(2);
      expect(result.stderr).toMatch(/> CCC[\s\S]*SSL connection using/);
    });
  }

  it.skipIf(!hasLftp)('lftp with ftp:ssl-use-ccc lists over a TLS data connection', async () => {
    server = await serve({ tls: 'explicit', allowCcc: true });
    const script = [
      'set ftp:ssl-force yes',
      'set ftp:ssl-use-ccc yes',
      'set ftp:ssl-protect-data yes',
      'set ssl:verify-certificate no',
      'set net:max-retries 2',
      'set net:timeout 10',
      `open -u anonymous,test@example.com ftp://127.0.0.1:${server.port}`,
      'ls',
    ].join('; ');
    const result = await run('lftp', ['-d', '-c', script], 30_000);
    expect(result.code, result.stderr).toBe(0);
    const output = result.stdout.toString() + result.stderr;
    expect(output).toContain('README.txt');
    // lftp's debug log may put other lines (e.g. "**** " notes) between a command and its reply.
    expect(output).toMatch(/---> CCC\s*\n(?:.*\n){0,5}?<--- 200 /);
    expect(output).toMatch(/<--- 226 /);
    expect(cleared()).toBe(true);
  });
});
