/**
 * Sessions that never log in must not hold the server: the pre-login deadline is a total from
 * accept (a byte every so often, or a stream of NOOPs, extends nothing), and on a full server
 * idle pre-login sessions from other addresses make room for a newcomer (admission.ts).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { RawClient, serve, type TestServer } from './helpers.js';

let server: TestServer | undefined;
const clients: RawClient[] = [];
const timers: NodeJS.Timeout[] = [];
afterEach(async () => {
  for (const timer of timers.splice(0)) clearInterval(timer);
  for (const client of clients.splice(0)) client.close();
  await server?.close();
  server = undefined;
});

/** Connect (from `localAddress`) and read the first reply: 220, or 421 when refused. */
async function connect(port: number, localAddress = '127.0.0.1'): Promise<{ client: RawClient; code: number }> {
  const client = await RawClient.connect(port, { localAddress });
  clients.push(client);
  return { client, code: (await client.reply()).code };
}

/** Send `text` one piece every `everyMs` while the client is open (never a whole line). */
function dribble(client: RawClient, text: string, everyMs: number): void {
  let index = 0;
  const timer = setInterval(() => {
    if (client.closed) return clearInterval(timer);
    client.write(text[index % text.length] ?? 'x');
    index += 1;
  }, everyMs);
  timers.push(timer);
}

describe('the pre-login deadline is a total from accept', () => {
  it('a client sending one byte at a time, never a whole line, is closed with 421 at the deadline', async () => {
    server = await serve({ limits: { preLoginTimeoutMs: 800 } });
    const { client, code } = await connect(server.port);
    expect(code).toBe(220);
    // Ten bytes a second: an idle timer restarted per byte would never fire.
    dribble(client, 'USER anonymou', 100);
    const reply = await client.reply(10_000);
    expect([reply.code, reply.message]).toEqual([421, 'Timeout: not logged in within 800 ms; closing control connection.']);
    expect(await client.closedByServer()).toBe(true);
  });

  it('whole command lines before login do not extend it either; after login, the idle time applies', async () => {
    server = await serve({ limits: { preLoginTimeoutMs: 1500, idleTimeoutMs: 60_000 } });
    const { client } = await connect(server.port);
    const started = Date.now();
    let noops = 0;
    let ended: 'by the server' | 'still open at our bound' = 'still open at our bound';
    // Bounded at 10 s (the deadline is 1.5 s): a NOOP every 100 ms would keep an idle timer alive.
    while (Date.now() - started < 10_000) {
      const reply = await client.command('NOOP').catch(() => undefined);
      if (reply?.code !== 200) {
        ended = 'by the server';
        break;
      }
      noops += 1;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(noops).toBeGreaterThan(0);
    expect(ended).toBe('by the server');
    expect(await client.closedByServer()).toBe(true);
    // A session that logs in in time stays, past the pre-login deadline.
    const { client: user } = await connect(server.port);
    await user.login();
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect((await user.command('NOOP')).code).toBe(200);
  });
});

describe('after login, only whole lines are activity', () => {
  it('a logged-in client dribbling bytes that never end a line is closed at the idle time', async () => {
    server = await serve({ limits: { idleTimeoutMs: 800 } });
    const { client } = await connect(server.port);
    await client.login();
    dribble(client, 'NOO', 100);
    const reply = await client.reply(10_000);
    expect([reply.code, reply.message]).toEqual([421, 'Timeout; closing control connection.']);
    expect(await client.closedByServer()).toBe(true);
  });
});

describe('idle pre-login sessions cannot lock others out', () => {
  it('a full server of dribbling pre-login sessions from other addresses: a newcomer gets in, the oldest of the largest share goes', async () => {
    // A scaled-down "200 dribbling clients": 6 slots, held by two addresses.
    server = await serve({ limits: { maxSessions: 6, maxSessionsPerIp: 6, preLoginTimeoutMs: 60_000 } });
    const hogs: RawClient[] = [];
    for (const address of ['127.0.0.2', '127.0.0.2', '127.0.0.2', '127.0.0.2', '127.0.0.3', '127.0.0.3']) {
      const { client, code } = await connect(server.port, address);
      expect(code).toBe(220);
      dribble(client, 'USER x', 200);
      hogs.push(client);
    }
    const { client: newcomer, code } = await connect(server.port, '127.0.0.1');
    expect(code).toBe(220);
    await newcomer.login();
    // The evicted one: the first session of 127.0.0.2, which held the most.
    const evicted = await hogs[0]!.reply();
    expect(evicted.code).toBe(421);
    expect(await hogs[0]!.closedByServer()).toBe(true);
    expect(hogs.slice(1).every((hog) => !hog.closed)).toBe(true);
    expect(server.logs.some((entry) => entry.event === 'evicted')).toBe(true);
    // An address whose share is already the largest cannot take more; a smaller one can.
    expect((await connect(server.port, '127.0.0.2')).code).toBe(421);
    expect((await connect(server.port, '127.0.0.3')).code).toBe(220);
    expect((await hogs[1]!.reply()).code).toBe(421);
  });

  it('a logged-in session is never evicted: a server full of them refuses the newcomer', async () => {
    server = await serve({ limits: { maxSessions: 2, maxSessionsPerIp: 2 } });
    for (const address of ['127.0.0.2', '127.0.0.3']) await (await connect(server.port, address)).client.login();
    const { code } = await connect(server.port, '127.0.0.1');
    expect(code).toBe(421);
  });

  it('per-address cap on sessions that have not logged in; logged-in ones do not count', async () => {
    server = await serve({ limits: { maxPreLoginSessionsPerIp: 2, maxSessionsPerIp: 10 } });
    const first = await connect(server.port);
    await connect(server.port);
    const refused = await connect(server.port);
    expect(refused.code).toBe(421);
    await first.client.login();
    expect((await connect(server.port)).code).toBe(220);
    expect((await connect(server.port, '127.0.0.2')).code).toBe(220);
  });
});
