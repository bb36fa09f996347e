/**
 * After a download the 226 goes out once our last byte and FIN are on their way, not when the
 * client closes: a client that waits for the 226 before closing its data socket gets it at once
 * (the server's linger is set far beyond the test's timeout, so waiting for the client would hang).
 */
import { once } from 'node:events';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { passivePort, RawClient, serve, type TestServer } from './helpers.js';

let server: TestServer | undefined;
const sockets: net.Socket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await server?.close();
  server = undefined;
});

describe('closing a data connection', () => {
  for (const verb of ['RETR /README.txt', 'LIST /']) {
    // EPSV: the passive channel hands the connection to the transfer, which owns its closing.
    it(`${verb}: 226 while the client still holds its data socket open after EOF`, async () => {
      server = await serve({ limits: { dataLingerMs: 600_000 } });
      const control = await RawClient.open(server.port);
      await control.login();
      const data = net.connect({ host: '127.0.0.1', port: passivePort(await control.command('EPSV')), allowHalfOpen: true });
      sockets.push(data);
      data.on('error', () => {});
      await once(data, 'connect');
      // Half-open on our side: read to the server's FIN, never send ours.
      let bytes = 0;
      data.on('data', (chunk: Buffer) => (bytes += chunk.length));
      const eof = once(data, 'end');
      expect((await control.command(verb)).code).toBe(150);
      await eof;
      expect(bytes).toBeGreaterThan(0);
      expect(data.destroyed).toBe(false);
      expect((await control.reply()).code).toBe(226);
      // The socket lingers for the client after the 226 (a TLS client's close_notify comes now):
      // what the client still sends is read and dropped, never answered with a reset.
      let failed: string | undefined;
      data.on('error', (error: Error & { code?: string }) => (failed = error.code ?? error.message));
      // (The first write draws the reset, if any; having read its EOF, the client only sees it on
      // the second.)
      data.write('late bytes');
      await new Promise((resolve) => setTimeout(resolve, 150));
      data.write('more late bytes');
      await new Promise((resolve) => setTimeout(resolve, 150));
      expect(failed).toBeUndefined();
      expect(data.destroyed).toBe(false);
      control.close();
    });
  }
});
