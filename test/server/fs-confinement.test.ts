/**
 * The confinement primitives, both ways: through /proc/self/fd (Linux) and the portable way used
 * where descriptors cannot be asked where they are (forced here, so it is covered on Linux too).
 * Files, directories and symlinks that stay inside are served; symlinks out, FIFOs and sockets
 * are refused; a parent directory acts on its own entries only.
 */
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Confinement } from '../../src/server/filesystem/confined.js';
import { FileError } from '../../src/server/filesystem/vfs.js';

let base: string;
let root: string;
let socketServer: net.Server | undefined;
const hasMkfifo = spawnSync('sh', ['-c', 'command -v mkfifo']).status === 0;
const onProc = process.platform === 'linux';

beforeAll(async () => {
  base = await mkdtemp(path.join(os.tmpdir(), 'ftp-doctor-confine-'));
  root = path.join(base, 'root');
  await mkdir(path.join(root, 'dir'), { recursive: true });
  await mkdir(path.join(base, 'outside'));
  await writeFile(path.join(base, 'outside', 'secret.txt'), 'SECRET');
  await writeFile(path.join(root, 'dir', 'file.txt'), 'inside');
  await symlink('dir/file.txt', path.join(root, 'link-in'));
  await symlink(path.join(base, 'outside', 'secret.txt'), path.join(root, 'link-out'));
  await symlink(path.join(base, 'outside'), path.join(root, 'dir-out'));
  if (hasMkfifo) spawnSync('mkfifo', [path.join(root, 'pipe')]);
  if (process.platform !== 'win32') {
    const server = net.createServer();
    socketServer = server;
    await new Promise<void>((resolve) => server.listen(path.join(root, 'sock'), resolve));
  }
});
afterAll(async () => {
  await new Promise((resolve) => (socketServer ? socketServer.close(resolve) : resolve(undefined)));
  await rm(base, { recursive: true, force: true });
});

async function refusal(work: Promise<unknown>): Promise<string> {
  const error = await work.then(() => undefined, (caught: unknown) => caught);
  expect(error).toBeInstanceOf(FileError);
  return (error as FileError).code;
}

describe.each([
  ['through /proc/self/fd', true],
  ['the portable way', false],
] as const)('confinement %s', (_name, descriptorPaths) => {
  it.skipIf(descriptorPaths && !onProc)(`serves files, directories and links that stay inside ${descriptorPaths && !onProc ? '(skipped: no /proc/self/fd here)' : ''}`, async () => {
    const confinement = await Confinement.open(root, { descriptorPaths });
    expect(confinement.descriptorPaths).toBe(descriptorPaths);
    for (const [name, size] of [['dir/file.txt', 6], ['link-in', 6]] as const) {
      const opened = await confinement.openExisting(`/${name}`, 'read');
      expect(opened.info.size).toBe(size);
      const buffer = Buffer.alloc(16);
      const { bytesRead } = await opened.handle.read(buffer, 0, 16, 0);
      expect(buffer.subarray(0, bytesRead).toString()).toBe('inside');
      await opened.handle.close();
    }
    const directory = await confinement.openExisting('/dir');
    expect(directory.info.isDirectory()).toBe(true);
    await directory.handle.close();
  });

  it.skipIf(descriptorPaths && !onProc)('refuses links out, FIFOs and sockets', async () => {
    const confinement = await Confinement.open(root, { descriptorPaths });
    expect(await refusal(confinement.openExisting('/link-out', 'read'))).toBe('EACCES');
    expect(await refusal(confinement.openExisting('/dir-out/secret.txt', 'read'))).toBe('EACCES');
    expect(await refusal(confinement.openParent('/dir-out/new.txt'))).toBe('EACCES');
    if (hasMkfifo) expect(await refusal(confinement.openExisting('/pipe', 'read'))).toBe('ENOTREGULAR');
    if (socketServer) expect(await refusal(confinement.openExisting('/sock'))).toBe('ENOTREGULAR');
    expect(await refusal(confinement.openExisting('/missing'))).toBe('ENOENT');
  });

  it.skipIf(descriptorPaths && !onProc)('a parent acts on its own entries', async () => {
    const confinement = await Confinement.open(root, { descriptorPaths });
    const parent = await confinement.openParent('/dir/new.txt');
    expect(parent.name).toBe('new.txt');
    await writeFile(parent.at(parent.name), 'made');
    await parent.recheck();
    await parent.close();
    expect(await readFile(path.join(root, 'dir', 'new.txt'), 'utf8')).toBe('made');
    for (const bad of ['/', '/dir/..', '/dir/.']) expect(await refusal(confinement.openParent(bad))).toBe('EINVAL');
  });
});
