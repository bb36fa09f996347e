/**
 * CCC between our client and our reference server on loopback sockets: AUTH TLS, login, PBSZ/PROT
 * P, CCC, NOOP, PASV + LIST with the data still on TLS, QUIT; and the server's answers to CCC.
 */
import tls from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import type { ControlSession } from '../../src/client/control.js';
import { runDataChannel } from '../../src/client/data-channel.js';
import { Recorder } from '../../src/client/recorder.js';
import { openSession, type OpenedSession } from '../../src/client/session.js';
import type { Connection, Network } from '../../src/net/network.js';
import { realNetwork } from '../../src/net/real.js';
import { clearControlChannel } from '../../src/probe/ccc.js';
import { attemptSucceeded } from '../../src/probe/describe.js';
import { RawClient, serve, type TestServer } from '../server/helpers.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** The real network, keeping a copy of every byte the client receives on each connection. */
function tappedNetwork(): { network: Network; received: Buffer[][] } {
  const received: Buffer[][] = [];
  const network: Network = {
    name: 'tapped',
    listen: (request, handler) => realNetwork.listen(request, handler),
    async connect(request): Promise<Connection> {
      const connection = await realNetwork.connect(request);
      const chunks: Buffer[] = [];
      received.push(chunks);
      connection.on('data', (chunk: Buffer) => chunks.push(Buffer.from(chunk)));
      return connection;
    },
  };
  return { network, received };
}

async function loggedIn(network: Network, recorder: Recorder, port: number): Promise<OpenedSession & { control: ControlSession }> {
  const opened = await openSession({
    network,
    recorder,
    session: 'main',
    host: '127.0.0.1',
    port,
    tlsHost: '127.0.0.1',
    tls: 'explicit',
    user: 'anonymous',
    password: 'test@example.com',
    connectTimeoutMs: 5000,
    replyTimeoutMs: 5000,
    strictTls: false,
    protectData: true,
  });
  if (!opened.control) throw new Error(`session failed: ${JSON.stringify(opened.record.phases)}`);
  return opened as OpenedSession & { control: ControlSession };
}

const transcript = (recorder: Recorder): string[] => recorder.transcript.filter((line) => line.channel === 'control' && line.direction !== '*').map((line) => `${line.direction} ${line.text.split(' ').slice(0, 2).join(' ')}`);

describe('CCC between our client and our server (loopback)', () => {
  for (const version of ['TLSv1.2', 'TLSv1.3'] as const) {
    it(`${version}: AUTH TLS, login, PROT P, CCC, NOOP, PASV + LIST on TLS, QUIT`, async () => {
      const defaultMax = tls.DEFAULT_MAX_VERSION;
      tls.DEFAULT_MAX_VERSION = version;
      try {
        server = await serve({ tls: 'explicit', allowCcc: true });
        const { network, received } = tappedNetwork();
        const recorder = new Recorder();
        const opened = await loggedIn(network, recorder, server.port);
        const control = opened.control;
        expect(opened.dataProtected).toBe(true);
        expect(recorder.transcript.some((line) => line.text.startsWith(`TLS ${version} established`))).toBe(true);

        const note = await clearControlChannel(control, recorder);
        expect(note).toMatch(/^CCC accepted \(200 .*\): control channel in clear text, data still TLS$/);
        const attempt = await runDataChannel({
          control,
          network,
          mode: 'pasv',
          addressPolicy: 'control-peer',
          dataTimeoutMs: 5000,
          replyTimeoutMs: 5000,
          transfer: { verb: 'LIST' },
          maxDataBytes: 1_000_000,
          tls: { host: '127.0.0.1', ...(opened.tls?.session ? { session: opened.tls.session } : {}) },
        });
        expect(attemptSucceeded(attempt)).toBe(true);
        // The data connection stays TLS (PROT P is not changed by CCC).
        expect(attempt.dataTls?.handshake).toBe('ok');
        // The control session's TLS session is still good for resuming on the data connection.
        expect(attempt.dataTls?.resumed).toBe(true);
        await control.close(2000);

        expect(transcript(recorder)).toEqual([
          '< 220 ftp-doctor',
          '> AUTH TLS',
          '< 234 Proceed',
          '> USER anonymous',
          '< 331 Please',
          '> PASS ****',
          '< 230 Login',
          '> PBSZ 0',
          '< 200 PBSZ=0',
          '> PROT P',
          '< 200 Protection',
          '> CCC',
          '< 200 Control',
          '> NOOP',
          '< 200 NOOP',
          '> PASV',
          '< 227 Entering',
          '> LIST',
          '< 150 Opening',
          '< 226 Transfer',
          '> QUIT',
          '< 221 Goodbye.',
        ]);
        expect(recorder.transcript.some((line) => /close_notify sent after CCC/.test(line.text))).toBe(true);
        expect(recorder.transcript.some((line) => /NOOP so that an FTP inspection helper/.test(line.text))).toBe(true);

        // On the wire: the replies before CCC were encrypted, the ones after it are clear text.
        const controlWire = Buffer.concat(received[0] ?? []).toString('latin1');
        expect(controlWire).not.toContain('230 Login');
        expect(controlWire).not.toContain('200 Control channel cleared');
        expect(controlWire).toMatch(/200 NOOP[^\r]*\r\n227 Entering Passive Mode|200 NOOP[^\r]*\r\n[\s\S]*227 Entering Passive Mode/);
        expect(controlWire).toContain('221 Goodbye.\r\n');
        expect(server.logs.some((entry) => /control channel cleared \(CCC\)/.test(entry.message))).toBe(true);
      } finally {
        tls.DEFAULT_MAX_VERSION = defaultMax;
      }
    });
  }

  it('after CCC: AUTH TLS again is refused (503), PROT P is still accepted', async () => {
    server = await serve({ tls: 'explicit', allowCcc: true });
    const recorder = new Recorder();
    const { control } = await loggedIn(realNetwork, recorder, server.port);
    await clearControlChannel(control, recorder);
    expect((await control.command('AUTH', 'TLS')).code).toBe(503);
    expect((await control.command('PROT', 'P')).code).toBe(200);
    expect((await control.command('STAT')).message).toContain('control plain; data TLS');
    await control.close(2000);
  });

  it('a refused CCC (534) leaves the control connection on TLS, and the probe says so', async () => {
    server = await serve({ tls: 'explicit' });
    const { network, received } = tappedNetwork();
    const recorder = new Recorder();
    const { control } = await loggedIn(network, recorder, server.port);
    const note = await clearControlChannel(control, recorder);
    expect(note).toMatch(/^CCC refused \(534 .*\): control stays encrypted$/);
    expect((await control.command('NOOP')).code).toBe(200);
    await control.close(2000);
    expect(Buffer.concat(received[0] ?? []).toString('latin1')).not.toContain('NOOP');
  });
});

describe('our server answering CCC', () => {
  it('before AUTH TLS: 533, logged in or not', async () => {
    server = await serve({ tls: 'explicit', allowCcc: true });
    const client = await RawClient.open(server.port);
    try {
      expect((await client.command('CCC')).code).toBe(533);
      await client.login();
      expect((await client.command('CCC')).code).toBe(533);
    } finally {
      client.close();
    }
  });

  it('on a server without TLS: 533', async () => {
    server = await serve({ allowCcc: true });
    const client = await RawClient.open(server.port);
    try {
      await client.login();
      expect((await client.command('CCC')).code).toBe(533);
    } finally {
      client.close();
    }
  });

  it('after AUTH TLS but before login: 530 (the password must not travel in clear)', async () => {
    server = await serve({ tls: 'explicit', allowCcc: true });
    const client = await RawClient.open(server.port);
    try {
      expect((await client.command('AUTH TLS')).code).toBe(234);
      await client.startTls();
      expect((await client.command('CCC')).code).toBe(530);
      expect((await client.command('NOOP')).code).toBe(200);
    } finally {
      client.close();
    }
  });

  it('without allowCcc: 534 and the session stays on TLS', async () => {
    server = await serve({ tls: 'explicit' });
    const client = await RawClient.open(server.port);
    try {
      expect((await client.command('AUTH TLS')).code).toBe(234);
      await client.startTls();
      await client.login();
      const reply = await client.command('CCC');
      expect(reply.code).toBe(534);
      expect(reply.message).toMatch(/--allow-ccc/);
      expect((await client.command('PWD')).code).toBe(257);
    } finally {
      client.close();
    }
  });
});
