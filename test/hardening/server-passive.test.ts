/**
 * Passive data ports of the reference server under hostile use: stolen connections, port
 * predictability, exhaustion and listener leaks. Listeners are counted through a network wrapper,
 * so a leak is a number in the ledger, not a guess.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { RawClient, passivePort, readData, serve, type TestServer } from '../server/helpers.js';
import { countingNetwork, eventually, runsTestZ } from './helpers.js';

const servers: TestServer[] = [];
const clients: RawClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function open(server: TestServer, localAddress?: string): Promise<RawClient> {
  const client = await RawClient.open(server.port, localAddress ? { localAddress } : {});
  clients.push(client);
  await client.login();
  return client;
}

/** Try a TCP connect; 'refused' when nothing listens any more. */
function probePort(port: number): Promise<'connected' | 'refused'> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', () => resolve('refused'));
  });
}

describe('passive listeners', () => {
  it('a second PASV/EPSV closes the first listener: one listener per session, none after it ends', async () => {
    const network = countingNetwork();
    const server = await serve({ pasvRange: { from: 25200, to: 25399 } }, network);
    servers.push(server);
    expect(network.open.size).toBe(1); // the control listener
    const control = await open(server);
    const seen: number[] = [];
    for (let index = 0; index < 50; index += 1) {
      const reply = await control.command(index % 2 === 0 ? 'PASV' : 'EPSV');
      expect(reply.code).toBe(index % 2 === 0 ? 227 : 229);
      seen.push(passivePort(reply));
      // Exactly the control listener and the newest passive one.
      expect([...network.open].sort()).toEqual([server.port, seen.at(-1)].sort());
    }
    // The earlier listeners are really gone, not just forgotten.
    for (const port of seen.slice(0, -1).filter((port) => port !== seen.at(-1)).slice(-5)) expect(await probePort(port)).toBe('refused');
    control.write('QUIT\r\n');
    expect(await control.closedByServer()).toBe(true);
    expect(await eventually(() => network.open.size === 1)).toBe(true);
    await servers.pop()!.close();
    expect(network.open.size).toBe(0);
  });

  it('1,000 PASV replies: all inside the range, never sequential, spread at random', async () => {
    const network = countingNetwork();
    const from = 25400;
    const to = 25599;
    const server = await serve({ pasvRange: { from, to } }, network);
    servers.push(server);
    const control = await open(server);
    const ports: number[] = [];
    for (let index = 0; index < 1000; index += 1) ports.push(passivePort(await control.command('PASV')));
    expect(ports.every((port) => port >= from && port <= to)).toBe(true);
    // Only ports inside the range were ever asked of the OS (never 0, never outside).
    expect(network.requested.slice(1).every((port) => port >= from && port <= to)).toBe(true);
    // Sequential allocation gives one successor distance; random gives nearly every distance.
    const distances = new Set(ports.slice(1).map((port, index) => (port - ports[index]! + 200) % 200));
    expect(distances.size).toBeGreaterThan(150);
    // Runs above/below the median: a random sequence has |z| around 1; 4 is a one-in-15,000 event.
    expect(Math.abs(runsTestZ(ports))).toBeLessThan(4);
    expect(new Set(ports).size).toBeGreaterThan(190);
  });

  it('an exhausted range answers 425 and never asks the OS for a port outside it', async () => {
    const network = countingNetwork();
    const server = await serve({ pasvRange: { from: 25600, to: 25602 } }, network);
    servers.push(server);
    const holders = [await open(server), await open(server), await open(server)];
    for (const holder of holders) expect((await holder.command('EPSV')).code).toBe(229);
    const late = await open(server);
    for (let index = 0; index < 20; index += 1) {
      const reply = await late.command(index % 2 ? 'PASV' : 'EPSV');
      expect(reply.code).toBe(425);
      expect(reply.message).toMatch(/25600-25602/);
    }
    expect(network.requested.slice(1).every((port) => port >= 25600 && port <= 25602)).toBe(true);
    expect(network.open.size).toBe(4);
    expect((await late.command('NOOP')).code).toBe(200);
  });

  it('a storm of foreign data connections: each closed and logged, the rightful client still gets its data', async () => {
    const network = countingNetwork();
    const server = await serve({}, network);
    servers.push(server);
    const control = await open(server);
    const port = passivePort(await control.command('EPSV'));
    // Four waves of five from ten foreign addresses. (A wave wider than the listener's backlog of 8
    // would only test the kernel's SYN-ACK retransmission, seconds per retry.)
    for (let wave = 0; wave < 4; wave += 1) {
      const foreign = Array.from({ length: 5 }, (_, index) => `127.0.0.${2 + ((wave * 5 + index) % 10)}`);
      const stolen = await Promise.all(foreign.map((address) => readData(port, { localAddress: address }).catch(() => Buffer.alloc(0))));
      expect(stolen.every((bytes) => bytes.length === 0)).toBe(true);
    }
    expect(await eventually(() => server.logs.filter((entry) => /data connection from 127\.0\.0\.\d+ refused/.test(entry.message)).length === 20)).toBe(true);
    // The listener survived the storm for the rightful client.
    expect(network.open.has(port)).toBe(true);
    const data = readData(port);
    expect((await control.command('RETR /pub/hello.txt')).code).toBe(150);
    expect((await control.reply()).code).toBe(226);
    expect((await data).toString()).toBe('Hello from ftp-doctor.\r\n');
    // One data connection per PASV: the listener is gone once the transfer is over.
    expect(await eventually(() => !network.open.has(port))).toBe(true);
    expect(await readData(port, { localAddress: '127.0.0.2' }).catch(() => Buffer.alloc(0))).toHaveLength(0);
  });
});
