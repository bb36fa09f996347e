/**
 * A data connection reset by the client after its transfer (the 226 already sent, the socket
 * lingering on the server: see closeData) must not reach the process. Before every socket had an
 * error listener for its whole life, one RST (SO_LINGER 0) on an active data connection ended
 * `serve` with "internal error: read ECONNRESET", dropping every session.
 */
import net from 'node:net';
import path from 'node:path';
import { spawn } from 'node:child_process';
import tls from 'node:tls';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { guardUncaught, pause } from '../hardening/helpers.js';
import { RawClient, passivePort, serve, type TestServer } from './helpers.js';

let guard: ReturnType<typeof guardUncaught>;
let server: TestServer | undefined;
const clients: RawClient[] = [];

beforeEach(() => {
  guard = guardUncaught();
});
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await server?.close();
  server = undefined;
  guard.remove();
});

interface ActiveListener {
  port: number;
  /** Resolves with the raw data socket once the whole content arrived (the server's end seen). */
  received: Promise<{ raw: net.Socket; bytes: number }>;
  close(): void;
}

/** The attacker's side of a passive connection: connect half-open, read everything (through TLS when asked). */
function passiveReader(port: number, secure: boolean): ActiveListener {
  const raw = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true });
  raw.on('error', () => {});
  const stream = secure ? tls.connect({ socket: raw, rejectUnauthorized: false, allowHalfOpen: true } as tls.ConnectionOptions) : raw;
  stream.on('error', () => {});
  let bytes = 0;
  stream.on('data', (chunk: Buffer) => (bytes += chunk.length));
  const received = new Promise<{ raw: net.Socket; bytes: number }>((resolve) => stream.on('end', () => resolve({ raw, bytes })));
  return { port, received, close: () => raw.destroy() };
}

/**
 * The attacker's side: listen for the server's active connection, half-open (so our side sends
 * no FIN of its own when the server's arrives), and read everything, through TLS when asked.
 */
async function activeListener(secure: boolean): Promise<ActiveListener> {
  let resolveReceived: (value: { raw: net.Socket; bytes: number }) => void = () => {};
  const received = new Promise<{ raw: net.Socket; bytes: number }>((resolve) => (resolveReceived = resolve));
  const listener = net.createServer({ allowHalfOpen: true }, (raw) => {
    raw.on('error', () => {});
    const stream = secure ? tls.connect({ socket: raw, rejectUnauthorized: false, allowHalfOpen: true } as tls.ConnectionOptions) : raw;
    stream.on('error', () => {});
    let bytes = 0;
    stream.on('data', (chunk: Buffer) => (bytes += chunk.length));
    stream.on('end', () => resolveReceived({ raw, bytes }));
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', () => resolve()));
  return { port: (listener.address() as net.AddressInfo).port, received, close: () => listener.close() };
}

async function loggedIn(port: number, secure: boolean): Promise<RawClient> {
  const control = await RawClient.open(port);
  clients.push(control);
  if (secure) {
    expect((await control.command('AUTH TLS')).code).toBe(234);
    await control.startTls();
  }
  await control.login();
  if (secure) {
    expect((await control.command('PBSZ 0')).code).toBe(200);
    expect((await control.command('PROT P')).code).toBe(200);
  }
  return control;
}

const cases = (['PORT', 'EPRT', 'EPSV'] as const).flatMap((mode) =>
  (['RETR /README.txt', 'LIST'] as const).flatMap((verb) => ([false, true] as const).map((secure) => ({ mode, verb, secure }))),
);

describe('a data connection reset after the 226', () => {
  it.each(cases)('$mode + $verb (TLS: $secure): the server stays up, the session and others go on', async ({ mode, verb, secure }) => {
    server = await serve({ tls: secure ? 'explicit' : 'none' });
    const control = await loggedIn(server.port, secure);
    let target: ActiveListener;
    if (mode === 'EPSV') {
      target = passiveReader(passivePort(await control.command('EPSV')), secure);
    } else {
      target = await activeListener(secure);
      const p = target.port;
      const line = mode === 'PORT' ? `PORT 127,0,0,1,${Math.floor(p / 256)},${p % 256}` : `EPRT |1|127.0.0.1|${p}|`;
      expect((await control.command(line)).code).toBe(200);
    }
    try {
      expect((await control.command(verb)).code).toBe(150);
      const { raw, bytes } = await target.received;
      expect(bytes).toBeGreaterThan(0);
      expect((await control.reply()).code).toBe(226);
      // SO_LINGER 0: the server's lingering socket gets a reset while it waits for our FIN.
      raw.resetAndDestroy();
      // Long enough for the reset to arrive and be read; an escaped error is collected by the guard.
      await pause(300);
      expect((await control.command('NOOP')).code).toBe(200);
      const other = await loggedIn(server.port, false);
      expect((await other.command('PWD')).code).toBe(257);
      expect(guard.errors).toEqual([]);
    } finally {
      target.close();
    }
  });

  it('`ftp-doctor serve` as a process survives it and serves the next client', async () => {
    // Node itself with tsx's loader, not the tsx wrapper: a SIGKILL must reach the server, not a
    // wrapper that would leave it running.
    const child = spawn(process.execPath, ['--import', 'tsx', path.resolve('src/cli/main.ts'), 'serve', '--host', '127.0.0.1', '--port', '0', '--anonymous'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    let stdout = '';
    let stderr = '';
    let exited = false;
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', () => (exited = true));
    try {
      const port = await new Promise<number>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => {
          stdout += chunk.toString();
          const match = /listening on 127\.0\.0\.1:(\d+)\n/.exec(stdout);
          if (match) resolve(Number(match[1]));
        });
        child.on('close', () => reject(new Error(`serve exited early: ${stderr}`)));
      });
      const control = await loggedIn(port, false);
      const target = await activeListener(false);
      try {
        expect((await control.command(`EPRT |1|127.0.0.1|${target.port}|`)).code).toBe(200);
        expect((await control.command('RETR /README.txt')).code).toBe(150);
        const { raw } = await target.received;
        expect((await control.reply()).code).toBe(226);
        raw.resetAndDestroy();
        await pause(500);
      } finally {
        target.close();
      }
      expect(exited, stderr).toBe(false);
      const other = await loggedIn(port, false);
      expect((await other.command('NOOP')).code).toBe(200);
      expect(stderr).not.toMatch(/internal error/);
    } finally {
      clearTimeout(killer);
      child.kill('SIGKILL');
    }
  }, 90_000);
});
