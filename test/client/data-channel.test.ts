import { afterEach, describe, expect, it } from 'vitest';
import type net from 'node:net';
import type { Network } from '../../src/net/network.js';
import { realNetwork } from '../../src/net/real.js';
import { formatDataToken } from '../../src/ftp/index.js';
import { openSession, Recorder, runDataChannel, type DataChannelOptions } from '../../src/client/index.js';
import type { DataMode } from '../../src/report/model.js';
import { acceptLogin, pasvReply, startFake, type FakeConnection, type FakeServer } from './fake-ftp.js';

let fake: FakeServer | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Greets, logs in, then hands the rest of the conversation to `script`. */
async function scripted(script: (connection: FakeConnection) => Promise<void>): Promise<FakeServer> {
  return startFake(async (connection) => {
    connection.send('220 fake\r\n');
    await acceptLogin(connection);
    await script(connection);
  });
}

/** PASV (answered with a fresh listener), then LIST: returns the accepted data socket. */
async function passiveList(connection: FakeConnection): Promise<net.Socket> {
  expect(await connection.command()).toBe('PASV');
  const data = await connection.dataListener();
  connection.send(pasvReply(data.port));
  expect(await connection.command()).toMatch(/^LIST/);
  return data.accepted;
}

async function run(server: FakeServer, mode: DataMode = 'pasv', overrides: Partial<DataChannelOptions> = {}, network: Network = realNetwork) {
  const recorder = new Recorder();
  const opened = await openSession({ network, recorder, session: mode, host: server.host, port: server.port, tlsHost: server.host, tls: 'none', user: 'u', password: 'p', connectTimeoutMs: 1000, replyTimeoutMs: 1000, strictTls: false, protectData: false });
  const control = opened.control;
  if (!control) throw new Error('login failed in the fake');
  try {
    const attempt = await runDataChannel({ control, network, mode, addressPolicy: 'control-peer', dataTimeoutMs: 300, replyTimeoutMs: 1000, transfer: { verb: 'LIST' }, maxDataBytes: 1 << 20, ...overrides });
    return { attempt, recorder };
  } finally {
    control.destroy();
  }
}

describe('data channel', () => {
  it('lists through a multi-line 227 and records what was advertised and dialled', async () => {
    fake = await scripted(async (connection) => {
      expect(await connection.command()).toBe('PASV');
      const data = await connection.dataListener();
      connection.send(`227-Entering Passive Mode\r\n 227 is coming\r\n${pasvReply(data.port)}`);
      await connection.command();
      const socket = await data.accepted;
      connection.send('150 Here it comes.\r\n');
      socket.end('file-a\r\nfile-b\r\n');
      await pause(20);
      connection.send('226 Done.\r\n');
    });
    const { attempt } = await run(fake);
    expect(attempt.advertised?.host).toBe('127.0.0.1');
    expect(attempt.dialed).toEqual(attempt.advertised);
    expect(attempt.connect?.outcome).toBe('connected');
    expect(attempt.transfer).toMatchObject({ outcome: 'complete', bytes: 16 });
    expect(attempt.preliminaryReply?.code).toBe(150);
    expect(attempt.finalReply?.code).toBe(226);
  });

  it('records a refused data connection when nothing listens on the advertised port', async () => {
    const gone = await startFake(async () => {});
    const deadPort = gone.port;
    await gone.close();
    fake = await scripted(async (connection) => {
      await connection.command();
      connection.send(pasvReply(deadPort));
      await connection.command(3000).catch(() => undefined);
    });
    const { attempt } = await run(fake);
    expect(attempt.connect?.outcome).toBe('refused');
    expect(attempt.transfer.outcome).toBe('not-started');
    expect(attempt.transferCommand).toBeUndefined();
  });

  it('records a silently dropped data connection as a timeout found by the data deadline', async () => {
    let controlPort = 0;
    const dropData: Network = {
      name: 'drop-data',
      connect: (request) =>
        request.port === controlPort
          ? realNetwork.connect(request)
          : new Promise((_, reject) => request.signal?.addEventListener('abort', () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' })), { once: true })),
      listen: (request, handler) => realNetwork.listen(request, handler),
    };
    fake = await scripted(async (connection) => {
      await connection.command();
      const data = await connection.dataListener();
      connection.send(pasvReply(data.port));
      await connection.command(3000).catch(() => undefined);
    });
    controlPort = fake.port;
    const { attempt, recorder } = await run(fake, 'pasv', {}, dropData);
    expect(attempt.connect).toMatchObject({ outcome: 'timeout' });
    expect(recorder.connections.find((event) => event.purpose === 'data')?.outcome).toBe('timeout');
  });

  it('ends a stalled transfer at the data idle deadline', async () => {
    fake = await scripted(async (connection) => {
      await passiveList(connection);
      connection.send('150 Here it comes (not).\r\n');
      await pause(1000);
    });
    const { attempt } = await run(fake);
    expect(attempt.connect?.outcome).toBe('connected');
    expect(attempt.transfer.outcome).toBe('timeout');
  });

  it('records a reset in the middle of a listing', async () => {
    fake = await scripted(async (connection) => {
      const socket = await passiveList(connection);
      connection.send('150 Here it comes.\r\n');
      socket.write('partial-line\r\n');
      await pause(30);
      socket.resetAndDestroy();
      await pause(100);
      connection.send('426 Connection closed; transfer aborted.\r\n');
    });
    const { attempt, recorder } = await run(fake);
    expect(attempt.transfer.outcome).toBe('reset');
    expect(attempt.transfer.bytes).toBe(14);
    expect(recorder.connections.find((event) => event.purpose === 'data')?.outcome).toBe('reset');
  });

  it('calls a FIN followed by 426 closed-early', async () => {
    fake = await scripted(async (connection) => {
      const socket = await passiveList(connection);
      connection.send('150 Here it comes.\r\n');
      socket.end('half\r\n');
      await pause(30);
      connection.send('426 Transfer aborted.\r\n');
    });
    const { attempt } = await run(fake);
    expect(attempt.transfer.outcome).toBe('closed-early');
    expect(attempt.finalReply?.code).toBe(426);
  });

  it('notices a control connection that goes silent after the data (idle-timeout NAT)', async () => {
    fake = await scripted(async (connection) => {
      const socket = await passiveList(connection);
      connection.send('150 Here it comes.\r\n');
      socket.end('all of it\r\n');
      await pause(1000);
    });
    const { attempt } = await run(fake);
    expect(attempt.transfer.outcome).toBe('timeout');
    expect(attempt.controlLostAfterData).toBe(true);
  });

  it('accepts 226 arriving before the data EOF, and keeps reading until the EOF', async () => {
    fake = await scripted(async (connection) => {
      const socket = await passiveList(connection);
      connection.send('150 Here it comes.\r\n226 Done already.\r\n');
      await pause(50);
      socket.end('late data\r\n');
    });
    const { attempt } = await run(fake);
    expect(attempt.transfer).toMatchObject({ outcome: 'complete', bytes: 11 });
  });

  it('stops reading an endless listing at the cap and says so', async () => {
    fake = await scripted(async (connection) => {
      const socket = await passiveList(connection);
      connection.send('150 Here it comes, forever.\r\n');
      const line = Buffer.alloc(1024, 0x61);
      for (let index = 0; index < 2048 && !socket.destroyed; index += 1) {
        if (!socket.write(line)) await new Promise((resolve) => socket.once('drain', resolve).once('close', resolve));
      }
      connection.send('426 Aborted.\r\n');
    });
    const { attempt } = await run(fake, 'pasv', { maxDataBytes: 64 * 1024 });
    expect(attempt.transfer.error).toMatch(/cap/);
    expect(attempt.transfer.bytes).toBeLessThan(2 * 1024 * 1024);
    expect(attempt.transfer.outcome).not.toBe('complete');
  });

  it('records the server refusing the transfer (425) as refused-by-server', async () => {
    fake = await scripted(async (connection) => {
      await passiveList(connection);
      connection.send('425 Security: Bad IP connecting.\r\n');
    });
    const { attempt } = await run(fake);
    expect(attempt.transfer.outcome).toBe('refused-by-server');
    expect(attempt.finalReply?.code).toBe(425);
  });

  it('splits off and checks our reference server token', async () => {
    let dataPort = 0;
    fake = await scripted(async (connection) => {
      await connection.command();
      const data = await connection.dataListener();
      dataPort = data.port;
      connection.send(pasvReply(data.port));
      await connection.command();
      const socket = await data.accepted;
      connection.send('150 ok\r\n');
      socket.end(`${formatDataToken({ session: 's1', port: data.port })}listing\r\n`);
      await pause(20);
      connection.send('226 ok\r\n');
    });
    const { attempt } = await run(fake, 'pasv', { token: {} });
    expect(attempt.token).toEqual({ expected: { port: dataPort }, received: `FTP-DOCTOR-TOKEN s1 ${dataPort}`, matches: true });
    expect(attempt.transfer.bytes).toBe('listing\r\n'.length);
  });

  it('runs active mode: listens on the control connection address and records the inbound connection', async () => {
    fake = await scripted(async (connection) => {
      const command = await connection.command();
      const [h1, h2, h3, h4, p1, p2] = command.slice(5).split(',').map(Number);
      connection.send('200 PORT ok.\r\n');
      await connection.command();
      const { connect } = await import('node:net');
      const socket = connect({ host: `${h1}.${h2}.${h3}.${h4}`, port: (p1 ?? 0) * 256 + (p2 ?? 0) });
      socket.on('error', () => {});
      await new Promise((resolve) => socket.once('connect', resolve));
      connection.send('150 Connecting.\r\n');
      socket.end('active listing\r\n');
      await pause(20);
      connection.send('226 Done.\r\n');
    });
    const { attempt } = await run(fake, 'port');
    expect(attempt.command).toMatch(/^PORT 127,0,0,1,\d+,\d+$/);
    expect(attempt.listening?.host).toBe('127.0.0.1');
    expect(attempt.inbound).toMatchObject({ arrived: true, from: { host: '127.0.0.1' } });
    expect(attempt.transfer.outcome).toBe('complete');
  });

  it('records an active connection that never arrives', async () => {
    fake = await scripted(async (connection) => {
      await connection.command();
      connection.send('200 EPRT ok.\r\n');
      await connection.command();
      await pause(1000);
    });
    const { attempt } = await run(fake, 'eprt');
    expect(attempt.command).toMatch(/^EPRT \|1\|127\.0\.0\.1\|\d+\|$/);
    expect(attempt.inbound).toMatchObject({ arrived: false });
    expect(attempt.transfer.outcome).toBe('not-started');
  });
});
