/**
 * What `serve` writes to its log: never a client's terminal escapes (a hostile USER line could
 * repaint the operator's terminal), one 'connection closed' line per session that carries the
 * reason (not the same failure said twice), and IPv6 endpoints in brackets.
 */
import net from 'node:net';
import tls from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { formatLogJson, formatLogText, type LogEntry } from '../../src/server/log.js';
import { eventually } from '../hardening/helpers.js';
import { RawClient, serve, type TestServer } from './helpers.js';

let server: TestServer | undefined;
const clients: RawClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await server?.close();
  server = undefined;
});

/** C0 and C1 controls (tab aside), DEL and the bidi overrides and isolates. */
const UNSAFE = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

const HOSTILE_NAMES = [
  'evil\u001b[2J\u001b[1;1Hserve: all clear',
  'title\u001b]0;owned\u0007\u001b]8;;http://x.invalid\u001b\\link',
  'c1\u009b31mred\u0085next\u0090dcs',
  'bidi\u202eexe.txt\u2066x\u2069',
  'bell\u0007\u0008\u007f',
];

describe('log lines neutralise control characters', () => {
  it.each(HOSTILE_NAMES)('formatLogText / formatLogJson of %j', (name) => {
    const entry: LogEntry = { time: '2026-01-01T00:00:00.000Z', level: 'warn', event: 'login', message: `failed login for ${name}`, session: 'abc', peer: '127.0.0.1:5', user: name };
    expect(formatLogText(entry)).not.toMatch(UNSAFE);
    const line = formatLogJson(entry);
    expect(line).not.toMatch(UNSAFE);
    // Still one readable JSON object that says what was sent.
    expect((JSON.parse(line) as LogEntry).message).toMatch(/^failed login for /);
  });

  it('hostile USER lines from an unauthenticated client: every rendered log line is clean', async () => {
    server = await serve({ anonymous: false, users: [{ name: 'alice', password: 'right' }], limits: { loginFailureDelayMs: 1, maxLoginFailures: 10 } });
    const control = await RawClient.open(server.port);
    clients.push(control);
    for (const name of HOSTILE_NAMES) {
      expect((await control.command(`USER ${name}`)).code).toBe(331);
      expect((await control.command('PASS x')).code).toBe(530);
    }
    // Raw 8-bit bytes (not UTF-8): 0x9b is CSI to an 8-bit terminal.
    control.write(Buffer.from('USER raw\u009b2J\u001b[31m\r\n', 'latin1'));
    expect((await control.reply()).code).toBe(331);
    const rendered = server.logs.flatMap((entry) => [formatLogText(entry), formatLogJson(entry)]);
    expect(server.logs.some((entry) => UNSAFE.test(entry.message))).toBe(true);
    for (const line of rendered) expect(line).not.toMatch(UNSAFE);
  });
});

/** The entries of one session, by the port the client connected from. */
function entriesOf(logs: LogEntry[], localPort: number | undefined): LogEntry[] {
  return logs.filter((entry) => typeof entry.peer === 'string' && entry.peer.endsWith(`:${localPort}`));
}

describe('one line for the end of a session', () => {
  it('QUIT, a reset, a pre-login timeout: one "connection closed" each, the reset named in it only', async () => {
    // Long enough for the other two to log in on a busy machine.
    server = await serve({ limits: { preLoginTimeoutMs: 2000 } });
    const quitting = await RawClient.open(server.port);
    // Read now: a closed socket forgets its port.
    const ports = [quitting.socket.localPort];
    await quitting.login();
    expect((await quitting.command('QUIT')).code).toBe(221);
    const resetting = await RawClient.open(server.port);
    await resetting.login();
    const idle = await RawClient.open(server.port);
    clients.push(quitting, resetting, idle);
    ports.push(resetting.socket.localPort, idle.socket.localPort);
    resetting.socket.resetAndDestroy();
    expect(await idle.closedByServer()).toBe(true);
    quitting.close();
    const logs = server.logs;
    expect(await eventually(() => ports.every((port) => entriesOf(logs, port).some((entry) => entry.event === 'disconnect')))).toBe(true);
    for (const port of ports) {
      const closedLines = entriesOf(logs, port).filter((entry) => /closed/i.test(entry.message));
      expect(closedLines.map((entry) => entry.event), `session from port ${port}`).toEqual(['disconnect']);
    }
    const reset = entriesOf(logs, ports[1]).filter((entry) => /ECONNRESET/.test(entry.message));
    expect(reset.map((entry) => entry.message)).toEqual(['connection closed (read ECONNRESET)']);
  });

  it('implicit TLS: a client that speaks plain text, one that hangs up mid-handshake: each failure said once', async () => {
    server = await serve({ tls: 'implicit', limits: { tlsHandshakeTimeoutMs: 20_000 } });
    const plain = await RawClient.connect(server.port);
    clients.push(plain);
    const plainPort = plain.socket.localPort;
    plain.write('USER anonymous\r\n');
    expect(await plain.closedByServer()).toBe(true);
    const quitter = net.connect({ host: '127.0.0.1', port: server.port });
    quitter.on('error', () => {});
    await new Promise((resolve) => quitter.once('connect', resolve));
    const quitterPort = quitter.localPort;
    quitter.end();
    // Hanging up ends the handshake at once, not at its 20 s deadline.
    expect(await eventually(() => entriesOf(server!.logs, quitterPort).some((entry) => entry.event === 'disconnect'), 10_000)).toBe(true);
    const plainLines = entriesOf(server.logs, plainPort);
    expect(plainLines.filter((entry) => entry.level === 'warn').map((entry) => entry.message)).toEqual([expect.stringMatching(/^TLS handshake failed: .*wrong version number/)]);
    expect(plainLines.filter((entry) => entry.event === 'disconnect')).toHaveLength(1);
    const quitterLines = entriesOf(server.logs, quitterPort);
    expect(quitterLines.filter((entry) => /closed/i.test(entry.message)).map((entry) => entry.message)).toEqual(['connection closed']);
    // A real TLS client still gets in.
    const secure = tls.connect({ host: '127.0.0.1', port: server.port, rejectUnauthorized: false });
    secure.on('error', () => {});
    const greeting = await new Promise<string>((resolve) => secure.once('data', (chunk: Buffer) => resolve(chunk.toString())));
    expect(greeting).toMatch(/^220 /);
    secure.destroy();
  });
});

async function loopbackIpv6Available(): Promise<boolean> {
  const probe = net.createServer();
  return new Promise((resolve) => {
    probe.once('error', () => resolve(false));
    probe.listen({ host: '::1', port: 0 }, () => probe.close(() => resolve(true)));
  });
}
const ipv6 = await loopbackIpv6Available();
const SKIP = '(skipped: this machine cannot listen on ::1, the IPv6 loopback)';
if (!ipv6) console.warn(`log-lines.test.ts ${SKIP}`);

describe('IPv6 endpoints', () => {
  it.skipIf(!ipv6)(`"listening on [::1]:port" and peers as [::1]:port ${ipv6 ? '' : SKIP}`, async () => {
    server = await serve({ host: '::1' });
    const control = await RawClient.connect(server.port, { host: '::1' });
    clients.push(control);
    expect((await control.reply()).code).toBe(220);
    expect(await eventually(() => server!.logs.some((entry) => entry.event === 'connect'))).toBe(true);
    const connect = server.logs.find((entry) => entry.event === 'connect');
    expect(connect?.peer).toBe(`[::1]:${control.socket.localPort}`);
    expect(connect?.message).toBe(`connection from [::1]:${control.socket.localPort}`);
    // The listen line was written before we subscribed: the server says the same through formatHostPort.
    expect(formatLogText({ ...connect!, session: undefined })).toMatch(/connection from \[::1\]:\d+$/);
  });
});
