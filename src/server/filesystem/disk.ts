/**
 * A directory on disk served as the root, confined: every path is resolved with realpath (so a
 * symlink pointing outside the root is refused) and checked for containment before use. New
 * entries are checked through their parent directory. Uploads go to a temporary name in the same
 * directory and are renamed only when complete, so a client that vanishes mid-STOR leaves no
 * half file under the final name.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { BlockStream } from './block-stream.js';
import { FileError, readOnlyError, type FileEntry, type FileErrorCode, type FileSystem, type Upload } from './vfs.js';

const KNOWN_CODES: Record<string, [FileErrorCode, string]> = {
  ENOENT: ['ENOENT', 'No such file or directory.'],
  ENOTDIR: ['ENOTDIR', 'Not a directory.'],
  EISDIR: ['EISDIR', 'Is a directory.'],
  EEXIST: ['EEXIST', 'File exists.'],
  ENOTEMPTY: ['ENOTEMPTY', 'Directory not empty.'],
  EACCES: ['EACCES', 'Permission denied.'],
  EPERM: ['EACCES', 'Permission denied.'],
  ELOOP: ['EACCES', 'Permission denied.'],
  ENAMETOOLONG: ['EINVAL', 'File name too long.'],
};

/** Disk errors become FileErrors with fixed messages: a real path must never reach the client. */
function translate(error: unknown): never {
  if (error instanceof FileError) throw error;
  const known = KNOWN_CODES[(error as { code?: string }).code ?? ''];
  if (known) throw new FileError(known[0], known[1]);
  throw new FileError('EACCES', 'Operation failed.');
}

const TEMPORARY_PREFIX = '.ftp-doctor-upload-';

export class DiskFileSystem implements FileSystem {
  private constructor(
    private readonly root: string,
    readonly writable: boolean,
  ) {}

  static async open(root: string, writable: boolean): Promise<DiskFileSystem> {
    const real = await fs.realpath(root);
    const info = await fs.stat(real);
    if (!info.isDirectory()) throw new Error(`${root} is not a directory`);
    return new DiskFileSystem(real, writable);
  }

  private inside(candidate: string): boolean {
    return candidate === this.root || candidate.startsWith(this.root + path.sep);
  }

  /** The real location of an existing entry, symlinks followed, refused if outside the root. */
  private async existing(virtualPath: string): Promise<string> {
    let real: string;
    try {
      real = await fs.realpath(path.join(this.root, virtualPath));
    } catch (error) {
      translate(error);
    }
    if (!this.inside(real)) throw new FileError('EACCES', 'Permission denied: outside the served directory.');
    return real;
  }

  /** Where a new entry would go: its parent resolved and confined, its own name kept literal. */
  private async fresh(virtualPath: string): Promise<string> {
    const name = path.posix.basename(virtualPath);
    if (name === '' || name === '.' || name === '..') throw new FileError('EINVAL', 'Invalid file name.');
    const parent = await this.existing(path.posix.dirname(virtualPath));
    return path.join(parent, name);
  }

  private assertWritable(): void {
    if (!this.writable) throw readOnlyError();
  }

  async stat(virtualPath: string): Promise<FileEntry> {
    const real = await this.existing(virtualPath);
    try {
      const info = await fs.stat(real);
      return { name: path.posix.basename(virtualPath) || '/', type: info.isDirectory() ? 'dir' : 'file', size: info.isDirectory() ? 0 : info.size, modified: info.mtime };
    } catch (error) {
      translate(error);
    }
  }

  async list(virtualPath: string): Promise<FileEntry[]> {
    const real = await this.existing(virtualPath);
    const info = await fs.stat(real).catch(translate);
    if (!info.isDirectory()) return [await this.stat(virtualPath)];
    const names = await fs.readdir(real).catch(translate);
    const entries: FileEntry[] = [];
    for (const name of names.sort()) {
      if (name.startsWith(TEMPORARY_PREFIX)) continue;
      // Entries that resolve outside the root (or nowhere) are left out: listing them would leak.
      const entry = await this.stat(path.posix.join(virtualPath, name)).catch(() => undefined);
      if (entry) entries.push(entry);
    }
    return entries;
  }

  async read(virtualPath: string, offset: number): Promise<Readable> {
    const real = await this.existing(virtualPath);
    const info = await fs.stat(real).catch(translate);
    if (info.isDirectory()) throw new FileError('EISDIR', 'Is a directory.');
    const handle = await fs.open(real, 'r').catch(translate);
    // Positioned reads into the sender's recycled buffers (see block-stream.ts): createReadStream
    // allocated a fresh buffer per read, and the allocation cost more than the read.
    let position = Math.min(offset, info.size);
    let closed: Promise<void> | undefined;
    return new BlockStream({
      readInto: async (target) => {
        const { bytesRead } = await handle.read(target, 0, target.length, position);
        position += bytesRead;
        return bytesRead;
      },
      close: () => (closed ??= handle.close()),
    });
  }

  async write(virtualPath: string, mode: 'replace' | 'append', offset = 0): Promise<Upload> {
    this.assertWritable();
    const target = await this.fresh(virtualPath);
    const existing = await fs.lstat(target).catch(() => undefined);
    if (existing?.isDirectory()) throw new FileError('EISDIR', 'Is a directory.');
    if (offset > 0 && !existing) throw new FileError('ENOENT', 'No such file to resume (REST with STOR continues an existing file).');
    const temporary = path.join(path.dirname(target), `${TEMPORARY_PREFIX}${randomBytes(8).toString('hex')}`);
    const keep = mode === 'append' ? (existing ? 'all' : 'none') : offset > 0 ? 'prefix' : 'none';
    if (keep !== 'none') {
      // Work on a copy, so the original stays whole if the upload is interrupted.
      await fs.copyFile(await this.existing(virtualPath), temporary).catch(translate);
      // The size of what was copied: the target may be a symlink (confined by existing()).
      const copied = (await fs.stat(temporary)).size;
      if (keep === 'prefix' && offset > copied) {
        await fs.rm(temporary, { force: true });
        throw new FileError('EINVAL', `Restart offset ${offset} is past the end of the file (${copied} bytes).`);
      }
      if (keep === 'prefix') await fs.truncate(temporary, offset).catch(translate);
    }
    const stream = createWriteStream(temporary, keep === 'none' ? { flags: 'wx' } : keep === 'all' ? { flags: 'a' } : { flags: 'r+', start: offset });
    await new Promise<void>((resolve, reject) => {
      stream.once('open', () => resolve());
      stream.once('error', reject);
    }).catch(translate);
    return {
      stream,
      commit: async () => {
        await fs.rename(temporary, target).catch(translate);
      },
      abort: async () => {
        stream.destroy();
        await fs.rm(temporary, { force: true });
      },
    };
  }

  async mkdir(virtualPath: string): Promise<void> {
    this.assertWritable();
    await fs.mkdir(await this.fresh(virtualPath)).catch(translate);
  }

  async rmdir(virtualPath: string): Promise<void> {
    this.assertWritable();
    const real = await this.existing(virtualPath);
    if (real === this.root) throw new FileError('EACCES', 'Permission denied: the root stays.');
    await fs.rmdir(real).catch(translate);
  }

  async remove(virtualPath: string): Promise<void> {
    this.assertWritable();
    // The entry itself, not what a symlink points to: deleting a link never touches its target.
    const target = await this.fresh(virtualPath);
    const info = await fs.lstat(target).catch(translate);
    if (info.isDirectory()) throw new FileError('EISDIR', 'Is a directory.');
    await fs.unlink(target).catch(translate);
  }

  async rename(from: string, to: string): Promise<void> {
    this.assertWritable();
    const source = await this.fresh(from);
    await fs.lstat(source).catch(translate);
    const target = await this.fresh(to);
    await fs.rename(source, target).catch(translate);
  }
}
