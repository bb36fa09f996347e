/**
 * Security behaviour of the reference server, each test written so it fails if the protection
 * broke: refused targets are never dialled, foreign data connections never get data, paths never
 * leave the root, malformed input never runs.
 */
import { mkdtemp, mkdir, rm, symlink, writeFile, readdir } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { realNetwork } from '../../src/net/real.js';
import type { ConnectRequest, Network } from '../../src/net/network.js';
import { RawClient, passivePort, readData, serve, type TestServer } from './helpers.js';

const servers: TestServer[] = [];
const clients: RawClient[] = [];

async function start(options: Parameters<typeof serve>[0] = {}, network?: Network): Promise<TestServer> {
  const server = await serve(options, network);
  servers.push(server);
  return server;
}

async function client(port: number, options: { localAddress?: string } = {}): Promise<RawClient> {
  const opened = await RawClient.open(port, options);
  clients.push(opened);
  return opened;
}

afterEach(async () => {
  for (const opened of clients.splice(0)) opened.close();
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

let root: string;
let outside: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'ftp-doctor-root-'));
  outside = await mkdtemp(path.join(os.tmpdir(), 'ftp-doctor-outside-'));
  await writeFile(path.join(outside, 'secret.txt'), 'SECRET');
  await writeFile(path.join(root, 'inside.txt'), 'inside');
  await mkdir(path.join(root, 'dir'));
  await symlink(outside, path.join(root, 'escape'));
  await symlink(path.join(outside, 'secret.txt'), path.join(root, 'dir', 'secret-link.txt'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
  await rm(outside, { recursive: true, force: true });
});

describe('active mode targets', () => {
  it('refuses PORT/EPRT to a third party or a port below 1024 without attempting a connection', async () => {
    const attempts: ConnectRequest[] = [];
    const spy: Network = { name: 'spy', listen: realNetwork.listen, connect: (request) => (attempts.push(request), realNetwork.connect(request)) };
    const server = await start({}, spy);
    const control = await client(server.port);
    await control.login();
    for (const [line, code] of [
      ['PORT 203,0,113,9,195,80', 500],
      ['EPRT |1|198.51.100.2|50000|', 500],
      ['PORT 127,0,0,1,0,21', 504],
      ['EPRT |1|127.0.0.1|80|', 504],
      ['PORT 127,0,0,2,195,80', 500],
    ] as const) {
      expect((await control.command(line)).code, line).toBe(code);
      expect((await control.command('NLST')).code, `NLST after ${line}`).toBe(425);
    }
    expect(attempts).toEqual([]);
    expect(server.logs.some((entry) => /PORT to 203\.0\.113\.9:50000 refused: control peer is 127\.0\.0\.1/.test(entry.message))).toBe(true);
  });
});

describe('passive data connections', () => {
  it('closes a data connection from a foreign address; the rightful client still gets the data', async () => {
    const server = await start();
    const control = await client(server.port);
    await control.login();
    const port = passivePort(await control.command('PASV'));
    const stolen = await readData(port, { localAddress: '127.0.0.2' }).catch(() => Buffer.alloc(0));
    expect(stolen.length).toBe(0);
    const data = readData(port);
    expect((await control.command('RETR /pub/hello.txt')).code).toBe(150);
    expect((await control.reply()).code).toBe(226);
    expect((await data).toString()).toBe('Hello from ftp-doctor.\r\n');
    expect(server.logs.some((entry) => entry.message === `data connection from 127.0.0.2 refused: control peer is 127.0.0.1`)).toBe(true);
  });

  it('hands out 1,000 PASV ports, all inside the range and not sequential', async () => {
    const server = await start({ pasvRange: { from: 22000, to: 22199 } });
    const control = await client(server.port);
    await control.login();
    const ports: number[] = [];
    for (let index = 0; index < 1000; index += 1) {
      const reply = await control.command('PASV');
      expect(reply.code).toBe(227);
      ports.push(passivePort(reply));
    }
    expect(ports.every((port) => port >= 22000 && port <= 22199)).toBe(true);
    const successors = ports.slice(1).filter((port, index) => port === ports[index]! + 1).length;
    expect(successors).toBeLessThan(100);
    expect(new Set(ports).size).toBeGreaterThan(150);
  });

  it('answers 425 when the range is exhausted, and the session stays usable', async () => {
    const server = await start({ pasvRange: { from: 22300, to: 22301 } });
    const first = await client(server.port);
    const second = await client(server.port);
    const third = await client(server.port);
    for (const control of [first, second, third]) await control.login();
    expect((await first.command('PASV')).code).toBe(227);
    expect((await second.command('EPSV')).code).toBe(229);
    expect((await third.command('PASV')).code).toBe(425);
    expect((await third.command('NOOP')).code).toBe(200);
    first.close();
    // Once the first session is gone its port is free again (bounded retry).
    let code = 0;
    for (let attempt = 0; attempt < 50 && code !== 227; attempt += 1) {
      code = (await third.command('PASV')).code;
      if (code !== 227) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(code).toBe(227);
  });

  it('PASV without a data connection: 425 on the transfer, session still usable', async () => {
    const server = await start({ limits: { pasvAcceptTimeoutMs: 300 } });
    const control = await client(server.port);
    await control.login();
    const port = passivePort(await control.command('PASV'));
    expect((await control.command('LIST')).code).toBe(425);
    expect((await control.command('NOOP')).code).toBe(200);
    expect(server.logs.some((entry) => entry.message.startsWith(`PASV ${port} opened, no data connection within`))).toBe(true);
    const next = passivePort(await control.command('EPSV'));
    const data = readData(next);
    expect((await control.command('NLST')).code).toBe(150);
    expect((await control.reply()).code).toBe(226);
    expect((await data).toString()).toContain('README.txt');
  });
});

describe('paths stay inside the root', () => {
  const corpus = [
    '../../../../etc/passwd',
    '/../../etc/passwd',
    '..\\..\\etc\\passwd',
    '%2e%2e/%2e%2e/etc/passwd',
    'dir/../../etc/passwd',
    'escape/secret.txt',
    '/escape/secret.txt',
    'dir/secret-link.txt',
    'inside.txt\0../../etc/passwd',
  ];

  it.each(corpus)('RETR/SIZE/CWD %j never reaches outside', async (target) => {
    const server = await start({ root });
    const control = await client(server.port);
    await control.login();
    if (target.includes('\0')) {
      expect((await control.command(`SIZE ${target}`)).code).toBe(500);
      return;
    }
    expect((await control.command(`SIZE ${target}`)).code).toBe(550);
    expect((await control.command(`CWD ${target}`)).code).toBe(550);
    const port = passivePort(await control.command('EPSV'));
    const data = readData(port).catch(() => Buffer.alloc(0));
    const retr = await control.command(`RETR ${target}`);
    expect(retr.code).toBe(550);
    expect((await control.command('ABOR')).code).toBe(225);
    expect((await data).toString()).not.toContain('SECRET');
  });

  it('does not list entries that resolve outside the root', async () => {
    const server = await start({ root });
    const control = await client(server.port);
    await control.login();
    const port = passivePort(await control.command('EPSV'));
    const data = readData(port);
    expect((await control.command('NLST')).code).toBe(150);
    expect((await control.reply()).code).toBe(226);
    const names = (await data).toString().trim().split('\r\n').sort();
    expect(names).toEqual(['dir', 'inside.txt']);
    expect((await control.command('CWD /')).code).toBe(250);
    expect((await control.command('CDUP')).code).toBe(250);
    expect((await control.command('PWD')).message).toBe('"/" is the current directory.');
  });
});

describe('control line hygiene', () => {
  it('refuses NUL and bare CR in a command line', async () => {
    const server = await start();
    const control = await client(server.port);
    control.write('NOOP\0\r\n');
    expect((await control.reply()).code).toBe(500);
    control.write('USER a\rPASS b\r\n');
    expect((await control.reply()).code).toBe(500);
    expect((await control.command('NOOP')).code).toBe(200);
  });

  it('a 5,000-byte line in two segments followed by MKD x: one 500, no MKD', async () => {
    const writable = await mkdtemp(path.join(os.tmpdir(), 'ftp-doctor-long-'));
    try {
      const server = await start({ root: writable, writable: true });
      const control = await client(server.port);
      await control.login();
      control.write(`NOOP ${'A'.repeat(4495)}`);
      expect((await control.reply()).code).toBe(500);
      control.write(`${'B'.repeat(494)} MKD x\r\n`);
      expect((await control.command('NOOP')).code).toBe(200);
      expect(control.unread).toBe(0);
      expect(await readdir(writable)).toEqual([]);
      expect((await control.command('MKD y')).code).toBe(257);
      expect(await readdir(writable)).toEqual(['y']);
    } finally {
      await rm(writable, { recursive: true, force: true });
    }
  });
});

describe('TLS policy', () => {
  it('does not run a command sent in plaintext together with AUTH TLS', async () => {
    const server = await start({ tls: 'explicit' });
    const control = await client(server.port);
    control.write('AUTH TLS\r\nUSER anonymous\r\n');
    expect((await control.reply()).code).toBe(234);
    await control.startTls();
    expect((await control.command('PASS x@example.com')).code).toBe(503);
    expect(server.logs.some((entry) => entry.event === 'command' && entry.message === 'USER anonymous')).toBe(false);
    await control.login();
  });

  it('requireTls: USER before AUTH → 530; PROT C → 522; plain data refused', async () => {
    const server = await start({ tls: 'explicit', requireTls: true });
    const control = await client(server.port);
    expect((await control.command('USER anonymous')).code).toBe(530);
    expect((await control.command('AUTH TLS')).code).toBe(234);
    await control.startTls();
    await control.login();
    expect((await control.command('PBSZ 0')).code).toBe(200);
    expect((await control.command('PROT C')).code).toBe(522);
    const port = passivePort(await control.command('EPSV'));
    void readData(port).catch(() => undefined);
    expect((await control.command('NLST')).code).toBe(522);
  });
});

describe('login and session limits', () => {
  it('closes with 421 after too many failed logins, same reply for unknown and real users', async () => {
    const server = await start({ anonymous: false, users: [{ name: 'alice', password: 'right' }], limits: { loginFailureDelayMs: 10, maxLoginFailures: 3 } });
    const control = await client(server.port);
    const unknown = [await control.command('USER mallory'), await control.command('PASS guess')];
    const known = [await control.command('USER alice'), await control.command('PASS wrong')];
    expect(unknown.map((reply) => reply.lines)).toEqual(known.map((reply) => reply.lines));
    expect((await control.command('USER alice')).code).toBe(331);
    expect((await control.command('PASS wrong-again')).code).toBe(421);
    expect(await control.closedByServer()).toBe(true);
    expect(server.logs.some((entry) => JSON.stringify(entry).includes('wrong-again'))).toBe(false);
    const fresh = await client(server.port);
    await fresh.login('alice', 'right');
  });

  it('session caps: global and per address → 421', async () => {
    const server = await start({ limits: { maxSessions: 3, maxSessionsPerIp: 2 } });
    // Logged in: a full server evicts sessions that have not logged in (admission.test.ts).
    await (await client(server.port)).login();
    await (await client(server.port)).login();
    const overIp = await RawClient.connect(server.port);
    clients.push(overIp);
    expect((await overIp.reply()).code).toBe(421);
    await (await client(server.port, { localAddress: '127.0.0.2' })).login();
    const overAll = await RawClient.connect(server.port, { localAddress: '127.0.0.3' });
    clients.push(overAll);
    expect((await overAll.reply()).code).toBe(421);
  });

  it('closes an idle session before login', async () => {
    const server = await start({ limits: { preLoginTimeoutMs: 200 } });
    const control = await client(server.port);
    expect((await control.reply()).code).toBe(421);
    expect(await control.closedByServer()).toBe(true);
  });

  it('close() says 421 to every client', async () => {
    const server = await start();
    const first = await client(server.port);
    const second = await client(server.port);
    await servers.pop()!.close();
    expect((await first.reply()).code).toBe(421);
    expect((await second.reply()).code).toBe(421);
  });
});

describe('uploads', () => {
  it('a client gone mid-STOR leaves no file under the final name', async () => {
    const writable = await mkdtemp(path.join(os.tmpdir(), 'ftp-doctor-upload-'));
    try {
      const server = await start({ root: writable, writable: true });
      const control = await client(server.port);
      await control.login();
      const port = passivePort(await control.command('EPSV'));
      const data = net.connect({ host: '127.0.0.1', port });
      data.on('error', () => {});
      await new Promise((resolve) => data.once('connect', resolve));
      expect((await control.command('STOR partial.bin')).code).toBe(150);
      await new Promise<void>((resolve) => data.write(Buffer.alloc(100_000, 7), () => resolve()));
      // The client process dies: the kernel closes both its connections (FIN on each). The data
      // FIN first, so the server sees a clean EOF it must not trust on its own.
      data.destroy();
      await new Promise((resolve) => setTimeout(resolve, 10));
      control.close();
      for (let wait = 0; wait < 100 && !server.logs.some((entry) => entry.event === 'transfer'); wait += 1) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(server.logs.find((entry) => entry.event === 'transfer')?.message).toMatch(/upload of \/partial.bin failed/);
      expect(await readdir(writable)).toEqual([]);
      const again = await client(server.port);
      await again.login();
      // A complete upload does appear.
      const port2 = passivePort(await again.command('EPSV'));
      const data2 = net.connect({ host: '127.0.0.1', port: port2 });
      await new Promise((resolve) => data2.once('connect', resolve));
      expect((await again.command('STOR whole.bin')).code).toBe(150);
      data2.end(Buffer.alloc(1000, 1));
      expect((await again.reply()).code).toBe(226);
      expect(await readdir(writable)).toEqual(['whole.bin']);
    } finally {
      await rm(writable, { recursive: true, force: true });
    }
  });
});
