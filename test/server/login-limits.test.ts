/**
 * Failed logins are limited per client address across sessions (login-throttle.ts): reconnecting,
 * or guessing from many sessions in parallel, buys no more guesses than one session would, and
 * one address guessing never slows another address's login.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../hardening/helpers.js';
import { RawClient, serve, type TestServer } from './helpers.js';

let server: TestServer | undefined;
const clients: RawClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await server?.close();
  server = undefined;
});

const USERS = [{ name: 'alice', password: 'right' }];

async function open(port: number, localAddress = '127.0.0.1'): Promise<RawClient | undefined> {
  const client = await RawClient.connect(port, { localAddress }).catch(() => undefined);
  if (!client) return undefined;
  clients.push(client);
  const greeting = await client.reply().catch(() => undefined);
  return greeting?.code === 220 ? client : undefined;
}

const failedChecks = (logs: TestServer['logs']) => logs.filter((entry) => entry.event === 'login' && entry.message.startsWith('failed login')).length;

describe('failed logins per address, across sessions', () => {
  it('32 parallel sessions reconnecting for 3 s: at most maxLoginFailuresPerIp guesses in all, then 421', async () => {
    server = await serve({ anonymous: false, users: USERS, limits: { loginFailureDelayMs: 20, maxLoginFailures: 3, maxLoginFailuresPerIp: 6, maxSessionsPerIp: 64 } });
    const port = server.port;
    const codes: number[] = [];
    const deadline = Date.now() + 3000;
    const guesser = async (index: number): Promise<void> => {
      // Bounded: at most 20 connections per guesser, and the 3 s.
      for (let round = 0; round < 20 && Date.now() < deadline; round += 1) {
        const control = await open(port);
        if (!control) continue;
        try {
          for (let attempt = 0; attempt < 5 && Date.now() < deadline; attempt += 1) {
            if ((await control.command('USER alice')).code !== 331) break;
            const reply = await control.command(`PASS guess-${index}-${round}-${attempt}`);
            codes.push(reply.code);
            if (reply.code !== 530) break;
          }
        } catch {
          // Closed by the server: reconnect.
        } finally {
          control.close();
        }
      }
    };
    await Promise.all(Array.from({ length: 32 }, (_, index) => guesser(index)));
    const answered530 = codes.filter((code) => code === 530).length;
    // Before: 224 answers of 530 in 10 s from one address. Now at most 5 (the 6th failure closes with 421).
    expect(failedChecks(server.logs)).toBeLessThanOrEqual(6);
    expect(answered530).toBeLessThanOrEqual(5);
    expect(codes.filter((code) => code === 421).length).toBeGreaterThan(0);
    // The address is locked out: even the right password gets 421 now, without being checked.
    const same = await open(port);
    expect(same).toBeDefined();
    expect((await same!.command('USER alice')).code).toBe(331);
    expect((await same!.command('PASS right')).code).toBe(421);
    // Another address is not.
    const other = await open(port, '127.0.0.2');
    await other!.login('alice', 'right');
  });

  it('guesses queue behind each other (one check per address at a time); another address logs in meanwhile', async () => {
    // 8 parallel guesses with doubling delays from 200 ms: the last would be answered after ~16 s.
    server = await serve({ anonymous: false, users: USERS, limits: { loginFailureDelayMs: 200, maxLoginFailuresPerIp: 100, maxSessionsPerIp: 40 } });
    const port = server.port;
    let answered = 0;
    const guessers = await Promise.all(Array.from({ length: 8 }, () => open(port)));
    for (const [index, control] of guessers.entries()) {
      expect((await control!.command('USER alice')).code).toBe(331);
      void control!
        .command(`PASS guess-${index}`)
        .then(() => (answered += 1))
        .catch(() => undefined);
    }
    // One check at a time: when the first guess is answered, at most the second has been checked
    // (each session checking on its own would have logged all 8 failures at once).
    expect(await eventually(() => answered >= 1, 10_000, 5)).toBe(true);
    expect(failedChecks(server.logs)).toBeLessThanOrEqual(2);
    const other = await open(port, '127.0.0.2');
    await other!.login('alice', 'right');
    // The other address did not wait for the queue: most guesses are still unanswered.
    expect(answered).toBeLessThan(8);
  }, 60_000);
});
