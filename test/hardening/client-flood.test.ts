/**
 * A hostile server that floods the control connection with replies nobody asked for must not be
 * able to grow the client's memory without bound: after a fixed number of stray replies the
 * control connection counts as lost (desynchronized), and the transcript per session is capped.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { openSession, Recorder, runDataChannel, UNSOLICITED_REPLY_LIMIT } from '../../src/client/index.js';
import { TRANSCRIPT_LINES_PER_SESSION } from '../../src/client/recorder.js';
import { realNetwork } from '../../src/net/real.js';
import { acceptLogin, pasvReply, startFake, type FakeServer } from '../client/fake-ftp.js';
import { pause } from './helpers.js';

let fake: FakeServer | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const FLOOD_LIMIT_MS = 10_000;

describe('a control connection flooded with stray replies', () => {
  it('ends as desynchronized, with a bounded transcript and little memory growth', async () => {
    let linesWritten = 0;
    fake = await startFake(async (connection) => {
      connection.send('220 fake\r\n');
      await acceptLogin(connection);
      await connection.command();
      const data = await connection.dataListener();
      connection.send(pasvReply(data.port));
      await connection.command();
      await data.accepted;
      connection.send('150 Here it comes.\r\n');
      // Stray final replies as fast as the socket takes them, until the client gives up (bounded in time).
      const batch = '200 stray\r\n'.repeat(1000);
      const started = Date.now();
      while (!connection.socket.destroyed && Date.now() - started < FLOOD_LIMIT_MS) {
        if (!connection.socket.write(batch)) await Promise.race([new Promise((resolve) => connection.socket.once('drain', resolve)), pause(50)]);
        else await new Promise((resolve) => setImmediate(resolve));
        linesWritten += 1000;
      }
    });

    const before = process.memoryUsage().rss;
    const recorder = new Recorder();
    const opened = await openSession({ network: realNetwork, recorder, session: 'flood', host: fake.host, port: fake.port, tlsHost: fake.host, tls: 'none', user: 'u', password: 'p', connectTimeoutMs: 1000, replyTimeoutMs: 1000, strictTls: false, protectData: false });
    const control = opened.control;
    if (!control) throw new Error('login failed in the fake');
    try {
      const attempt = await runDataChannel({ control, network: realNetwork, mode: 'pasv', addressPolicy: 'control-peer', dataTimeoutMs: 1000, replyTimeoutMs: 1000, transfer: { verb: 'LIST' }, maxDataBytes: 1 << 20 });
      const growthMiB = (process.memoryUsage().rss - before) / (1024 * 1024);

      expect(control.lostReason?.kind).toBe('desynchronized');
      expect(control.unsolicited.length).toBeLessThanOrEqual(UNSOLICITED_REPLY_LIMIT);
      // The loss is evidence: in the transcript and in the transfer's error.
      expect(recorder.transcript.some((line) => /desynchronized|unsolicited replies/.test(line.text) && line.direction === '*')).toBe(true);
      expect(attempt.transfer.outcome).not.toBe('complete');
      expect(attempt.transfer.error ?? '').toMatch(/unsolicited replies/);
      expect(recorder.transcript.length).toBeLessThanOrEqual(TRANSCRIPT_LINES_PER_SESSION + 1);
      expect(growthMiB).toBeLessThan(100);
      // The server really did flood us: the limit, not a quiet server, is what kept things small.
      expect(linesWritten).toBeGreaterThan(UNSOLICITED_REPLY_LIMIT);
    } finally {
      control.destroy();
    }
  }, 30_000);
});
