/**
 * The probe's progress line: its wording, the network watch it is built from, and when it shows —
 * only on a TTY, never with --json, never when stderr is piped (in-process with a fake stream and
 * end to end through the real CLI against a silent server on loopback).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection, ConnectRequest, Network } from '../../src/net/network.js';
import { abortError } from '../../src/net/network.js';
import { probeCommandMain, type ProbeArguments } from '../../src/cli/probe.js';
import { probeProgressText, watchNetwork, type Activity } from '../../src/cli/progress.js';

describe('probeProgressText', () => {
  const started = 1_000;
  const cases: [string, Activity | undefined, number, string][] = [
    ['nothing under way yet', undefined, 1_400, 'starting (0.4 s in all)'],
    ['a filtered control port', { kind: 'control-connect', endpoint: '192.0.2.7:21', since: 1_000 }, 9_050, 'connecting to the control port 192.0.2.7:21, 8.1 s (8.1 s in all)'],
    ['a dropped data channel', { kind: 'data-connect', endpoint: '192.0.2.7:40006', since: 4_000 }, 7_200, 'passive mode: connecting to the data port 192.0.2.7:40006, 3.2 s (6.2 s in all)'],
    ['a transfer', { kind: 'data', endpoint: '192.0.2.7:40006', since: 4_000 }, 4_500, 'passive mode: data transfer from 192.0.2.7:40006, 0.5 s (3.5 s in all)'],
    ['active mode', { kind: 'listen', endpoint: '0.0.0.0:45001', since: 2_000 }, 3_000, 'active mode: waiting for the server to connect to 0.0.0.0:45001, 1.0 s (2.0 s in all)'],
    ['the control session', { kind: 'control', endpoint: '[::1]:21', since: 1_000 }, 1_000, 'control session with [::1]:21, 0.0 s (0.0 s in all)'],
  ];
  it.each(cases)('%s', (_name, activity, now, text) => {
    expect(probeProgressText(activity, now, started)).toBe(text);
  });
});

/** A network whose connects wait for the test to settle them (or for the caller's abort). */
function manualNetwork() {
  const pending: { request: ConnectRequest; resolve: (connection: Connection) => void }[] = [];
  let accept: ((connection: Connection) => void) | undefined;
  const network: Network = {
    name: 'manual',
    connect: (request) =>
      new Promise((resolve, reject) => {
        pending.push({ request, resolve });
        request.signal?.addEventListener('abort', () => reject(abortError()), { once: true });
      }),
    listen: async (request, onConnection) => {
      accept = onConnection;
      return { host: request.host, port: 45001, close: async () => {} };
    },
  };
  return { network, pending, accept: (connection: Connection) => accept?.(connection) };
}

const streamFrom = (remotePort: number): Connection => Object.assign(new PassThrough(), { remoteAddress: '192.0.2.7', remotePort });

describe('watchNetwork', () => {
  it('follows connects, sessions and listeners as they start and end', async () => {
    const manual = manualNetwork();
    const watched = watchNetwork(manual.network, 21, () => 0);
    expect(watched.current()).toBeUndefined();

    const control = watched.network.connect({ host: '192.0.2.7', port: 21 });
    expect(watched.current()).toMatchObject({ kind: 'control-connect', endpoint: '192.0.2.7:21' });
    const controlStream = streamFrom(21);
    manual.pending[0]?.resolve(controlStream);
    await control;
    expect(watched.current()).toMatchObject({ kind: 'control' });

    const data = watched.network.connect({ host: '192.0.2.7', port: 40006 });
    expect(watched.current()).toMatchObject({ kind: 'data-connect', endpoint: '192.0.2.7:40006' });
    const dataStream = streamFrom(40006);
    manual.pending[1]?.resolve(dataStream);
    await data;
    expect(watched.current()).toMatchObject({ kind: 'data' });
    dataStream.destroy();
    await new Promise((resolve) => dataStream.once('close', resolve));
    expect(watched.current()).toMatchObject({ kind: 'control' });

    const listener = await watched.network.listen({ host: '0.0.0.0', port: 0 }, () => {});
    expect(watched.current()).toMatchObject({ kind: 'listen', endpoint: '0.0.0.0:45001' });
    manual.accept(streamFrom(20));
    expect(watched.current()).toMatchObject({ kind: 'active-data', endpoint: '192.0.2.7:20' });
    await listener.close();

    controlStream.destroy();
  });

  it('a connect that is aborted (a drop hitting its deadline) falls away', async () => {
    const manual = manualNetwork();
    const watched = watchNetwork(manual.network, 21);
    const abort = new AbortController();
    const connecting = watched.network.connect({ host: '192.0.2.7', port: 21, signal: abort.signal });
    abort.abort();
    await expect(connecting).rejects.toThrow(/aborted/);
    expect(watched.current()).toBeUndefined();
  });
});

/** A stream that records what is written to it; isTTY as the test says. */
function fakeStream(isTTY: boolean): { stream: NodeJS.WriteStream; written: string[] } {
  const written: string[] = [];
  const stream = { isTTY, columns: 120, write: (chunk: string) => written.push(chunk) > 0 } as unknown as NodeJS.WriteStream;
  return { stream, written };
}

function args(more: Partial<ProbeArguments> = {}): ProbeArguments {
  return { url: 'ftp://192.0.2.7/', modes: 'epsv,pasv', samples: 0, connectTimeout: 1500, dataTimeout: 1500, useAdvertisedAddress: false, strictTls: false, ccc: false, json: false, ...more };
}

/** Control connects drop for 1.5 s (the connect timeout): longer than the progress line's 1 s delay. */
async function droppedRun(isTTY: boolean, json: boolean): Promise<string> {
  const { stream, written } = fakeStream(isTTY);
  const code = await probeCommandMain(args({ json }), { network: manualNetwork().network, env: {}, progressStream: stream, emit: async () => {} });
  expect(code).toBe(1);
  return written.join('');
}

describe('when the progress line shows', () => {
  it('on a TTY: the hanging step and its elapsed time, cleared at the end', { timeout: 20_000 }, async () => {
    const text = await droppedRun(true, false);
    expect(text).toContain('probe: connecting to the control port 192.0.2.7:21, 1.');
    expect(text.endsWith('\r\x1b[2K')).toBe(true);
  });

  it('not when stderr is not a TTY', { timeout: 20_000 }, async () => {
    expect(await droppedRun(false, false)).toBe('');
  });

  it('never with --json, even on a TTY', { timeout: 20_000 }, async () => {
    expect(await droppedRun(true, true)).toBe('');
  });
});

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');
const TSX = path.join(ROOT, 'node_modules/.bin/tsx');
const SCRIPT = ['/usr/bin/script', '/bin/script'].find((candidate) => existsSync(candidate));

describe('through the real CLI', () => {
  // Accepts and never greets: the probe waits out its 1.5 s reply deadline on the control port.
  let silent: net.Server;
  const held: net.Socket[] = [];
  beforeAll(async () => {
    silent = net.createServer((socket) => held.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    for (const socket of held) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
  });
  const probeArgs = (): string[] => {
    const port = (silent.address() as net.AddressInfo).port;
    return ['src/cli/main.ts', 'probe', `ftp://127.0.0.1:${port}/`, '--report-dir', 'none', '--connect-timeout', '1500', '--data-timeout', '1500'];
  };
  const env = (): NodeJS.ProcessEnv => ({ ...process.env, TERM: 'xterm-256color', NO_COLOR: '1' });

  it('piped stderr: no progress line', { timeout: 60_000 }, async () => {
    const result = await run(TSX, probeArgs(), { cwd: ROOT, env: env(), timeout: 60_000, encoding: 'utf8' }).catch((error: { stdout: string; stderr: string }) => error);
    expect(result.stdout).toContain('Probe ftp://127.0.0.1');
    expect(result.stderr).not.toContain('probe: ');
    expect(result.stderr).not.toContain('\r');
  });

  it.skipIf(!SCRIPT)(`on a terminal: the progress line names the waiting step${SCRIPT ? '' : ' (skipped: util-linux `script` is not installed, no pseudo-terminal)'}`, { timeout: 60_000 }, async () => {
    const quote = (text: string): string => `'${text.replace(/'/g, `'\\''`)}'`;
    const command = [TSX, ...probeArgs()].map(quote).join(' ');
    const result = await run(SCRIPT as string, ['-qec', command, '/dev/null'], { cwd: ROOT, env: env(), timeout: 60_000, encoding: 'utf8' }).catch(
      (error: { stdout: string }) => error,
    );
    expect(result.stdout).toMatch(/probe: control session with 127\.0\.0\.1:\d+, 1\.\d s/);
  });
});
