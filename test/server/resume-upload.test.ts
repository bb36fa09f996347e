/**
 * REST + STOR resumes an upload: the file keeps its first OFFSET bytes and the upload follows.
 * The old file stays whole until the upload completes (the copy is renamed over it), an offset
 * past the end is 554 (RFC 959) with nothing changed, and lftp's `put -c` resumes against us.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { demoBytes } from '../../src/server/filesystem/demo-content.js';
import { hasLftp, passivePort, RawClient, run, serve, type TestServer } from './helpers.js';

let root: string;
let server: TestServer;
const clients: RawClient[] = [];

beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'ftp-doctor-resume-'));
  server = await serve({ root, writable: true });
});
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await server.close();
  await rm(root, { recursive: true, force: true });
});

async function login(): Promise<RawClient> {
  const client = await RawClient.open(server.port);
  clients.push(client);
  await client.login();
  return client;
}

/** REST offset, then STOR name with `payload` on an EPSV data connection: the final reply code. */
async function restStor(client: RawClient, offset: number, name: string, payload: Buffer): Promise<{ rest: number; stor: number; final?: number }> {
  const port = passivePort(await client.command('EPSV'));
  const data = net.connect({ host: '127.0.0.1', port });
  data.on('error', () => {});
  await new Promise((resolve) => data.once('connect', resolve));
  const rest = (await client.command(`REST ${offset}`)).code;
  const stor = (await client.command(`STOR ${name}`)).code;
  if (stor !== 150) {
    data.destroy();
    return { rest, stor };
  }
  data.end(payload);
  return { rest, stor, final: (await client.reply()).code };
}

describe('REST + STOR', () => {
  it('keeps the first OFFSET bytes and writes the upload after them', async () => {
    await writeFile(path.join(root, 'file.bin'), 'abcdefgh-old-tail');
    const client = await login();
    expect(await restStor(client, 8, 'file.bin', Buffer.from('-new-tail'))).toEqual({ rest: 350, stor: 150, final: 226 });
    expect(await readFile(path.join(root, 'file.bin'), 'utf8')).toBe('abcdefgh-new-tail');
    expect(await readdir(root)).toEqual(['file.bin']);
  });

  it('an offset at the very end appends; the offset is used once', async () => {
    await writeFile(path.join(root, 'file.bin'), 'abc');
    const client = await login();
    expect((await restStor(client, 3, 'file.bin', Buffer.from('def'))).final).toBe(226);
    expect(await readFile(path.join(root, 'file.bin'), 'utf8')).toBe('abcdef');
    // The next STOR without REST replaces the file.
    const port = passivePort(await client.command('EPSV'));
    const data = net.connect({ host: '127.0.0.1', port });
    await new Promise((resolve) => data.once('connect', resolve));
    expect((await client.command('STOR file.bin')).code).toBe(150);
    data.end('new');
    expect((await client.reply()).code).toBe(226);
    expect(await readFile(path.join(root, 'file.bin'), 'utf8')).toBe('new');
  });

  it('an offset past the end is 554 and changes nothing', async () => {
    await writeFile(path.join(root, 'file.bin'), 'short');
    const client = await login();
    expect(await restStor(client, 99, 'file.bin', Buffer.from('x'))).toEqual({ rest: 350, stor: 554 });
    expect(await readFile(path.join(root, 'file.bin'), 'utf8')).toBe('short');
    expect(await readdir(root)).toEqual(['file.bin']);
  });

  it('resuming a file that does not exist is 550', async () => {
    const client = await login();
    expect((await restStor(client, 5, 'missing.bin', Buffer.from('x'))).stor).toBe(550);
    expect(await readdir(root)).toEqual([]);
  });

  it('an interrupted resume leaves the old file whole', async () => {
    await writeFile(path.join(root, 'file.bin'), 'abcdefgh');
    const client = await login();
    const port = passivePort(await client.command('EPSV'));
    const data = net.connect({ host: '127.0.0.1', port });
    data.on('error', () => {});
    await new Promise((resolve) => data.once('connect', resolve));
    expect((await client.command('REST 4')).code).toBe(350);
    expect((await client.command('STOR file.bin')).code).toBe(150);
    await new Promise<void>((resolve) => data.write('XYZ', () => resolve()));
    data.resetAndDestroy();
    expect((await client.reply()).code).toBe(426);
    expect(await readFile(path.join(root, 'file.bin'), 'utf8')).toBe('abcdefgh');
    expect(await readdir(root)).toEqual(['file.bin']);
  });

  it.skipIf(!hasLftp)('lftp put -c resumes a partial upload with REST + STOR', async () => {
    const payload = demoBytes(7, 300_000);
    const scratch = await mkdtemp(path.join(os.tmpdir(), 'ftp-doctor-resume-src-'));
    try {
      const source = path.join(scratch, 'source.bin');
      await writeFile(source, payload);
      await writeFile(path.join(root, 'upload.bin'), payload.subarray(0, 120_000));
      const script = ['set net:timeout 10; set net:max-retries 1; set cmd:fail-exit yes; set ftp:ssl-allow no', `open ftp://anonymous:x@127.0.0.1:${server.port}`, `put -c ${source} -o /upload.bin`, 'bye'].join('\n');
      const scriptFile = path.join(scratch, 'resume.lftp');
      await writeFile(scriptFile, script);
      const result = await run('lftp', ['-d', '-f', scriptFile], 60_000);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toMatch(/---> REST 120000/);
      expect((await readFile(path.join(root, 'upload.bin'))).equals(payload)).toBe(true);
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  });
});

if (!hasLftp) console.warn('lftp resume test skipped: /usr/bin/lftp is missing (apt-get install lftp)');
