/**
 * The whole client (openSession + runDataChannel) against a scripted hostile server: every
 * PASV/EPSV reply from the corpus ends as a correct parse or a typed error in the evidence, never a
 * throw or a hang; oversized and dribbled replies hit their limits; stray replies are never taken
 * as the answer to the wrong command; data channels that end oddly are reported with byte counts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type net from 'node:net';
import { openSession, Recorder, runDataChannel, type DataChannelOptions } from '../../src/client/index.js';
import type { Network } from '../../src/net/network.js';
import { realNetwork } from '../../src/net/real.js';
import type { DataMode } from '../../src/report/model.js';
import { acceptLogin, pasvReply, startFake, type FakeConnection, type FakeServer } from '../client/fake-ftp.js';
import { pause } from './helpers.js';

let fake: FakeServer | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

/**
 * The real network for the control connection; every other connect is refused on the spot and
 * recorded, so corpus addresses are never dialled for real (they could be anyone's port).
 */
function refusingDataNetwork(controlPort: () => number): Network & { dialled: { host: string; port: number }[] } {
  const dialled: { host: string; port: number }[] = [];
  return {
    name: 'refuse-data',
    dialled,
    connect: (request) => {
      if (request.port === controlPort()) return realNetwork.connect(request);
      dialled.push({ host: request.host, port: request.port });
      return Promise.reject(Object.assign(new Error(`connect ECONNREFUSED ${request.host}:${request.port}`), { code: 'ECONNREFUSED' }));
    },
    listen: (request, handler) => realNetwork.listen(request, handler),
  };
}

async function scripted(script: (connection: FakeConnection) => Promise<void>): Promise<FakeServer> {
  return startFake(async (connection) => {
    connection.send('220 fake\r\n');
    await acceptLogin(connection);
    await script(connection);
  });
}

async function runClient(server: FakeServer, mode: DataMode, network: Network = realNetwork, overrides: Partial<DataChannelOptions> = {}) {
  const recorder = new Recorder();
  const opened = await openSession({ network, recorder, session: mode, host: server.host, port: server.port, tlsHost: server.host, tls: 'none', user: 'u', password: 'p', connectTimeoutMs: 1000, replyTimeoutMs: 1000, strictTls: false, protectData: false });
  const control = opened.control;
  if (!control) throw new Error(`login failed in the fake: ${JSON.stringify(opened.record.phases)}`);
  try {
    const attempt = await runDataChannel({ control, network, mode, addressPolicy: 'control-peer', dataTimeoutMs: 300, replyTimeoutMs: 300, transfer: { verb: 'LIST' }, maxDataBytes: 1 << 20, ...overrides });
    return { attempt, recorder, control };
  } finally {
    control.destroy();
  }
}

type Expected = { port: number; advertised?: string } | { error: RegExp };

/** Replies seen in the wild (and made up by attackers), each with what the client must make of it. */
export const PASSIVE_CORPUS: readonly [DataMode, string, Expected][] = [
  ['pasv', '227 Entering Passive Mode (127,0,0,1,200,10).', { port: 51210, advertised: '127.0.0.1' }],
  ['pasv', '227 Entering Passive Mode 127,0,0,1,200,10', { port: 51210, advertised: '127.0.0.1' }],
  ['pasv', '227 =127,0,0,1,200,10', { port: 51210, advertised: '127.0.0.1' }],
  ['pasv', '227 Entering Passive Mode (127, 0, 0, 1, 200, 10)', { port: 51210, advertised: '127.0.0.1' }],
  ['pasv', '227-Entering Passive Mode\r\n (10,1,2,3,200,11)\r\n227 OK', { port: 51211, advertised: '10.1.2.3' }],
  ['pasv', '227-Entering Passive Mode (192,168,1,9,4,1)\r\n227 (10,0,0,1,4,2)', { port: 1025, advertised: '192.168.1.9' }],
  ['pasv', '227 Entering Passive Mode (0,0,0,0,200,12).', { port: 51212, advertised: '0.0.0.0' }],
  ['pasv', '227 (1,2,3,4,5,6,7,8)', { port: 1286, advertised: '1.2.3.4' }],
  ['pasv', '227 Entering Passive Mode (256,0,0,1,200,10).', { error: /over 255/ }],
  ['pasv', '227 Entering Passive Mode (127,0,0,1,300,10).', { error: /over 255/ }],
  ['pasv', '227 Entering Passive Mode (127,0,0,1,99999999999999999999,1).', { error: /over 255/ }],
  ['pasv', '227 Entering Passive Mode (127,0,0,1,0,0).', { error: /port 0/ }],
  ['pasv', '227 Entering Passive Mode (-127,0,0,1,200,10).', { error: /negative/ }],
  ['pasv', '227 Entering Passive Mode (127,0,0,1,-1,10).', { error: /negative/ }],
  ['pasv', '227 Entering Passive Mode (127,0,0,1,200).', { error: /no h1,h2,h3,h4,p1,p2/ }],
  ['pasv', '227 Entering Passive Mode.', { error: /no h1,h2,h3,h4,p1,p2/ }],
  ['pasv', '227 (a,b,c,d,e,f)', { error: /no h1,h2,h3,h4,p1,p2/ }],
  ['pasv', `227 ${'9,'.repeat(5000)}`, { port: 2313, advertised: '9.9.9.9' }],
  ['epsv', '229 Entering Extended Passive Mode (|||51213|).', { port: 51213 }],
  ['epsv', '229 Entering Extended Passive Mode (!!!51214!)', { port: 51214 }],
  ['epsv', '229-Extended\r\n229 Entering Extended Passive Mode (|||51215|)', { port: 51215 }],
  ['epsv', '229 Entering Extended Passive Mode (|2|::1|5|)', { error: /address or network protocol field/ }],
  ['epsv', '229 Entering Extended Passive Mode (|1|10.0.0.1|5000|)', { error: /address or network protocol field/ }],
  ['epsv', '229 Entering Extended Passive Mode (!!!port!)', { error: /port "port" is not a number/ }],
  ['epsv', '229 Entering Extended Passive Mode (|||0|)', { error: /impossible port/ }],
  ['epsv', '229 Entering Extended Passive Mode (|||65536|)', { error: /impossible port/ }],
  ['epsv', '229 Entering Extended Passive Mode (|||-5|)', { error: /impossible port/ }],
  ['epsv', '229 Entering Extended Passive Mode (|||99999999999999999999|)', { error: /impossible port/ }],
  ['epsv', '229 Entering Extended Passive Mode |||51216|', { error: /no \(\|\|\|port\|\) group/ }],
  ['epsv', '229 Entering Extended Passive Mode (|||51217)', { error: /no \(\|\|\|port\|\) group/ }],
  ['epsv', '229 Entering Extended Passive Mode (||||)', { error: /port "" is not a number/ }],
  ['epsv', '229 Entering Extended Passive Mode (|x|51218|)', { error: /./ }],
];

describe('PASV/EPSV corpus through the whole client', () => {
  it.each(PASSIVE_CORPUS.map(([mode, reply, expected]) => [mode, JSON.stringify(reply).slice(0, 70), reply, expected] as const))('%s %s', async (mode, _name, reply, expected) => {
    let controlPort = 0;
    const network = refusingDataNetwork(() => controlPort);
    fake = await scripted(async (connection) => {
      expect(await connection.command()).toBe(mode.toUpperCase());
      connection.send(`${reply}\r\n`);
      // Whatever the client does next (LIST after a refused connect, or QUIT), it never hangs us.
      await connection.command(2000).catch(() => undefined);
    });
    controlPort = fake.port;
    const { attempt } = await runClient(fake, mode, network);
    expect(attempt.modeReply?.code).toBe(mode === 'pasv' ? 227 : 229);
    if ('error' in expected) {
      expect(attempt.parseError).toMatch(expected.error);
      expect(attempt.advertised).toBeUndefined();
      expect(network.dialled).toEqual([]);
      expect(attempt.transfer.outcome).toBe('not-started');
    } else {
      expect(attempt.parseError).toBeUndefined();
      expect(attempt.advertised).toEqual({ host: expected.advertised ?? '127.0.0.1', port: expected.port });
      // Default policy: dial the control peer, whatever address the reply advertised.
      expect(network.dialled).toEqual([{ host: '127.0.0.1', port: expected.port }]);
      expect(attempt.connect?.outcome).toBe('refused');
    }
    expect(fake.errors).toEqual([]);
  });
});

describe('oversized, dribbled and stray replies', () => {
  it('a single reply line over 64 KiB to PASV ends the session with "reply too large"', async () => {
    fake = await scripted(async (connection) => {
      await connection.command();
      connection.send(`227 ${'7'.repeat(70 * 1024)}`);
      await pause(500);
    });
    const { attempt, control } = await runClient(fake, 'pasv');
    expect(attempt.transfer.error).toMatch(/reply too large/);
    expect(control.lostReason?.kind).toBe('reply-too-large');
    expect(attempt.transfer.outcome).toBe('not-started');
  });

  it('an endless multi-line reply to LIST is cut at the limit, the data channel reports it', async () => {
    fake = await scripted(async (connection) => {
      await connection.command();
      const data = await connection.dataListener();
      connection.send(pasvReply(data.port));
      await connection.command();
      connection.send('150-here it comes\r\n');
      for (let index = 0; index < 1000 && !connection.socket.destroyed; index += 1) connection.send(`${'y'.repeat(100)}\r\n`);
    });
    const { attempt, control } = await runClient(fake, 'pasv');
    expect(control.lostReason?.kind).toBe('reply-too-large');
    expect(attempt.transfer.error ?? '').toMatch(/reply too large/);
    expect(attempt.transfer.outcome).not.toBe('complete');
  });

  it('a PASV reply dribbled one byte every 40 ms hits the reply deadline', async () => {
    fake = await scripted(async (connection) => {
      await connection.command();
      for (const character of '227 Entering Passive Mode (127,0,0,1,200,10).\r\n') {
        if (connection.socket.destroyed) return;
        connection.send(character);
        await pause(40);
      }
    });
    const { attempt } = await runClient(fake, 'pasv');
    expect(attempt.modeReply).toBeUndefined();
    expect(attempt.transfer.error).toMatch(/reply to PASV: no answer within 300 ms/);
  });

  it('a stray 226 glued to the 227 is unsolicited, not the answer to LIST', async () => {
    fake = await scripted(async (connection) => {
      await connection.command();
      const data = await connection.dataListener();
      connection.send(`${pasvReply(data.port).trimEnd()}\r\n226 Stray, unasked.\r\n`);
      await connection.command();
      const socket = await data.accepted;
      connection.send('150 Here.\r\n');
      socket.end('one\r\ntwo\r\n');
      await pause(50);
      connection.send('226 Real end.\r\n');
    });
    const { attempt, control } = await runClient(fake, 'pasv');
    expect(attempt.transfer).toMatchObject({ outcome: 'complete', bytes: 10 });
    expect(attempt.finalReply?.message).toBe('Real end.');
    expect(control.unsolicited.map((item) => item.reply.message)).toEqual(['Stray, unasked.']);
  });
});

describe('data channels that end oddly, with byte counts', () => {
  /** PASV + LIST, then `behave` with the accepted data socket. */
  function listing(behave: (connection: FakeConnection, socket: net.Socket) => Promise<void>) {
    return scripted(async (connection) => {
      await connection.command();
      const data = await connection.dataListener();
      connection.send(pasvReply(data.port));
      await connection.command();
      await behave(connection, await data.accepted);
    });
  }

  it('FIN on the data connection, then 226 later: complete, every byte counted', async () => {
    fake = await listing(async (connection, socket) => {
      connection.send('150 Here.\r\n');
      socket.end(Buffer.alloc(5000, 0x61));
      await pause(150);
      connection.send('226 Done.\r\n');
    });
    const { attempt } = await runClient(fake, 'pasv');
    expect(attempt.transfer).toMatchObject({ outcome: 'complete', bytes: 5000 });
  });

  it('226 first, then a reset before the data finished: reset, bytes so far', async () => {
    fake = await listing(async (connection, socket) => {
      connection.send('150 Here.\r\n226 Done (not really).\r\n');
      socket.write(Buffer.alloc(777, 0x62));
      await pause(50);
      socket.resetAndDestroy();
    });
    const { attempt } = await runClient(fake, 'pasv');
    expect(attempt.transfer).toMatchObject({ outcome: 'reset', bytes: 777 });
    expect(attempt.finalReply?.code).toBe(226);
  });

  // libuv reports a reset that comes with the last bytes as a clean end; the client asks the
  // socket (endedByReset) instead of calling a cut-off listing complete.
  it('bytes and a reset at once, 226 first: reset, not complete', async () => {
    fake = await listing(async (connection, socket) => {
      connection.send('150 Here.\r\n226 Done (not really).\r\n');
      socket.write(Buffer.alloc(300, 0x63), () => socket.resetAndDestroy());
    });
    const { attempt } = await runClient(fake, 'pasv');
    expect(attempt.transfer.outcome).toBe('reset');
    expect(attempt.transfer.bytes).toBeLessThanOrEqual(300);
  });

  it('data FIN and the control connection closes without a final reply: closed without a 226', async () => {
    fake = await listing(async (connection, socket) => {
      connection.send('150 Here.\r\n');
      socket.end('abc\r\n');
      await pause(30);
      connection.socket.end();
    });
    const { attempt } = await runClient(fake, 'pasv');
    expect(attempt.transfer.bytes).toBe(5);
    expect(attempt.transfer.outcome).not.toBe('complete');
    expect(attempt.transfer.error).toMatch(/no final reply/);
  });
});
