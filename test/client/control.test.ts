import { afterEach, describe, expect, it } from 'vitest';
import type { Network } from '../../src/net/network.js';
import { realNetwork } from '../../src/net/real.js';
import { openControl, openSession, Recorder, type SessionPlan } from '../../src/client/index.js';
import { acceptLogin, startFake, type FakeServer } from './fake-ftp.js';

let fake: FakeServer | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

/** Deadlines for sessions expected to succeed: generous, so a loaded machine cannot fail them. */
const SUCCEEDS: Partial<SessionPlan> = { connectTimeoutMs: 3000, replyTimeoutMs: 3000 };

function plan(server: FakeServer, overrides: Partial<SessionPlan> = {}): SessionPlan {
  return {
    network: realNetwork,
    recorder: new Recorder(),
    session: 'main',
    host: server.host,
    port: server.port,
    tlsHost: server.host,
    tls: 'none',
    user: 'alice',
    password: 's3cret-pw',
    connectTimeoutMs: 300,
    replyTimeoutMs: 300,
    strictTls: false,
    protectData: false,
    ...overrides,
  };
}

/** A network whose connects are silently dropped: they settle only when the caller aborts. */
const droppingNetwork: Network = {
  name: 'drop',
  connect: (request) =>
    new Promise((_, reject) => {
      request.signal?.addEventListener('abort', () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' })), { once: true });
    }),
  listen: (request, handler) => realNetwork.listen(request, handler),
};

describe('control connection', () => {
  it('classifies a silently dropped connect as a timeout, found by our own deadline', async () => {
    const recorder = new Recorder();
    const result = await openControl({ network: droppingNetwork, recorder, session: 'main', host: '127.0.0.1', port: 21, connectTimeoutMs: 200, replyTimeoutMs: 200 });
    expect(result.outcome).toBe('timeout');
    expect(recorder.connections[0]?.outcome).toBe('timeout');
  });

  it('classifies a closed port as refused', async () => {
    const closed = await startFake(async () => {});
    const port = closed.port;
    await closed.close();
    const result = await openControl({ network: realNetwork, recorder: new Recorder(), session: 'main', host: '127.0.0.1', port, connectTimeoutMs: 1000, replyTimeoutMs: 200 });
    expect(result.outcome).toBe('refused');
  });

  it('records a greeting timeout when TCP is accepted but nothing is said', async () => {
    fake = await startFake(async () => {});
    const opened = await openSession(plan(fake));
    expect(opened.control).toBeUndefined();
    expect(opened.record.control.outcome).toBe('connected');
    expect(opened.record.greeting).toMatchObject({ timeout: true, waitedMs: 300 });
    expect(opened.record.phases.map((phase) => [phase.id, phase.result])).toEqual([
      ['connect', 'ok'],
      ['greeting', 'fail'],
    ]);
  });

  it('fires the reply deadline on a greeting dribbled one byte at a time', async () => {
    fake = await startFake(async (connection) => {
      const text = '220 hello from a very slow server\r\n';
      for (const character of text) {
        if (connection.socket.destroyed) return;
        connection.send(character);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    });
    const opened = await openSession(plan(fake));
    expect(opened.record.greeting).toMatchObject({ timeout: true, waitedMs: 300 });
  });

  it('stops an endless reply with "reply too large"', async () => {
    fake = await startFake(async (connection) => {
      connection.send('220-welcome\r\n');
      for (let index = 0; index < 400 && !connection.socket.destroyed; index += 1) connection.send(`${'x'.repeat(200)}\r\n`);
    });
    const opened = await openSession(plan(fake, { replyTimeoutMs: 2000 }));
    expect(opened.control).toBeUndefined();
    const greeting = opened.record.phases.find((phase) => phase.id === 'greeting');
    expect(greeting?.detail).toMatch(/reply too large/);
  });

  it('reads a multi-line greeting and logs in, never writing the password into the transcript', async () => {
    fake = await startFake(async (connection) => {
      connection.send('220-Welcome\r\n second line\r\n220 ready\r\n');
      await acceptLogin(connection);
    });
    const session = plan(fake, SUCCEEDS);
    const opened = await openSession(session);
    expect(opened.control).toBeDefined();
    expect(opened.record.greeting).toMatchObject({ code: 220, message: 'Welcome\n second line\nready' });
    expect(opened.record.login).toMatchObject({ ok: true, passReply: { code: 230 } });
    const text = JSON.stringify(session.recorder.transcript);
    expect(text).toContain('PASS ****');
    expect(text).not.toContain('s3cret-pw');
    opened.control?.destroy();
  });

  it('records a stray extra reply as unsolicited instead of taking it as the next answer', async () => {
    fake = await startFake(async (connection) => {
      connection.send('220 ready\r\n');
      await connection.command();
      // Two replies to USER in one segment: the second must not answer PASS.
      connection.send('331 Password please.\r\n200 Surprise.\r\n');
      await connection.command();
      connection.send('230 Logged in.\r\n');
      await connection.command();
      connection.send('215 UNIX\r\n');
      await new Promise((resolve) => setTimeout(resolve, 20));
      connection.send('226 Late and unasked.\r\n');
    });
    const session = plan(fake, SUCCEEDS);
    const opened = await openSession(session);
    expect(opened.record.login?.passReply?.code).toBe(230);
    const control = opened.control;
    expect(control).toBeDefined();
    if (!control) return;
    expect((await control.command('SYST')).code).toBe(215);
    for (let index = 0; index < 50 && control.unsolicited.length < 2; index += 1) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(control.unsolicited.map((item) => item.reply.code)).toEqual([200, 226]);
    expect(session.recorder.transcript.some((line) => line.text.includes('unsolicited reply 200'))).toBe(true);
    control.destroy();
  });

  it('refuses to send a command with CR/LF in its argument', async () => {
    fake = await startFake(async (connection) => {
      connection.send('220 ready\r\n');
      await acceptLogin(connection);
    });
    const opened = await openSession(plan(fake));
    expect(() => opened.control?.send('CWD', 'x\r\nDELE y')).toThrow(/CR, LF or NUL/);
    opened.control?.destroy();
  });
});
