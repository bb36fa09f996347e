/**
 * When the TLS handshake on a protected data connection starts, relative to the server's answer to
 * the transfer command. pyftpdlib (TLS_DTPHandler) closes a data connection that has bytes waiting
 * before it has read the transfer command — it takes that for a disconnect — and then answers 150
 * and waits for a connection that never comes. In active mode the connection is up before LIST,
 * so a ClientHello sent together with LIST lost that race whenever the server was busy.
 */
import net from 'node:net';
import tls from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { openSession, Recorder, runDataChannel } from '../../src/client/index.js';
import { realNetwork } from '../../src/net/real.js';
import { certificate } from '../tls/helpers.js';
import { acceptLogin, startFake, type FakeServer } from './fake-ftp.js';

let fake: FakeServer | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A busy server in active mode: it reads LIST only after `busyMs`, like pyftpdlib under load. */
async function busyActiveServer(busyMs: number, answer: string): Promise<{ server: FakeServer; bytesBeforeReply: () => number | undefined }> {
  const { cert, key } = await certificate();
  let early: number | undefined;
  const server = await startFake(async (connection) => {
    connection.send('220 fake\r\n');
    await acceptLogin(connection);
    const [h1, h2, h3, h4, p1, p2] = (await connection.command()).slice(5).split(',').map(Number);
    const data = net.connect({ host: `${h1}.${h2}.${h3}.${h4}`, port: (p1 ?? 0) * 256 + (p2 ?? 0) });
    data.on('error', () => {});
    let waiting = 0;
    const count = (chunk: Buffer): void => void (waiting += chunk.length);
    data.on('data', count);
    await new Promise((resolve) => data.once('connect', resolve));
    connection.send('200 Active data connection established.\r\n');
    await connection.command();
    await pause(busyMs);
    early = waiting;
    if (answer.startsWith('4')) {
      connection.send(answer);
      data.destroy();
      return;
    }
    if (waiting > 0) {
      // pyftpdlib's DTPHandler.readable(): readable before a transfer command means "gone".
      data.resetAndDestroy();
      connection.send('150 File status okay. About to open data connection.\r\n');
      await pause(2000);
      return;
    }
    connection.send(answer);
    data.off('data', count);
    const secured = new tls.TLSSocket(data, { isServer: true, cert, key });
    secured.on('error', () => {});
    await new Promise((resolve) => secured.once('secure', resolve));
    secured.end('listing\r\n');
    await pause(20);
    connection.send('226 Transfer complete.\r\n');
  });
  return { server, bytesBeforeReply: () => early };
}

async function listOverTls(server: FakeServer) {
  const recorder = new Recorder();
  const opened = await openSession({ network: realNetwork, recorder, session: 'port', host: server.host, port: server.port, tlsHost: server.host, tls: 'none', user: 'u', password: 'p', connectTimeoutMs: 2000, replyTimeoutMs: 2000, strictTls: false, protectData: false });
  const control = opened.control;
  if (!control) throw new Error('login failed in the fake');
  try {
    return await runDataChannel({ control, network: realNetwork, mode: 'port', addressPolicy: 'control-peer', dataTimeoutMs: 3000, replyTimeoutMs: 2000, transfer: { verb: 'LIST' }, maxDataBytes: 1 << 20, tls: { host: server.host } });
  } finally {
    control.destroy();
  }
}

describe('TLS on an active data connection', () => {
  it('starts the handshake after the server answered the transfer command, not with it', async () => {
    const busy = await busyActiveServer(300, '125 Data connection already open. Transfer starting.\r\n');
    fake = busy.server;
    const attempt = await listOverTls(busy.server);
    expect(busy.bytesBeforeReply()).toBe(0);
    expect(attempt.dataTls).toMatchObject({ handshake: 'ok' });
    expect(attempt.transfer.outcome).toBe('complete');
  });

  it('does not handshake with a server that refused the transfer', async () => {
    const busy = await busyActiveServer(300, '425 Cannot open data connection.\r\n');
    fake = busy.server;
    const attempt = await listOverTls(busy.server);
    expect(busy.bytesBeforeReply()).toBe(0);
    expect(attempt.dataTls).toBeUndefined();
    expect(attempt.transfer.outcome).toBe('refused-by-server');
    expect(attempt.finalReply?.code).toBe(425);
  });
});
