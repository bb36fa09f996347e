/**
 * A directory on disk served as the root, confined (confined.ts): every entry is opened without
 * blocking and checked where it really is before use, and used through what was opened. Only
 * regular files and directories are served. New entries, deletions and renames go through the
 * opened parent directory. Uploads go to a temporary name in the same directory and are renamed
 * only when complete (upload.ts), so a client that vanishes mid-STOR leaves no half file under
 * the final name.
 */
import { randomBytes } from 'node:crypto';
import type { Stats } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { BlockStream } from './block-stream.js';
import { Confinement, CREATE_FLAGS, isServed, NOT_SERVED_MESSAGE, translate, type Directory, type Opened } from './confined.js';
import { checkFreeSpace, startUpload } from './upload.js';
import { DEFAULT_UPLOAD_LIMITS, FileError, readOnlyError, type FileEntry, type FileSystem, type Upload, type UploadLimits } from './vfs.js';

const TEMPORARY_PREFIX = '.ftp-doctor-upload-';

function entryOf(name: string, info: Stats): FileEntry {
  const directory = info.isDirectory();
  return { name, type: directory ? 'dir' : 'file', size: directory ? 0 : info.size, modified: info.mtime };
}

/** Run `work` with an opened directory, closing it afterwards. */
async function withDirectory<T extends Directory, R>(directory: T, work: (directory: T) => Promise<R>): Promise<R> {
  try {
    return await work(directory);
  } finally {
    await directory.close();
  }
}

export class DiskFileSystem implements FileSystem {
  private constructor(
    private readonly confinement: Confinement,
    readonly writable: boolean,
    private readonly limits: UploadLimits,
  ) {}

  static async open(root: string, writable: boolean, limits: Partial<UploadLimits> = {}): Promise<DiskFileSystem> {
    return new DiskFileSystem(await Confinement.open(root), writable, { ...DEFAULT_UPLOAD_LIMITS, ...limits });
  }

  /** True where confinement holds against concurrent local swaps (Linux, /proc mounted). */
  get confinedByDescriptor(): boolean {
    return this.confinement.descriptorPaths;
  }

  private assertWritable(): void {
    if (!this.writable) throw readOnlyError();
  }

  private async withOpened<T>(virtualPath: string, work: (opened: Opened) => Promise<T>): Promise<T> {
    const opened = await this.confinement.openExisting(virtualPath);
    try {
      return await work(opened);
    } finally {
      await opened.handle.close().catch(() => {});
    }
  }

  async stat(virtualPath: string): Promise<FileEntry> {
    return this.withOpened(virtualPath, async ({ info }) => entryOf(path.posix.basename(virtualPath) || '/', info));
  }

  async list(virtualPath: string): Promise<FileEntry[]> {
    const opened = await this.confinement.openExisting(virtualPath);
    if (!opened.info.isDirectory()) {
      await opened.handle.close().catch(() => {});
      return [entryOf(path.posix.basename(virtualPath), opened.info)];
    }
    // Entries are looked at through the opened directory (lstat never opens, so a FIFO costs nothing).
    return withDirectory(this.confinement.directory(opened), async (directory) => {
      const names = await fs.readdir(directory.at('.')).catch(translate);
      const entries: FileEntry[] = [];
      for (const name of names.sort()) {
        if (name.startsWith(TEMPORARY_PREFIX)) continue;
        const info = await fs.lstat(directory.at(name)).catch(() => undefined);
        if (info === undefined) continue;
        if (info.isSymbolicLink()) {
          // Links are followed only where they stay inside the root; elsewhere (or nowhere) they are left out.
          const entry = await this.stat(path.posix.join(virtualPath, name)).catch(() => undefined);
          if (entry) entries.push({ ...entry, name });
        } else if (isServed(info)) entries.push(entryOf(name, info));
      }
      return entries;
    });
  }

  async read(virtualPath: string, offset: number): Promise<Readable> {
    const { handle, info } = await this.confinement.openExisting(virtualPath, 'read');
    if (info.isDirectory()) {
      await handle.close().catch(() => {});
      throw new FileError('EISDIR', 'Is a directory.');
    }
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
    const parent = await this.confinement.openParent(virtualPath);
    let kept: Opened | undefined;
    let temporary: string | undefined;
    try {
      const existing = await fs.lstat(parent.at(parent.name)).catch(() => undefined);
      if (existing?.isDirectory()) throw new FileError('EISDIR', 'Is a directory.');
      if (offset > 0 && !existing) throw new FileError('ENOENT', 'No such file to resume (REST with STOR continues an existing file).');
      const keep = mode === 'append' ? (existing ? 'all' : 'none') : offset > 0 ? 'prefix' : 'none';
      if (keep !== 'none') {
        // The old bytes come from the file the name leads to (a symlink is followed, confined).
        kept = await this.confinement.openExisting(virtualPath, 'read');
        if (!kept.info.isFile()) throw new FileError('ENOTREGULAR', NOT_SERVED_MESSAGE);
        if (keep === 'prefix' && offset > kept.info.size) throw new FileError('ERANGE', `Restart offset ${offset} is past the end of the file (${kept.info.size} bytes).`);
      }
      const length = keep === 'all' ? (kept?.info.size ?? 0) : keep === 'prefix' ? offset : 0;
      await checkFreeSpace(parent.at('.'), length, this.limits);
      temporary = `${TEMPORARY_PREFIX}${randomBytes(8).toString('hex')}`;
      const target = await fs.open(parent.at(temporary), CREATE_FLAGS, 0o666).catch(translate);
      return startUpload({ parent, temporary, target, limits: this.limits, ...(kept ? { keep: { source: kept.handle, length } } : {}) });
    } catch (error) {
      await kept?.handle.close().catch(() => {});
      await parent.close();
      translate(error);
    }
  }

  async mkdir(virtualPath: string): Promise<void> {
    this.assertWritable();
    await withDirectory(await this.confinement.openParent(virtualPath), (parent) => fs.mkdir(parent.at(parent.name)).catch(translate));
  }

  async rmdir(virtualPath: string): Promise<void> {
    this.assertWritable();
    if (virtualPath === '/') throw new FileError('EACCES', 'Permission denied: the root stays.');
    // The entry itself: a symlink to a directory is not a directory to remove (ENOTDIR).
    await withDirectory(await this.confinement.openParent(virtualPath), (parent) => fs.rmdir(parent.at(parent.name)).catch(translate));
  }

  async remove(virtualPath: string): Promise<void> {
    this.assertWritable();
    // The entry itself, not what a symlink points to: deleting a link never touches its target.
    await withDirectory(await this.confinement.openParent(virtualPath), async (parent) => {
      const info = await fs.lstat(parent.at(parent.name)).catch(translate);
      if (info.isDirectory()) throw new FileError('EISDIR', 'Is a directory.');
      await fs.unlink(parent.at(parent.name)).catch(translate);
    });
  }

  async rename(from: string, to: string): Promise<void> {
    this.assertWritable();
    await withDirectory(await this.confinement.openParent(from), async (source) => {
      await fs.lstat(source.at(source.name)).catch(translate);
      await withDirectory(await this.confinement.openParent(to), async (target) => {
        await fs.rename(source.at(source.name), target.at(target.name)).catch(translate);
      });
    });
  }
}
