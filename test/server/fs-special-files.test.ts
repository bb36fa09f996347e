/**
 * A FIFO in the root must not wedge the server. Opening a FIFO for reading blocks until a writer
 * comes, and Node runs file-system calls on a pool of four threads: four `RETR pipe` used to take
 * all four, after which every session's SIZE, CWD and LIST waited for ever. Only regular files and
 * directories are served; the type is checked without blocking and the FIFO refused with 550.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, constants, openSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { passivePort, RawClient, readData, serve, type TestServer } from './helpers.js';

const hasMkfifo = spawnSync('sh', ['-c', 'command -v mkfifo']).status === 0;
const SKIP = hasMkfifo ? '' : '(skipped: needs mkfifo from coreutils)';
if (!hasMkfifo) console.warn(`fs-special-files.test.ts ${SKIP}`);

let root: string;
let fifo: string;
let server: TestServer | undefined;
const clients: RawClient[] = [];

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'ftp-doctor-fifo-'));
  fifo = path.join(root, 'pipe');
  await writeFile(path.join(root, 'inside.txt'), 'inside');
  await mkdir(path.join(root, 'dir'));
  if (hasMkfifo) expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
});

/** Release any thread still blocked opening the FIFO (only a broken server has one). */
function unblockFifo(): void {
  for (let attempt = 0; attempt < 8; attempt += 1) {
    try {
      closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK));
    } catch {
      return; // ENXIO: nobody is waiting to read
    }
  }
}

afterEach(async () => {
  if (hasMkfifo) unblockFifo();
  for (const client of clients.splice(0)) client.close();
  await server?.close();
  server = undefined;
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function login(port: number): Promise<RawClient> {
  const client = await RawClient.open(port);
  clients.push(client);
  await client.login();
  return client;
}

describe('special files in the root', () => {
  it.skipIf(!hasMkfifo)(`four sessions RETR a FIFO: each gets 550 and another session's SIZE, CWD and LIST still answer ${SKIP}`, async () => {
    server = await serve({ root, writable: true });
    const port = server.port;
    const readers = await Promise.all([0, 1, 2, 3].map(() => login(port)));
    // Each asks for the FIFO on a prepared data connection, as a client would.
    const answers = readers.map(async (client) => {
      passivePort(await client.command('EPSV'));
      return client.command('RETR pipe');
    });
    const other = await login(port);
    // Generous limits: the point is that an answer comes at all, not how fast.
    expect((await other.command('SIZE inside.txt')).code).toBe(213);
    expect((await other.command('CWD dir')).code).toBe(250);
    expect((await other.command('CWD /')).code).toBe(250);
    const listPort = passivePort(await other.command('EPSV'));
    const listing = readData(listPort);
    expect((await other.command('LIST')).code).toBe(150);
    expect((await other.reply()).code).toBe(226);
    const names = (await listing).toString('utf8');
    expect(names).toContain('inside.txt');
    // A FIFO is not served, so it is not listed either.
    expect(names).not.toMatch(/\bpipe\b/);
    for (const answer of await Promise.all(answers)) {
      expect(answer.code).toBe(550);
      expect(answer.message).toMatch(/not a regular file/i);
    }
  });

  it.skipIf(!hasMkfifo)(`SIZE, MDTM, CWD, MLST, APPE and RNFR on a FIFO answer at once; DELE removes it ${SKIP}`, async () => {
    server = await serve({ root, writable: true });
    const client = await login(server.port);
    for (const line of ['SIZE pipe', 'MDTM pipe', 'CWD pipe', 'MLST pipe', 'RNFR pipe']) {
      const reply = await client.command(line);
      expect(reply.code, line).toBe(550);
    }
    passivePort(await client.command('EPSV'));
    expect((await client.command('APPE pipe')).code).toBe(550);
    expect((await client.command('ABOR')).code).toBe(225);
    // Removing it is fine: unlink never opens it.
    expect((await client.command('DELE pipe')).code).toBe(250);
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
  });
});
