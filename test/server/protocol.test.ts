/**
 * Protocol behaviour with a raw control client: evidence (sent tags, tokens), TLS session reuse,
 * ABOR, REST, the misbehaviour knobs, and TLS over a stream that is not a net.Socket (as the
 * simulator's connections are not).
 */
import net from 'node:net';
import tls from 'node:tls';
import { Duplex } from 'node:stream';
import { Client } from 'basic-ftp';
import { afterEach, describe, expect, it } from 'vitest';
import { formatDataToken, parseSentTag } from '../../src/ftp/evidence.js';
import { realNetwork } from '../../src/net/real.js';
import type { Connection, Network } from '../../src/net/network.js';
import { demoBytes } from '../../src/server/filesystem/demo-content.js';
import { RawClient, passivePort, readData, serve, type TestServer } from './helpers.js';

const servers: TestServer[] = [];
const clients: RawClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function session(options: Parameters<typeof serve>[0] = {}, network?: Network): Promise<{ server: TestServer; control: RawClient }> {
  const server = await serve(options, network);
  servers.push(server);
  const control = await RawClient.open(server.port);
  clients.push(control);
  await control.login();
  return { server, control };
}

describe('evidence', () => {
  it('FEAT lists FTP-DOCTOR; 227/229 carry the spelt copy of what was sent', async () => {
    const { control } = await session({ externalIp: '198.51.100.7', pasvRange: { from: 23000, to: 23010 } });
    expect((await control.command('FEAT')).lines).toContain(' FTP-DOCTOR');
    const pasv = await control.command('PASV');
    expect(pasv.message).toMatch(/^Entering Passive Mode \(198,51,100,7,\d+,\d+\)/);
    expect(parseSentTag(pasv.message)).toEqual({ host: '198.51.100.7', port: passivePort(pasv) });
    const epsv = await control.command('EPSV');
    expect(parseSentTag(epsv.message)).toEqual({ port: passivePort(epsv) });
  });

  it('sends the token first on passive and active data connections only after OPTS', async () => {
    const { server, control } = await session();
    const plainPort = passivePort(await control.command('EPSV'));
    const plain = readData(plainPort);
    expect((await control.command('NLST')).code).toBe(150);
    expect((await control.reply()).code).toBe(226);
    expect((await plain).toString().startsWith('FTP-DOCTOR-TOKEN')).toBe(false);

    expect((await control.command('OPTS FTP-DOCTOR TOKEN ON')).code).toBe(200);
    const id = server.logs.find((entry) => entry.event === 'login')?.session as string;
    const port = passivePort(await control.command('PASV'));
    const data = readData(port);
    expect((await control.command('RETR /pub/hello.txt')).code).toBe(150);
    expect((await control.reply()).code).toBe(226);
    expect((await data).toString()).toBe(`${formatDataToken({ session: id, port })}Hello from ftp-doctor.\r\n`);

    const listener = net.createServer();
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    const activePort = (listener.address() as net.AddressInfo).port;
    const received = new Promise<Buffer>((resolve) => {
      listener.once('connection', (socket) => {
        const chunks: Buffer[] = [];
        socket.on('data', (chunk: Buffer) => chunks.push(chunk));
        socket.on('close', () => resolve(Buffer.concat(chunks)));
      });
    });
    expect((await control.command(`EPRT |1|127.0.0.1|${activePort}|`)).code).toBe(200);
    expect((await control.command('RETR /pub/hello.txt')).code).toBe(150);
    expect((await control.reply()).code).toBe(226);
    expect((await received).toString()).toBe(`${formatDataToken({ session: id, port: activePort })}Hello from ftp-doctor.\r\n`);
    listener.close();
  });
});

describe('TLS session reuse', () => {
  it('refuses a protected data connection that did not resume the control session', async () => {
    const server = await serve({ tls: 'explicit', requireSessionReuse: true });
    servers.push(server);
    const control = await RawClient.open(server.port);
    clients.push(control);
    expect((await control.command('AUTH TLS')).code).toBe(234);
    await control.startTls();
    await control.login();
    expect((await control.command('PBSZ 0')).code).toBe(200);
    expect((await control.command('PROT P')).code).toBe(200);
    const port = passivePort(await control.command('EPSV'));
    const socket = net.connect({ host: '127.0.0.1', port });
    await new Promise((resolve) => socket.once('connect', resolve));
    expect((await control.command('NLST')).code).toBe(150);
    // A fresh TLS session (no ticket from the control connection): must not count.
    const data = tls.connect({ socket, rejectUnauthorized: false });
    data.on('error', () => {});
    data.resume();
    expect((await control.reply()).code).toBe(522);
    expect(server.logs.some((entry) => /did not resume/.test(entry.message))).toBe(true);
    data.destroy();
  });
});

describe('transfers', () => {
  it('REST + RETR resumes at the offset', async () => {
    const { control } = await session();
    const port = passivePort(await control.command('EPSV'));
    const data = readData(port);
    expect((await control.command('TYPE I')).code).toBe(200);
    expect((await control.command('REST 1000000')).code).toBe(350);
    expect((await control.command('RETR 1MiB.bin')).code).toBe(150);
    expect((await control.reply()).code).toBe(226);
    expect((await data).equals(demoBytes(1_000_000, 1024 * 1024 - 1_000_000))).toBe(true);
    expect((await control.command('SIZE 1MiB.bin')).message).toBe('1048576');
  });

  it('ABOR without a transfer → 225; during a transfer → 426 then 226', async () => {
    const { control } = await session({ demoFiles: { '/big.bin': 512 * 1024 * 1024 } });
    expect((await control.command('ABOR')).code).toBe(225);
    const port = passivePort(await control.command('EPSV'));
    // Connect but do not read: the transfer stalls on back-pressure until ABOR.
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.on('error', () => {});
    socket.pause();
    await new Promise((resolve) => socket.once('connect', resolve));
    expect((await control.command('RETR big.bin')).code).toBe(150);
    expect((await control.command('ABOR')).code).toBe(426);
    expect((await control.reply()).code).toBe(226);
    expect((await control.command('NOOP')).code).toBe(200);
    socket.destroy();
  });
});

describe('misbehaviour knobs', () => {
  it('advertises another address, hands out ports outside the range, refuses EPSV and PORT', async () => {
    const { control } = await session({
      pasvRange: { from: 23100, to: 23110 },
      misbehave: { advertiseAddress: '10.9.9.9', outOfRange: { from: 23200, to: 23210 }, refuseEpsv: true, refusePort: true },
    });
    const pasv = await control.command('PASV');
    expect(pasv.message).toMatch(/\(10,9,9,9,/);
    const port = passivePort(pasv);
    expect(port).toBeGreaterThanOrEqual(23200);
    expect(port).toBeLessThanOrEqual(23210);
    expect((await control.command('EPSV')).code).toBe(502);
    expect((await control.command('PORT 127,0,0,1,200,10')).code).toBe(502);
    expect((await control.command('EPRT |1|127.0.0.1|51210|')).code).toBe(502);
  });

  it('writes each reply in its own write, or several in one when coalescing', async () => {
    for (const coalesce of [false, true]) {
      // Record what the server hands to each write() of its control connections.
      const writes: string[] = [];
      const recording: Network = {
        name: 'recording',
        connect: realNetwork.connect,
        listen: (request, onConnection) =>
          realNetwork.listen(request, (connection) => {
            const original = connection.write.bind(connection) as (...args: unknown[]) => boolean;
            connection.write = ((chunk: unknown, ...rest: unknown[]) => {
              writes.push(String(chunk));
              return original(chunk, ...rest);
            }) as typeof connection.write;
            onConnection(connection);
          }),
      };
      const server = await serve({ misbehave: { coalesceReplies: coalesce } }, recording);
      servers.push(server);
      const control = await RawClient.connect(server.port);
      clients.push(control);
      control.write('USER anonymous\r\nPASS x\r\nSYST\r\nNOOP\r\n');
      const codes: number[] = [];
      for (let index = 0; index < 5; index += 1) codes.push((await control.reply()).code);
      expect(codes).toEqual([220, 331, 230, 215, 200]);
      const repliesPerWrite = writes.map((text) => text.split('\r\n').filter(Boolean).length);
      if (coalesce) expect(Math.max(...repliesPerWrite)).toBeGreaterThan(1);
      else expect(repliesPerWrite).toEqual([1, 1, 1, 1, 1]);
    }
  });
});

/** A Network whose connections are plain Duplex objects, not net.Sockets (like the simulator's). */
function duplexNetwork(): Network {
  const wrap = (socket: net.Socket): Connection => {
    const duplex = new Duplex({
      read() {
        socket.resume();
      },
      write(chunk: Buffer, _encoding, callback) {
        socket.write(chunk, (error) => callback(error ?? null));
      },
      final(callback) {
        socket.end();
        callback();
      },
      destroy(error, callback) {
        socket.destroy();
        callback(error);
      },
    });
    socket.on('data', (chunk: Buffer) => {
      if (!duplex.push(chunk)) socket.pause();
    });
    socket.on('end', () => duplex.push(null));
    socket.on('close', () => duplex.destroy());
    socket.on('error', () => {});
    return Object.assign(duplex, { remoteAddress: socket.remoteAddress, remotePort: socket.remotePort, localAddress: socket.localAddress, localPort: socket.localPort });
  };
  return {
    name: 'duplex',
    connect: async (request) => wrap((await realNetwork.connect(request)) as net.Socket),
    listen: (request, onConnection) => realNetwork.listen(request, (connection) => onConnection(wrap(connection as net.Socket))),
  };
}

describe('TLS over a stream that is not a socket', () => {
  it.each(['explicit', 'implicit'] as const)('%s TLS: basic-ftp lists and downloads', async (mode) => {
    const server = await serve({ tls: mode, requireTls: true, requireSessionReuse: true }, duplexNetwork());
    servers.push(server);
    const client = new Client(15_000);
    try {
      await client.access({ host: '127.0.0.1', port: server.port, user: 'anonymous', password: 'x', secure: mode === 'implicit' ? 'implicit' : true, secureOptions: { rejectUnauthorized: false } });
      expect((await client.list()).map((entry) => entry.name)).toContain('README.txt');
      expect(await client.size('1MiB.bin')).toBe(1024 * 1024);
    } finally {
      client.close();
    }
  });
});
