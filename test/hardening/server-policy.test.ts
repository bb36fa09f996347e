/**
 * Login and TLS policy of the reference server beyond the basic cases: commands pipelined with
 * AUTH TLS, a data connection presenting *another* session's TLS ticket, failed-login delay, and
 * the logged-in idle limit.
 */
import net from 'node:net';
import tls from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { RawClient, passivePort, serve, type TestServer } from '../server/helpers.js';

const servers: TestServer[] = [];
const clients: RawClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function start(options: Parameters<typeof serve>[0]): Promise<TestServer> {
  const server = await serve(options);
  servers.push(server);
  return server;
}

/** AUTH TLS, login, PBSZ 0, PROT P; returns the client and the newest TLS session it holds. */
async function secureSession(server: TestServer): Promise<{ control: RawClient; ticket: () => Buffer }> {
  const control = await RawClient.open(server.port);
  clients.push(control);
  expect((await control.command('AUTH TLS')).code).toBe(234);
  const secure = await control.startTls();
  let latest: Buffer | undefined;
  secure.on('session', (session: Buffer) => (latest = session));
  await control.login();
  expect((await control.command('PBSZ 0')).code).toBe(200);
  expect((await control.command('PROT P')).code).toBe(200);
  return { control, ticket: () => latest ?? (secure.getSession() as Buffer) };
}

/** EPSV, NLST, then TLS on the data connection offering `ticket`; the final reply and whether it resumed. */
async function protectedList(control: RawClient, ticket: Buffer): Promise<{ code: number; resumed: boolean; data: string }> {
  const port = passivePort(await control.command('EPSV'));
  const socket = net.connect({ host: '127.0.0.1', port });
  socket.on('error', () => {});
  await new Promise((resolve) => socket.once('connect', resolve));
  expect((await control.command('NLST')).code).toBe(150);
  const data = tls.connect({ socket, session: ticket, rejectUnauthorized: false });
  data.on('error', () => {});
  const chunks: Buffer[] = [];
  data.on('data', (chunk: Buffer) => chunks.push(chunk));
  const resumed = await new Promise<boolean>((resolve) => {
    data.once('secureConnect', () => resolve(data.isSessionReused()));
    data.once('close', () => resolve(false));
  });
  const code = (await control.reply()).code;
  data.destroy();
  return { code, resumed, data: Buffer.concat(chunks).toString() };
}

describe('TLS session reuse required', () => {
  it("a data connection resuming another control session's ticket is rejected; its own ticket works", async () => {
    const server = await start({ tls: 'explicit', requireTls: true, requireSessionReuse: true });
    const alice = await secureSession(server);
    const mallory = await secureSession(server);
    // Warm up: one NOOP each, so TLS 1.3 tickets have certainly arrived.
    expect((await alice.control.command('NOOP')).code).toBe(200);
    expect((await mallory.control.command('NOOP')).code).toBe(200);
    const foreign = await protectedList(alice.control, mallory.ticket());
    expect(foreign.resumed).toBe(false);
    expect(foreign.code).toBe(522);
    expect(foreign.data).toBe('');
    expect(server.logs.some((entry) => /did not resume the control connection session/.test(entry.message))).toBe(true);
    // The same session with its own ticket: resumed, listed.
    const own = await protectedList(alice.control, alice.ticket());
    expect(own.resumed).toBe(true);
    expect(own.code).toBe(226);
    expect(own.data).toContain('README.txt');
  });

  it('PROT C is refused with 522 and the data channel stays protected', async () => {
    const server = await start({ tls: 'explicit', requireTls: true });
    const { control } = await secureSession(server);
    expect((await control.command('PROT C')).code).toBe(522);
    expect((await control.command('STAT')).message).toMatch(/data TLS/);
  });
});

describe('commands pipelined with AUTH TLS', () => {
  it('USER and PASS in the same packet as AUTH TLS run neither in the clear nor after the handshake', async () => {
    const server = await start({ tls: 'explicit' });
    const control = await RawClient.open(server.port);
    clients.push(control);
    control.write('AUTH TLS\r\nUSER anonymous\r\nPASS x@example.com\r\n');
    expect((await control.reply()).code).toBe(234);
    await control.startTls();
    // Not logged in: the pipelined login never ran.
    expect((await control.command('PWD')).code).toBe(530);
    expect(server.logs.some((entry) => entry.event === 'command' && /^(USER|PASS)\b/.test(entry.message))).toBe(false);
    expect((await control.command('PASS x@example.com')).code).toBe(503);
    expect(server.logs.some((entry) => /discarded 2 command\(s\) sent in plaintext after AUTH TLS/.test(entry.message))).toBe(true);
    expect(control.unread).toBe(0);
    await control.login();
  });
});

describe('login limits', () => {
  it('each failed login is answered only after the configured delay', async () => {
    const server = await start({ anonymous: false, users: [{ name: 'alice', password: 'right' }], limits: { loginFailureDelayMs: 200, maxLoginFailures: 5 } });
    const control = await RawClient.open(server.port);
    clients.push(control);
    for (const name of ['alice', 'nobody']) {
      expect((await control.command(`USER ${name}`)).code).toBe(331);
      const sent = Date.now();
      expect((await control.command('PASS wrong')).code).toBe(530);
      // A lower bound only (timers never fire early by more than a millisecond).
      expect(Date.now() - sent).toBeGreaterThanOrEqual(190);
    }
    // Pipelining guesses does not get around the delay or the limit: three more, the third closes.
    const sent = Date.now();
    control.write('USER alice\r\nPASS a\r\nUSER alice\r\nPASS b\r\nUSER alice\r\nPASS c\r\nUSER alice\r\nPASS right\r\n');
    const codes: number[] = [];
    for (let index = 0; index < 6; index += 1) codes.push((await control.reply()).code);
    expect(codes).toEqual([331, 530, 331, 530, 331, 421]);
    expect(Date.now() - sent).toBeGreaterThanOrEqual(3 * 190);
    expect(await control.closedByServer()).toBe(true);
    // The fourth (correct) password queued behind the limit never logged in.
    expect(server.logs.some((entry) => entry.event === 'login' && /logged in/.test(entry.message))).toBe(false);
  });

  it('a logged-in session idle past the limit gets 421 and is closed', async () => {
    const server = await start({ limits: { idleTimeoutMs: 300 } });
    const control = await RawClient.open(server.port);
    clients.push(control);
    await control.login();
    const reply = await control.reply();
    expect(reply.code).toBe(421);
    expect(await control.closedByServer()).toBe(true);
    expect(server.logs.some((entry) => entry.event === 'timeout')).toBe(true);
  });
});
