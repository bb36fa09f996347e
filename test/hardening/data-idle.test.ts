/**
 * A transfer that stops moving must not hold its session forever: after the data idle deadline
 * the server aborts it with 426, keeps no partial upload, and the session stays usable.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, passivePort, serve, type TestServer } from '../server/helpers.js';
import { eventually } from './helpers.js';

let root: string;
let server: TestServer;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'fd-idle-'));
  server = await serve({ root, writable: true, limits: { dataIdleTimeoutMs: 300 } });
});

afterAll(async () => {
  await server.close();
  await rm(root, { recursive: true, force: true });
});

describe('data idle deadline', () => {
  it('a stalled upload is aborted with 426, leaves no file, and the session goes on', async () => {
    const control = await RawClient.open(server.port);
    await control.command('USER anonymous');
    expect((await control.command('PASS x')).code).toBe(230);
    const port = passivePort(await control.command('EPSV'));
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.on('error', () => {});
    await new Promise((resolve) => socket.once('connect', resolve));
    expect((await control.command('STOR stalled.bin')).code).toBe(150);
    socket.write(Buffer.alloc(4096, 1));
    const final = await control.reply(5_000);
    expect(final.code).toBe(426);
    expect(final.message).toMatch(/stalled/);
    expect(await readdir(root)).not.toContain('stalled.bin');
    expect((await control.command('NOOP')).code).toBe(200);
    socket.destroy();
    control.close();
  });

  it('a transfer that keeps moving is not cut by the deadline', async () => {
    // Its own server with an 800 ms deadline: the gaps (100 ms) stay far inside it even when a
    // loaded machine stalls a timer for a few hundred ms, and the transfer (1.2 s) outlasts it.
    const moving = await serve({ root, writable: true, limits: { dataIdleTimeoutMs: 800 } });
    try {
      await keepsMoving(moving);
    } finally {
      await moving.close();
    }
  });
});

async function keepsMoving(moving: TestServer): Promise<void> {
  const control = await RawClient.open(moving.port);
  await control.command('USER anonymous');
  await control.command('PASS x');
  const port = passivePort(await control.command('EPSV'));
  const socket = net.connect({ host: '127.0.0.1', port });
  await new Promise((resolve) => socket.once('connect', resolve));
  expect((await control.command('STOR slow.bin')).code).toBe(150);
  // 12 chunks 100 ms apart: 1.2 s in all, past the deadline, never idle for long.
  for (let index = 0; index < 12; index += 1) {
    socket.write(Buffer.alloc(1024, index));
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  socket.end();
  expect((await control.reply(5_000)).code).toBe(226);
  expect(await eventually(async () => (await readdir(root)).includes('slow.bin'))).toBe(true);
  control.close();
}
