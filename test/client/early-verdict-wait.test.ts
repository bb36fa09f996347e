/**
 * The early "dropped" verdict on real loopback sockets: a data SYN nobody answers (a Network whose
 * data connects never settle, as a silent drop looks to the caller) and an active-mode server that
 * never dials are called dropped after one SYN retransmission plus a few round trips, not after
 * the data timeout; a slow or variable control path waits the full data timeout instead.
 */
import { afterEach, describe, expect, it } from 'vitest';
import net from 'node:net';
import type { Network } from '../../src/net/network.js';
import { DeadlineError, withDeadline, withVerdictDeadline } from '../../src/client/deadline.js';
import { realNetwork } from '../../src/net/real.js';
import { openSession, Recorder, runDataChannel } from '../../src/client/index.js';
import { FIRST_SYN_RETRANSMISSION_MS } from '../../src/client/early-verdict.js';
import type { DataMode } from '../../src/report/model.js';
import { pasvReply, startFake, type FakeConnection, type FakeServer } from './fake-ftp.js';

let fake: FakeServer | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const DATA_TIMEOUT_MS = 2500;

/**
 * Loopback where data connects are silently dropped (they stay pending until aborted), and the
 * control connect takes `controlConnectDelayMs` longer (a slow path's round trip).
 */
function droppingData(controlPort: () => number, controlConnectDelayMs = 0): Network {
  return {
    name: 'drop-data',
    connect: async (request) => {
      if (request.port === controlPort()) {
        const connection = await realNetwork.connect(request);
        if (controlConnectDelayMs > 0) await pause(controlConnectDelayMs);
        return connection;
      }
      return new Promise((_, reject) => request.signal?.addEventListener('abort', () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' })), { once: true }));
    },
    listen: (request, handler) => realNetwork.listen(request, handler),
  };
}

/** Greets and logs in, each reply `replyDelayMs` late (or per reply, by index), then runs `script`. */
async function server(replyDelays: (index: number) => number, script: (connection: FakeConnection, reply: (text: string) => Promise<void>) => Promise<void>): Promise<FakeServer> {
  return startFake(async (connection) => {
    let index = 0;
    const reply = async (text: string): Promise<void> => {
      await pause(replyDelays(index++));
      connection.send(text);
    };
    await reply('220 fake\r\n');
    await connection.command();
    await reply('331 Password please.\r\n');
    await connection.command();
    await reply('230 Logged in.\r\n');
    await script(connection, reply);
  });
}

async function run(mode: DataMode, network: Network, earlyVerdict?: boolean) {
  if (!fake) throw new Error('no fake server');
  const recorder = new Recorder();
  const opened = await openSession({ network, recorder, session: mode, host: fake.host, port: fake.port, tlsHost: fake.host, tls: 'none', user: 'u', password: 'p', connectTimeoutMs: 3000, replyTimeoutMs: 3000, strictTls: false, protectData: false });
  const control = opened.control;
  if (!control) throw new Error('login failed in the fake');
  try {
    const attempt = await runDataChannel({ control, network, mode, addressPolicy: 'control-peer', dataTimeoutMs: DATA_TIMEOUT_MS, replyTimeoutMs: 3000, transfer: { verb: 'LIST' }, maxDataBytes: 1 << 20, ...(earlyVerdict === false ? { earlyVerdict } : {}) });
    return { attempt, recorder };
  } finally {
    control.destroy();
  }
}

/**
 * run(), again (at most 3 runs) while the early verdict was held for "a variable path": on a
 * heavily loaded machine our own event loop can make the control replies' latency jump, and the
 * probe then rightly waits the full timeout. That is the test machine, not what is tested here.
 */
async function runOnSteadyPath(...args: Parameters<typeof run>): ReturnType<typeof run> {
  let result = await run(...args);
  for (let retry = 0; retry < 2 && /^a variable path/.test(result.attempt.earlyDrop?.heldBecause ?? ''); retry += 1) result = await run(...args);
  return result;
}

/** PASV answered with a real listener the client's network will never reach. */
async function passiveScript(connection: FakeConnection, reply: (text: string) => Promise<void>): Promise<void> {
  await connection.command();
  const data = await connection.dataListener();
  await reply(pasvReply(data.port));
  await connection.command(DATA_TIMEOUT_MS + 2000).catch(() => undefined);
}

describe('early "dropped" verdict on the data connection', () => {
  it('passive: calls a data SYN with no answer dropped after one retransmission plus a few round trips, and says so', async () => {
    fake = await server(() => 0, passiveScript);
    const { attempt, recorder } = await runOnSteadyPath('pasv', droppingData(() => fake?.port ?? 0));
    expect(attempt.connect?.outcome).toBe('timeout');
    const decided = attempt.earlyDrop?.decidedEarlyAtMs ?? Number.NaN;
    expect(decided).toBeGreaterThan(FIRST_SYN_RETRANSMISSION_MS);
    expect(decided).toBeLessThan(DATA_TIMEOUT_MS);
    expect(attempt.earlyDrop).toMatchObject({ dataTimeoutMs: DATA_TIMEOUT_MS, rttMs: expect.any(Number) });
    expect(attempt.earlyDrop?.heldBecause).toBeUndefined();
    // The wait ended at the early decision, not at the data timeout.
    expect(attempt.connect?.durationMs).toBeLessThan(DATA_TIMEOUT_MS);
    const event = recorder.transcript.find((entry) => /data connect to .* failed: timeout/.test(entry.text));
    expect(event?.text).toMatch(/no answer within 1\.\d+ s \(RTT [\d.]+ ms, one SYN retransmission\); the data timeout is 2.5 s$/);
  });

  it('active: calls a server connection that never arrives dropped early, and does not wait out the unanswered LIST', async () => {
    fake = await server(() => 0, async (connection, reply) => {
      expect(await connection.command()).toMatch(/^PORT /);
      await reply('200 PORT ok.\r\n');
      // LIST: the server "dials" into a firewall that drops it, and says nothing meanwhile.
      await connection.command(DATA_TIMEOUT_MS + 2000).catch(() => undefined);
    });
    const { attempt } = await runOnSteadyPath('port', realNetwork);
    expect(attempt.inbound).toMatchObject({ arrived: false });
    expect(attempt.earlyDrop?.decidedEarlyAtMs).toBeLessThan(DATA_TIMEOUT_MS);
    expect(attempt.inbound?.waitedMs).toBeLessThan(DATA_TIMEOUT_MS);
    expect(attempt.transfer).toMatchObject({ outcome: 'not-started', error: 'no reply to LIST before the early verdict on the data connection' });
  });

  it('a slow path (control round trip above 100 ms) waits the full data timeout and says why', async () => {
    fake = await server(() => 150, passiveScript);
    const { attempt } = await run('pasv', droppingData(() => fake?.port ?? 0, 150));
    expect(attempt.connect?.outcome).toBe('timeout');
    expect(attempt.connect?.durationMs).toBeGreaterThanOrEqual(DATA_TIMEOUT_MS - 5);
    expect(attempt.earlyDrop?.decidedEarlyAtMs).toBeUndefined();
    expect(attempt.earlyDrop?.heldBecause).toMatch(/^a slow path: RTT 1\d\d(\.\d)? ms, above 100 ms$/);
  });

  it('a variable path (one control reply a retransmission timeout late) waits the full data timeout', async () => {
    // The 331 to USER comes 300 ms late: a lost segment or a loaded server.
    fake = await server((index) => (index === 1 ? 300 : 0), passiveScript);
    const { attempt } = await run('pasv', droppingData(() => fake?.port ?? 0));
    expect(attempt.connect?.durationMs).toBeGreaterThanOrEqual(DATA_TIMEOUT_MS - 5);
    expect(attempt.earlyDrop?.heldBecause).toMatch(/^a variable path: control round trips from [\d.]+ to 3\d\d(\.\d)? ms/);
  });

  it('--no-early-verdict waits the full data timeout', async () => {
    fake = await server(() => 0, passiveScript);
    const { attempt } = await run('pasv', droppingData(() => fake?.port ?? 0), false);
    expect(attempt.connect?.durationMs).toBeGreaterThanOrEqual(DATA_TIMEOUT_MS - 5);
    expect(attempt.earlyDrop).toMatchObject({ heldBecause: 'the early verdict is off (--no-early-verdict)' });
  });
});

describe('a verdict deadline on a stalled event loop', () => {
  it('lets a connection that is ready when the loop resumes win over the late timer (a plain deadline would call it timed out)', async () => {
    const listener = net.createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    const port = (listener.address() as net.AddressInfo).port;
    const stalledConnect = async (deadline: typeof withDeadline) => {
      const result = deadline('data connect', 50, (signal) => realNetwork.connect({ host: '127.0.0.1', port, signal })).then(
        (connection) => (connection.destroy(), 'connected'),
        // The deadline aborts the connect: either error says the wait ended without a connection.
        (error: unknown) => (error instanceof DeadlineError || (error as Error).name === 'AbortError' ? 'timeout' : `error: ${String(error)}`),
      );
      // Hold the loop well past the deadline before it can even look at the connect (a machine too
      // loaded to run us): when it runs again, the timer and the finished connect are both due.
      const until = Date.now() + 200;
      while (Date.now() < until) {
        // busy
      }
      return result;
    };
    try {
      expect(await stalledConnect(withDeadline)).toBe('timeout');
      expect(await stalledConnect(withVerdictDeadline)).toBe('connected');
    } finally {
      await new Promise((resolve) => listener.close(resolve));
    }
  });
});
