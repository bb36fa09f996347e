/**
 * The download fast path (sendBlocks): demo files sent as shared pieces, disk files read into
 * recycled buffers. Every REST offset lands on a different edge (inside a block's stamp, on a
 * block boundary, on a 1 MiB read boundary), and the bytes must match what a plain read gives.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoBytes, demoStream } from '../../src/server/filesystem/demo-content.js';
import { RawClient, passivePort, readData, serve, type TestServer } from './helpers.js';

const SIZE = 3 * 1024 * 1024 + 17;
const OFFSETS = [0, 3, 8, 65_536, 65_536 + 5, 1024 * 1024, 1024 * 1024 + 1, SIZE - 1, SIZE];
let root: string;
const servers: TestServer[] = [];
const diskContent = Buffer.from(Array.from({ length: SIZE }, (_, index) => (index * 7 + (index >>> 11)) & 0xff));

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'ftp-doctor-block-send-'));
  await writeFile(path.join(root, 'file.bin'), diskContent);
});
afterAll(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
  await rm(root, { recursive: true, force: true });
});

async function retrieve(server: TestServer, name: string, offset: number): Promise<{ bytes: Buffer; final: string }> {
  const control = await RawClient.open(server.port);
  try {
    await control.login();
    expect((await control.command('TYPE I')).code).toBe(200);
    const data = readData(passivePort(await control.command('EPSV')));
    if (offset > 0) expect((await control.command(`REST ${offset}`)).code).toBe(350);
    expect((await control.command(`RETR ${name}`)).code).toBe(150);
    const final = await control.reply();
    return { bytes: await data, final: `${final.code} ${final.message}` };
  } finally {
    control.close();
  }
}

describe('download fast path', () => {
  it('a demo file from every edge offset matches demoBytes, and the 226 counts the bytes', async () => {
    const server = await serve({ log: 'none', demoFiles: { '/big.bin': SIZE } });
    servers.push(server);
    for (const offset of OFFSETS) {
      const { bytes, final } = await retrieve(server, 'big.bin', offset);
      expect(bytes.equals(demoBytes(offset, SIZE - offset)), `offset ${offset}`).toBe(true);
      expect(final).toBe(`226 Transfer complete (${SIZE - offset} bytes).`);
    }
  });

  it('a disk file from every edge offset matches the file', async () => {
    const server = await serve({ log: 'none', root });
    servers.push(server);
    for (const offset of OFFSETS) {
      const { bytes, final } = await retrieve(server, 'file.bin', offset);
      expect(bytes.equals(diskContent.subarray(offset)), `offset ${offset}`).toBe(true);
      expect(final).toBe(`226 Transfer complete (${SIZE - offset} bytes).`);
    }
  });

  it('demoStream read as a plain Readable gives the same bytes as demoBytes', async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of demoStream(SIZE, 65_541)) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).equals(demoBytes(65_541, SIZE - 65_541))).toBe(true);
  });
});
