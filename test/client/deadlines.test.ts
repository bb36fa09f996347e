/**
 * One deadline per command: a server that keeps sending 1xx replies, each just inside the reply
 * deadline, must not stretch the wait for the final reply (it used to restart per 1xx, up to 16
 * times). A transfer whose data keeps flowing is not cut off: its final-reply deadline starts when
 * the data ends.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type net from 'node:net';
import { openSession, Recorder, runDataChannel, type ControlSession } from '../../src/client/index.js';
import { realNetwork } from '../../src/net/real.js';
import { acceptLogin, pasvReply, startFake, type FakeConnection, type FakeServer } from './fake-ftp.js';

let fake: FakeServer | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `count` 1xx replies, one every `everyMs`, then `final` (stops early when the client hangs up). */
async function dribble(connection: FakeConnection, count: number, everyMs: number, final: string): Promise<void> {
  for (let index = 0; index < count; index += 1) {
    if (connection.socket.destroyed) return;
    await pause(everyMs);
    connection.send(`150 still working (${index})\r\n`);
  }
  connection.send(final);
}

async function login(server: FakeServer): Promise<ControlSession> {
  const opened = await openSession({ network: realNetwork, recorder: new Recorder(), session: 'main', host: server.host, port: server.port, tlsHost: server.host, tls: 'none', user: 'u', password: 'p', connectTimeoutMs: 1000, replyTimeoutMs: 1000, strictTls: false, protectData: false });
  if (!opened.control) throw new Error('login failed in the fake');
  return opened.control;
}

function scripted(script: (connection: FakeConnection) => Promise<void>): Promise<FakeServer> {
  return startFake(async (connection) => {
    connection.send('220 fake\r\n');
    await acceptLogin(connection);
    await script(connection);
  });
}

/** PASV and LIST: the accepted data socket. */
async function passiveList(connection: FakeConnection): Promise<net.Socket> {
  await connection.command();
  const data = await connection.dataListener();
  connection.send(pasvReply(data.port));
  await connection.command();
  return data.accepted;
}

describe('one deadline per command', () => {
  it('1xx replies dribbled inside the reply deadline do not extend it', async () => {
    fake = await scripted(async (connection) => {
      await connection.command();
      // Each 1xx comes 100 ms after the last, well inside 300 ms; the final one after 1.2 s.
      await dribble(connection, 12, 100, '211 done\r\n');
    });
    const control = await login(fake);
    try {
      await expect(control.command('STAT', undefined, 300)).rejects.toThrow(/reply to STAT: no answer within 300 ms/);
    } finally {
      control.destroy();
    }
  });

  it('after the data ends, dribbled 1xx replies do not extend the wait for the final reply', async () => {
    fake = await scripted(async (connection) => {
      const socket = await passiveList(connection);
      connection.send('150 Here.\r\n');
      socket.end('a\r\n');
      await dribble(connection, 12, 100, '226 Done.\r\n');
    });
    const control = await login(fake);
    try {
      const attempt = await runDataChannel({ control, network: realNetwork, mode: 'pasv', addressPolicy: 'control-peer', dataTimeoutMs: 300, replyTimeoutMs: 1000, transfer: { verb: 'LIST' }, maxDataBytes: 1 << 20 });
      expect(attempt.transfer.bytes).toBe(3);
      expect(attempt.finalReply).toBeUndefined();
      expect(attempt.transfer.error).toMatch(/no final reply: reply to LIST: no answer within 300 ms/);
      expect(attempt.transfer.outcome).not.toBe('complete');
    } finally {
      control.destroy();
    }
  });

  it('data that keeps flowing past the data timeout is not cut off; the final reply is waited for after it', async () => {
    fake = await scripted(async (connection) => {
      const socket = await passiveList(connection);
      connection.send('150 Here.\r\n');
      // 12 chunks 100 ms apart: 1.2 s in all, past the 800 ms data timeout, each gap well inside
      // it (a loaded machine may stall a timer for a few hundred ms).
      for (let index = 0; index < 12 && !socket.destroyed; index += 1) {
        socket.write('chunk\r\n');
        await pause(100);
      }
      socket.end();
      await pause(100);
      connection.send('226 Done.\r\n');
    });
    const control = await login(fake);
    try {
      const attempt = await runDataChannel({ control, network: realNetwork, mode: 'pasv', addressPolicy: 'control-peer', dataTimeoutMs: 800, replyTimeoutMs: 1000, transfer: { verb: 'LIST' }, maxDataBytes: 1 << 20 });
      expect(attempt.transfer).toMatchObject({ outcome: 'complete', bytes: 12 * 7 });
      expect(attempt.finalReply?.code).toBe(226);
    } finally {
      control.destroy();
    }
  });
});
