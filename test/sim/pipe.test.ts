import { once } from 'node:events';
import tls from 'node:tls';
import { generate } from 'selfsigned';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createSimulation, type Simulation } from '../../src/net/sim/index.js';
import type { Connection } from '../../src/net/network.js';
import { readAll, readUntil } from './support.js';

let simulation: Simulation | undefined;
afterEach(() => simulation?.close());

/** An open network (no firewalls): a connected pair, client side and server side. */
async function pair(): Promise<{ client: Connection; server: Connection }> {
  simulation = createSimulation({});
  const accepted = new Promise<Connection>((resolve) => {
    void simulation?.network('server').listen({ host: '0.0.0.0', port: 2121 }, resolve);
  });
  await new Promise((resolve) => setImmediate(resolve));
  const client = await simulation.network('client').connect({ host: simulation.addresses.server, port: 2121 });
  return { client, server: await accepted };
}

describe('simulated connections', () => {
  it('carry bytes both ways, in order, with the addresses each side sees', async () => {
    const { client, server } = await pair();
    expect(client.remoteAddress).toBe('10.0.0.5');
    expect(client.remotePort).toBe(2121);
    expect(server.remoteAddress).toBe('198.51.100.10');
    expect(server.remotePort).toBe(client.localPort);
    const toServer = readUntil(server, (text) => text.includes('three'));
    client.write('one ');
    client.write('two ');
    client.write('three');
    expect(await toServer).toBe('one two three');
    const toClient = readUntil(client, (text) => text.includes('\n'));
    server.write('220 hello\r\n');
    expect(await toClient).toBe('220 hello\r\n');
  });

  it('end() gives the peer its data then end, and (like net.Socket) the peer ends too', async () => {
    const { client, server } = await pair();
    const reply = readAll(client);
    server.write('221 bye\r\n');
    client.end('QUIT\r\n');
    const received = await readAll(server);
    expect(received.toString()).toBe('QUIT\r\n');
    expect((await reply).toString()).toBe('221 bye\r\n');
    if (!client.closed) await once(client, 'close');
    if (!server.closed) await once(server, 'close');
  });

  it('destroy() closes the peer', async () => {
    const { client, server } = await pair();
    server.resume();
    const closed = once(server, 'close');
    client.destroy();
    await closed;
  });

  it('resetAndDestroy() gives the peer ECONNRESET', async () => {
    const { client, server } = await pair();
    const failed = once(server, 'error');
    client.resetAndDestroy?.();
    const [error] = (await failed) as [NodeJS.ErrnoException];
    expect(error.code).toBe('ECONNRESET');
  });

  it('honours backpressure: a writer waits while the reader is paused', async () => {
    const { client, server } = await pair();
    server.pause();
    let wrote = 0;
    const chunk = Buffer.alloc(64 * 1024);
    while (client.write(chunk) && wrote < 64) wrote += 1;
    expect(wrote).toBeLessThan(64); // write() said "wait" before the 4 MiB went anywhere
    const drained = once(client, 'drain');
    server.resume();
    await drained;
  });

  it('moves several MiB intact', async () => {
    const { client, server } = await pair();
    const payload = Buffer.alloc(4 * 1024 * 1024);
    for (let index = 0; index < payload.length; index += 1) payload[index] = (index * 31) & 0xff;
    const received = readAll(server);
    client.end(payload);
    expect((await received).equals(payload)).toBe(true);
  });
});

describe('TLS over a simulated connection', () => {
  let pems: { private: string; cert: string };
  beforeAll(async () => {
    pems = await generate([{ name: 'commonName', value: 'sim.test' }], { keySize: 2048, algorithm: 'sha256' });
  });

  it('handshakes and carries data with node:tls on both sides', async () => {
    const { client, server } = await pair();
    const secureServer = new tls.TLSSocket(server, { isServer: true, key: pems.private, cert: pems.cert });
    const secureClient = tls.connect({ socket: client, servername: 'sim.test', ca: pems.cert, checkServerIdentity: () => undefined });
    await once(secureClient, 'secureConnect');
    expect(secureClient.authorized).toBe(true);
    const heard = readUntil(secureServer, (text) => text.includes('\n'));
    secureClient.write('LIST\r\n');
    expect(await heard).toBe('LIST\r\n');
    const answer = readUntil(secureClient, (text) => text.includes('\n'));
    secureServer.write('226 done\r\n');
    expect(await answer).toBe('226 done\r\n');
    secureClient.destroy();
    secureServer.destroy();
  });
});
