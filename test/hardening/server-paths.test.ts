/**
 * Path traversal against a writable disk root: every target of the corpus goes through every verb
 * that takes a path (reads, listings, uploads, directory and rename operations), and afterwards
 * nothing outside the root has changed, nothing outside was read, and nothing was created next to
 * the root. The corpus mixes Unix, Windows and URL-encoded tricks, device names and symlinks.
 */
import { mkdtemp, mkdir, readdir, readFile, rm, symlink, writeFile, lstat } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, passivePort, readData, serve, type TestServer } from '../server/helpers.js';

export const TRAVERSAL_CORPUS: readonly string[] = [
  '../../../../etc/passwd',
  '/../../etc/passwd',
  '..',
  '../outside/secret.txt',
  '../outside/new.txt',
  '..\\..\\etc\\passwd',
  '\\/..\\/..\\/etc/passwd',
  '..\\outside\\secret.txt',
  '%2e%2e/%2e%2e/etc/passwd',
  '%2e%2e%2f%2e%2e%2fetc%2fpasswd',
  '..%2f..%2foutside%2fsecret.txt',
  '..%5c..%5coutside%5csecret.txt',
  '%252e%252e/outside/secret.txt',
  '....//....//outside/secret.txt',
  '.../.../outside',
  '..;/outside/secret.txt',
  'dir/../../outside/secret.txt',
  'dir/./../..//../outside/secret.txt',
  '/dir/../../../outside',
  '\uff0e\uff0e/outside/secret.txt', // fullwidth dots
  '\u2025/outside/secret.txt', // two-dot leader
  'C:\\Windows\\win.ini',
  'C:/Windows/win.ini',
  'c:..\\outside',
  '\\\\server\\share\\secret.txt',
  '//server/share/secret.txt',
  '\\\\?\\C:\\Windows\\win.ini',
  '\\\\.\\pipe\\ftp',
  'CON',
  'NUL',
  'AUX',
  'COM1',
  'LPT1',
  'con.txt',
  'NUL:',
  '/dev/null',
  '/dev/zero',
  '/proc/self/environ',
  '~',
  '~root/.ssh/authorized_keys',
  'escape',
  'escape/secret.txt',
  'escape/new.txt',
  '/escape/secret.txt',
  'escape/../escape/secret.txt',
  'dir/secret-link.txt',
  'dir/up/secret.txt',
  'dir/up/new.txt',
  'inside.txt\0../../outside/secret.txt',
  `${'a/'.repeat(600)}../../outside`,
];

/** Targets that are merely another spelling of the root or a place inside it. */
const ROOT_SPELLINGS = ['..', 'CON/..'];

let base: string;
let root: string;
let outside: string;

/** Every file under `directory` with its content (symlinks as their target), for before/after. */
async function snapshot(directory: string): Promise<Record<string, string>> {
  const result: Record<string, string> = {};
  const walk = async (current: string): Promise<void> => {
    for (const name of (await readdir(current)).sort()) {
      const full = path.join(current, name);
      const info = await lstat(full);
      const key = path.relative(directory, full);
      if (info.isSymbolicLink()) result[key] = 'symlink';
      else if (info.isDirectory()) {
        result[`${key}/`] = 'dir';
        await walk(full);
      } else result[key] = await readFile(full, 'utf8');
    }
  };
  await walk(directory);
  return result;
}

/**
 * (Re)create the traps inside the root. Deleting or renaming a symlink that lives inside the root
 * is legitimate (it never touches the target), so they are put back before every target.
 */
async function plantTraps(): Promise<void> {
  const exists = (file: string) => lstat(file).then(() => true, () => false);
  if (!(await exists(path.join(root, 'dir')))) await mkdir(path.join(root, 'dir'));
  const links: [string, string][] = [
    [outside, path.join(root, 'escape')],
    ['../../outside', path.join(root, 'dir', 'up')],
    [path.join(outside, 'secret.txt'), path.join(root, 'dir', 'secret-link.txt')],
  ];
  for (const [target, link] of links) {
    if ((await lstat(link).catch(() => undefined))?.isSymbolicLink()) continue;
    await rm(link, { recursive: true, force: true });
    await symlink(target, link);
  }
  if (!(await exists(path.join(root, 'inside.txt')))) await writeFile(path.join(root, 'inside.txt'), 'inside file');
}

beforeAll(async () => {
  base = await mkdtemp(path.join(os.tmpdir(), 'ftp-doctor-traversal-'));
  root = path.join(base, 'root');
  outside = path.join(base, 'outside');
  await mkdir(root);
  await mkdir(outside);
  await writeFile(path.join(outside, 'secret.txt'), 'SECRET-OUTSIDE');
  await plantTraps();
});
afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

/** Open a passive data connection, send the transfer command, and settle it whatever happens. */
async function transfer(control: RawClient, line: string, upload?: Buffer): Promise<{ code: number; data: string }> {
  const port = passivePort(await control.command('EPSV'));
  let data: Promise<Buffer>;
  let socket: net.Socket | undefined;
  if (upload) {
    socket = net.connect({ host: '127.0.0.1', port });
    socket.on('error', () => {});
    await new Promise((resolve) => socket!.once('connect', resolve));
    data = Promise.resolve(Buffer.alloc(0));
  } else data = readData(port).catch(() => Buffer.alloc(0));
  const first = await control.command(line);
  let code = first.code;
  if (first.code === 150) {
    if (upload) socket?.end(upload);
    code = (await control.reply()).code;
  } else socket?.destroy();
  // A refused transfer leaves the accepted connection open: the next EPSV (or ABOR) drops it.
  if (first.code !== 150) expect((await control.command('ABOR')).code).toBe(225);
  return { code, data: (await data).toString('latin1') };
}

describe('path traversal corpus on a writable root', () => {
  it(`${TRAVERSAL_CORPUS.length} targets × 10 verbs never leave the root`, async () => {
    const outsideBefore = await snapshot(outside);
    let server: TestServer | undefined;
    let control: RawClient | undefined;
    const outcomes: string[] = [];
    try {
      server = await serve({ root, writable: true });
      control = await RawClient.open(server.port);
      await control.login();
      for (const target of TRAVERSAL_CORPUS) {
        await plantTraps();
        const size = await control.command(`SIZE ${target}`);
        expect(size.code, `SIZE ${target}`).not.toBe(213);
        const mdtm = await control.command(`MDTM ${target}`);
        // '..' is the root itself (it stops at '/'): its own time is the only one MDTM may give.
        if (mdtm.code === 213) expect(ROOT_SPELLINGS, `MDTM ${target}`).toContain(target);
        const retr = await transfer(control, `RETR ${target}`);
        expect(retr.data, `RETR ${target}`).not.toMatch(/SECRET|root:/);
        const list = await transfer(control, `LIST ${target}`);
        expect(list.data, `LIST ${target}`).not.toMatch(/secret\.txt|SECRET/);
        const cwd = await control.command(`CWD ${target}`);
        if (cwd.code === 250) {
          // Only harmless spellings of a place inside the root may succeed; its listing shows no secret.
          const nlst = await transfer(control, 'NLST');
          expect(nlst.data, `NLST after CWD ${target}`).not.toMatch(/secret/);
          expect((await control.command('CWD /')).code).toBe(250);
        }
        const stor = await transfer(control, `STOR ${target}`, Buffer.from('UPLOADED'));
        const appe = await transfer(control, `APPE ${target}`, Buffer.from('APPENDED'));
        const mkd = await control.command(`MKD ${target}`);
        const rnfr = await control.command('RNFR inside.txt');
        expect(rnfr.code).toBe(350);
        const rnto = await control.command(`RNTO ${target}`);
        if (rnto.code === 250) {
          // Renamed somewhere inside the root: put it back for the next target.
          expect((await control.command(`RNFR ${target}`)).code).toBe(350);
          expect((await control.command('RNTO /inside.txt')).code).toBe(250);
        }
        const dele = await control.command(`DELE ${target}`);
        outcomes.push([size, mdtm, cwd, mkd, rnto, dele].map((reply) => reply.code).concat(retr.code, list.code, stor.code, appe.code).join(','));
      }
      expect((await control.command('NOOP')).code).toBe(200);
    } finally {
      control?.close();
      await server?.close();
    }
    expect(outcomes).toHaveLength(TRAVERSAL_CORPUS.length);
    // Nothing outside changed, and nothing new appeared next to the root.
    expect(await snapshot(outside)).toEqual(outsideBefore);
    expect((await readdir(base)).sort()).toEqual(['outside', 'root']);
  });
});
