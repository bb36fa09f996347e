/**
 * The path check/use race on a writable root. A local process swaps a directory inside the root
 * (M) with a symlink to a directory outside it (X → outside) as fast as it can, while clients
 * repeat RETR / SIZE / DELE / STOR / APPE / MKD on M/T/...: a server that checks a path and then uses it by
 * name reads, deletes and creates outside files within a few hundred tries. Afterwards nothing
 * outside was read, deleted or created, and the attempts really ran.
 */
import { lstat, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { passivePort, RawClient, readData, serve, type TestServer } from '../server/helpers.js';
import { swapFor, swapUnavailable } from './swap-helper.js';

const SWAP_SECONDS = 3;
const VICTIMS = 3000;

function probeSwap(): string | undefined {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'ftp-doctor-swap-probe-'));
  try {
    mkdirSync(path.join(scratch, 'dir'));
    symlinkSync('/', path.join(scratch, 'link'));
    return swapUnavailable(path.join(scratch, 'dir'), path.join(scratch, 'link'));
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

const unavailable = probeSwap();
const SKIP = unavailable ? `(skipped: ${unavailable})` : '';
if (unavailable) console.warn(`server-race.test.ts ${SKIP}`);

let base: string;
let root: string;
let outside: string;
const SECRET = 'SECRET-OUTSIDE-FILE-CONTENT';

beforeAll(async () => {
  base = await mkdtemp(path.join(os.tmpdir(), 'ftp-doctor-race-'));
  root = path.join(base, 'root');
  outside = path.join(base, 'outside');
  for (const directory of [path.join(root, 'M', 'T'), path.join(outside, 'T')]) await mkdir(directory, { recursive: true });
  await writeFile(path.join(root, 'M', 'T', 'file'), 'inside');
  await writeFile(path.join(outside, 'T', 'file'), SECRET);
  for (let index = 0; index < VICTIMS; index += 1) {
    await writeFile(path.join(root, 'M', 'T', `d${index}`), 'inside victim');
    await writeFile(path.join(outside, 'T', `d${index}`), 'outside victim');
  }
  await symlink(outside, path.join(root, 'X'));
});
afterAll(async () => {
  if (base) await rm(base, { recursive: true, force: true });
});

interface Tally {
  attempts: number;
  succeeded: number;
  escapes: number;
}

/** Repeat `attempt` until `stop()`; each attempt says whether it succeeded and whether it escaped. */
async function repeat(stop: () => boolean, attempt: (index: number) => Promise<{ ok: boolean; escaped?: boolean }>): Promise<Tally> {
  const tally: Tally = { attempts: 0, succeeded: 0, escapes: 0 };
  // Bounded: the swapper runs for SWAP_SECONDS; this cap only guards against a runaway loop.
  for (let index = 0; !stop() && index < 200_000; index += 1) {
    const outcome = await attempt(index);
    tally.attempts += 1;
    if (outcome.ok) tally.succeeded += 1;
    if (outcome.escaped) tally.escapes += 1;
  }
  return tally;
}

async function open(server: TestServer): Promise<RawClient> {
  const client = await RawClient.open(server.port);
  await client.login();
  expect((await client.command('TYPE I')).code).toBe(200);
  return client;
}

/** RETR on a fresh EPSV connection: the final code and the bytes. */
async function retrieve(client: RawClient, name: string): Promise<{ code: number; data: string }> {
  const port = passivePort(await client.command('EPSV'));
  const data = readData(port).catch(() => Buffer.alloc(0));
  const first = await client.command(`RETR ${name}`);
  if (first.code !== 150) {
    expect((await client.command('ABOR')).code).toBe(225);
    await data;
    return { code: first.code, data: '' };
  }
  const final = await client.reply();
  return { code: final.code, data: (await data).toString('latin1') };
}

/** STOR (or APPE) a few bytes on a fresh EPSV connection: the final code. */
async function store(client: RawClient, name: string, verb = 'STOR'): Promise<number> {
  const port = passivePort(await client.command('EPSV'));
  const socket = net.connect({ host: '127.0.0.1', port });
  socket.on('error', () => {});
  await new Promise((resolve) => socket.once('connect', resolve));
  const first = await client.command(`${verb} ${name}`);
  if (first.code !== 150) {
    socket.destroy();
    expect((await client.command('ABOR')).code).toBe(225);
    return first.code;
  }
  socket.end('uploaded');
  return (await client.reply()).code;
}

const exists = (file: string): Promise<boolean> => lstat(file).then(() => true, () => false);

describe('path check/use race against a local directory/symlink swapper', () => {
  it.skipIf(unavailable !== undefined)(`RETR, SIZE, DELE, STOR, APPE and MKD through a swapped directory never reach outside ${SKIP}`, async () => {
    const server = await serve({ root, writable: true, limits: { maxSessionsPerIp: 16 } });
    const clients = await Promise.all([0, 1, 2, 3, 4, 5].map(() => open(server)));
    const [reader, sizer, deleter, storer, appender, maker] = clients as [RawClient, RawClient, RawClient, RawClient, RawClient, RawClient];
    let swapping = true;
    const stop = (): boolean => !swapping;
    try {
      const swaps = swapFor(path.join(root, 'M'), path.join(root, 'X'), SWAP_SECONDS).finally(() => (swapping = false));
      const [retr, size, dele, stor, appe, mkd, count] = await Promise.all([
        repeat(stop, async () => {
          const { code, data } = await retrieve(reader, 'M/T/file');
          return { ok: code === 226, escaped: data.includes('SECRET') };
        }),
        repeat(stop, async () => {
          const reply = await sizer.command('SIZE M/T/file');
          return { ok: reply.code === 213, escaped: reply.code === 213 && reply.message.trim() === String(SECRET.length) };
        }),
        repeat(stop, async (index) => {
          const reply = await deleter.command(`DELE M/T/d${index % VICTIMS}`);
          return { ok: reply.code === 250 };
        }),
        repeat(stop, async (index) => ({ ok: (await store(storer, `M/T/new-a${index}`)) === 226 })),
        repeat(stop, async () => ({ ok: (await store(appender, 'M/T/file', 'APPE')) === 226 })),
        repeat(stop, async (index) => ({ ok: (await maker.command(`MKD M/T/made${index}`)).code === 257 })),
        swaps,
      ]);
      const deletedOutside: string[] = [];
      for (let index = 0; index < VICTIMS; index += 1) {
        if (!(await exists(path.join(outside, 'T', `d${index}`)))) deletedOutside.push(`d${index}`);
      }
      const createdOutside = (await readdir(path.join(outside, 'T'))).filter((name) => !/^d\d+$/.test(name) && name !== 'file');
      const outsideFile = await readFile(path.join(outside, 'T', 'file'), 'utf8');
      const tallies = { retr, size, dele, stor, appe, mkd };
      console.log(`path race: ${count} swaps over ${SWAP_SECONDS} s; ${JSON.stringify(tallies)}; read outside ${retr.escapes + size.escapes}, deleted outside ${deletedOutside.length}, created outside ${createdOutside.length}, outside file changed ${outsideFile !== SECRET}`);
      // The swap really ran and every verb really went through the swapped path.
      expect(count).toBeGreaterThan(1000);
      for (const tally of [retr, size, dele, stor, appe, mkd]) expect(tally.attempts).toBeGreaterThanOrEqual(5);
      expect(retr.escapes, 'RETR read the outside file').toBe(0);
      expect(size.escapes, 'SIZE saw the outside file').toBe(0);
      expect(deletedOutside, 'DELE deleted outside files').toEqual([]);
      expect(createdOutside, 'STOR or MKD created outside entries').toEqual([]);
      expect(outsideFile, 'APPE changed the outside file').toBe(SECRET);
      // The server is still serving after the storm.
      expect((await reader.command('NOOP')).code).toBe(200);
    } finally {
      swapping = false;
      for (const client of clients) client.close();
      await server.close();
    }
  }, 90_000);
});
