/**
 * Active mode against a hostile server: it dials our listener, then refuses PORT (or never answers
 * it) and holds its connection open. The client must drop what it accepted and close its listener
 * without waiting for the server's goodwill; it used to hang forever in listener.close().
 */
import { afterEach, describe, expect, it } from 'vitest';
import net from 'node:net';
import { openSession, Recorder, runDataChannel } from '../../src/client/index.js';
import type { DataAttempt } from '../../src/evidence/model.js';
import { acceptLogin, startFake, type FakeConnection, type FakeServer } from '../client/fake-ftp.js';
import { countingNetwork, eventually, pause } from './helpers.js';

let fake: FakeServer | undefined;
const held: net.Socket[] = [];
afterEach(async () => {
  for (const socket of held.splice(0)) socket.destroy();
  await fake?.close();
  fake = undefined;
});

/** Answer PORT by dialling the address in it, then `answer` (undefined: never answer); the dialled socket is held open. */
function connectsBackThen(answer: string | undefined, dialled: { closedByClient: boolean }): Promise<FakeServer> {
  return startFake(async (connection: FakeConnection) => {
    connection.send('220 fake\r\n');
    await acceptLogin(connection);
    const command = await connection.command();
    const numbers = command.replace(/^PORT /, '').split(',').map(Number);
    const port = (numbers[4] ?? 0) * 256 + (numbers[5] ?? 0);
    const socket = net.connect({ host: '127.0.0.1', port });
    held.push(socket);
    socket.on('error', () => {});
    socket.on('close', () => (dialled.closedByClient = true));
    await new Promise((resolve) => socket.once('connect', resolve));
    await pause(50);
    if (answer) connection.send(answer);
    // Keep the control connection and the data socket open: only the client can end this.
    await connection.command(5000).catch(() => undefined);
  });
}

/** Runs the client's PORT attempt; resolves undefined when it has not finished within `limitMs` (a hang). */
async function runPort(server: FakeServer, network: ReturnType<typeof countingNetwork>, limitMs: number): Promise<DataAttempt | undefined> {
  const opened = await openSession({ network, recorder: new Recorder(), session: 'port', host: server.host, port: server.port, tlsHost: server.host, tls: 'none', user: 'u', password: 'p', connectTimeoutMs: 1000, replyTimeoutMs: 1000, strictTls: false, protectData: false });
  const control = opened.control;
  if (!control) throw new Error('login failed in the fake');
  let timer: NodeJS.Timeout | undefined;
  try {
    const run = runDataChannel({ control, network, mode: 'port', addressPolicy: 'control-peer', dataTimeoutMs: 1000, replyTimeoutMs: 300, transfer: { verb: 'LIST' }, maxDataBytes: 1 << 20 });
    return await Promise.race([run, new Promise<undefined>((resolve) => (timer = setTimeout(resolve, limitMs, undefined)))]);
  } finally {
    clearTimeout(timer);
    control.destroy();
  }
}

describe('active mode: the server connects back, then fails the PORT command', () => {
  it('a 500 after connecting back: the client drops the connection and closes its listener', async () => {
    const dialled = { closedByClient: false };
    fake = await connectsBackThen('500 PORT refused after all.\r\n', dialled);
    const network = countingNetwork();
    const attempt = await runPort(fake, network, 8000);
    expect(attempt, 'the PORT attempt hung').toBeDefined();
    expect(attempt?.modeReply?.code).toBe(500);
    expect(attempt?.transfer.outcome).toBe('not-started');
    expect(network.open.size).toBe(0);
    expect(await eventually(() => dialled.closedByClient, 2000)).toBe(true);
  }, 20_000);

  it('no answer to PORT after connecting back: the reply deadline ends it, nothing is left open', async () => {
    const dialled = { closedByClient: false };
    fake = await connectsBackThen(undefined, dialled);
    const network = countingNetwork();
    const attempt = await runPort(fake, network, 8000);
    expect(attempt, 'the PORT attempt hung').toBeDefined();
    expect(attempt?.transfer.error).toMatch(/reply to PORT: no answer within 300 ms/);
    expect(network.open.size).toBe(0);
    expect(await eventually(() => dialled.closedByClient, 2000)).toBe(true);
  }, 20_000);
});
