/** realNetwork.connect with a readBuffer: every byte arrives in order, and 'end' and resets still show. */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { realNetwork } from '../../src/net/real.js';
import { endedByReset } from '../../src/net/reset-probe.js';
import { demoBytes } from '../../src/server/filesystem/demo-content.js';

let server: net.Server | undefined;
afterEach(() => {
  server?.close();
  server = undefined;
});

async function serveOnce(behave: (socket: net.Socket) => void): Promise<number> {
  server = net.createServer(behave);
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return (server.address() as net.AddressInfo).port;
}

describe('connections with a read buffer', () => {
  it('deliver 8 MiB byte for byte (the chunks are views: the reader copies)', async () => {
    const payload = demoBytes(3, 8 * 1024 * 1024);
    const port = await serveOnce((socket) => socket.end(payload));
    const connection = await realNetwork.connect({ host: '127.0.0.1', port, readBuffer: Buffer.allocUnsafe(64 * 1024) });
    const hash = createHash('sha256');
    let bytes = 0;
    connection.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      bytes += chunk.length;
    });
    await once(connection, 'end');
    expect(bytes).toBe(payload.length);
    expect(hash.digest('hex')).toBe(createHash('sha256').update(payload).digest('hex'));
    connection.destroy();
  });

  it('with allowHalfOpen, a reset after the last bytes is still found by endedByReset', async () => {
    // The server answers our first byte with 100 bytes and a reset, so both arrive at once.
    const port = await serveOnce((socket) => socket.once('data', () => socket.write(Buffer.alloc(100, 1), () => socket.resetAndDestroy())));
    const connection = await realNetwork.connect({ host: '127.0.0.1', port, readBuffer: Buffer.allocUnsafe(64 * 1024), allowHalfOpen: true });
    connection.on('data', () => {});
    connection.on('error', () => {});
    connection.write('go');
    const ended = await Promise.race([once(connection, 'end').then(() => 'end'), once(connection, 'close').then(() => 'close')]);
    // Either Node saw the reset itself (closed with an error) or it reported an end the probe refutes.
    if (ended === 'end') expect(await endedByReset(connection)).toBe(true);
    else expect(connection.destroyed).toBe(true);
    connection.destroy();
  });
});

describe('bytes that arrive before anyone listens', () => {
  it('are held and delivered in order, then the end', async () => {
    const payload = demoBytes(11, 1024 * 1024);
    // The server writes at once: the bytes (and its FIN) arrive before the reader listens.
    const port = await serveOnce((socket) => socket.end(payload));
    const connection = await realNetwork.connect({ host: '127.0.0.1', port, readBuffer: Buffer.allocUnsafe(16 * 1024) });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const hash = createHash('sha256');
    let bytes = 0;
    const ended = once(connection, 'end');
    connection.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      bytes += chunk.length;
    });
    await ended;
    expect(bytes).toBe(payload.length);
    expect(hash.digest('hex')).toBe(createHash('sha256').update(payload).digest('hex'));
    connection.destroy();
  });
});
