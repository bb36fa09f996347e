/**
 * The server's TLS handshake helper hands over a connection only once the TLS 1.3 handshake is
 * finished on the server's side too (NewSessionTicket written): a data connection that writes and
 * ends at once (a short listing) must send its data after the tickets and end with close_notify,
 * not a bare FIN. Checked with `openssl s_client -msg`, which prints every decrypted record; skips
 * with a reason when openssl is missing.
 */
import { execFile, execFileSync } from 'node:child_process';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSessionContext, handshake, loadTlsMaterial, wrapServerTls, type TlsMaterial } from '../../src/server/tls.js';

function opensslMissing(): string | null {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore', timeout: 10_000 });
    return null;
  } catch {
    return 'openssl is not installed (apt-get install openssl)';
  }
}
const missing = opensslMissing();
if (missing) console.warn(`TLS close_notify tests skipped: ${missing}`);

/** What s_client printed about the records it received ("<<<" lines) and the text it read. */
async function sClient(port: number, version: '-tls1_3' | '-tls1_2'): Promise<string> {
  return new Promise((resolve) => {
    const child = execFile('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, version, '-msg', '-ign_eof'], { timeout: 30_000 }, (_error, stdout, stderr) => resolve(`${stdout}\n${stderr}`));
    child.stdin?.end();
  });
}

describe.skipIf(missing !== null)(`server TLS: write and end right after the handshake${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let material: TlsMaterial;
  let server: net.Server;
  let port: number;
  beforeAll(async () => {
    material = await loadTlsMaterial(undefined, undefined);
    server = net.createServer((raw) => {
      raw.on('error', () => {});
      const secure = wrapServerTls(raw, createSessionContext(material));
      secure.on('error', () => {});
      void handshake(secure, 20_000).then(
        () => {
          secure.write('listing-line\r\n');
          secure.end();
        },
        () => raw.destroy(),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as net.AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it.each([['-tls1_3'], ['-tls1_2']] as const)('%s: the data, then close_notify (tickets before the data)', async (version) => {
    const output = await sClient(port, version);
    const received = output.split('\n').filter((line) => line.startsWith('<<<') || line.includes('listing-line') || /unexpected eof/i.test(line));
    const dataAt = received.findIndex((line) => line.includes('listing-line'));
    const closeNotifyAt = received.findIndex((line) => /Alert.*close_notify/.test(line));
    expect(dataAt, output).toBeGreaterThan(-1);
    expect(closeNotifyAt, received.join('\n')).toBeGreaterThan(dataAt);
    expect(output).not.toMatch(/unexpected eof/i);
    if (version === '-tls1_3') {
      const lastTicketAt = received.map((line) => line.includes('NewSessionTicket')).lastIndexOf(true);
      expect(lastTicketAt, received.join('\n')).toBeGreaterThan(-1);
      expect(lastTicketAt).toBeLessThan(dataAt);
    }
  });
});
