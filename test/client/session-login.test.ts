/**
 * A login that is lost (reset, closed, no answer) is not a login that was refused: the evidence
 * keeps the error, so the diagnosis can tell "credentials rejected" from "connection lost".
 */
import { afterEach, describe, expect, it } from 'vitest';
import { openSession, Recorder } from '../../src/client/index.js';
import { realNetwork } from '../../src/net/real.js';
import { startFake, type FakeConnection, type FakeServer } from './fake-ftp.js';

let fake: FakeServer | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function login(script: (connection: FakeConnection) => Promise<void>) {
  fake = await startFake(async (connection) => {
    connection.send('220 fake\r\n');
    await script(connection);
  });
  return openSession({ network: realNetwork, recorder: new Recorder(), session: 'main', host: fake.host, port: fake.port, tlsHost: fake.host, tls: 'none', user: 'u', password: 'p', connectTimeoutMs: 1000, replyTimeoutMs: 300, strictTls: false, protectData: false });
}

describe('login evidence', () => {
  it('a reset after USER: not ok, no replies, and the error says the connection was lost', async () => {
    const opened = await login(async (connection) => {
      await connection.command();
      connection.socket.resetAndDestroy();
    });
    expect(opened.control).toBeUndefined();
    expect(opened.record.login).toMatchObject({ ok: false, error: expect.stringMatching(/reset|closed/) });
    expect(opened.record.login?.userReply).toBeUndefined();
  });

  it('no answer to PASS: the error names the reply deadline', async () => {
    const opened = await login(async (connection) => {
      await connection.command();
      connection.send('331 Password please.\r\n');
      await connection.command();
      await connection.command(8000).catch(() => undefined);
    });
    // The PASS deadline is the reply deadline plus 5 s for a server's deliberate failed-login delay.
    expect(opened.record.login).toMatchObject({ ok: false, userReply: { code: 331 }, error: 'reply to PASS: no answer within 5300 ms' });
    expect(opened.record.login?.passReply).toBeUndefined();
  });

  it('a 530 delayed past the reply deadline (vsftpd and PAM wait ~3 s): still refused, not lost', async () => {
    const opened = await login(async (connection) => {
      await connection.command();
      connection.send('331 Password please.\r\n');
      await connection.command();
      await new Promise((resolve) => setTimeout(resolve, 1000));
      connection.send('530 Login incorrect.\r\n');
      await connection.command(2000).catch(() => undefined);
    });
    expect(opened.record.login).toMatchObject({ ok: false, passReply: { code: 530 } });
    expect(opened.record.login?.error).toBeUndefined();
  });

  it('credentials refused with 530: the reply is the evidence, there is no error', async () => {
    const opened = await login(async (connection) => {
      await connection.command();
      connection.send('331 Password please.\r\n');
      await connection.command();
      connection.send('530 Login incorrect.\r\n');
      await connection.command(2000).catch(() => undefined);
    });
    expect(opened.record.login).toMatchObject({ ok: false, passReply: { code: 530 } });
    expect(opened.record.login?.error).toBeUndefined();
  });
});
