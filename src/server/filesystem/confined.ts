/**
 * Confinement of a disk root against a local process that swaps directories and symlinks while
 * we work: open what was checked, check what was opened, then use only what was opened.
 *
 * Linux (/proc/self/fd): the path is opened as an O_PATH locator (symlinks followed; it opens
 * nothing, needs no read permission and cannot block on a FIFO), and the descriptor's real
 * location, read from /proc/self/fd, must be inside the root: there is no earlier check to race.
 * A file to read is reopened through that descriptor; entries are created, unlinked and renamed
 * through `/proc/self/fd/<dir>/<name>`, which the kernel resolves through the opened directory
 * (as openat would), never by the path that was checked.
 *
 * Elsewhere (macOS, Windows): realpath and check, open with O_NOFOLLOW | O_NONBLOCK, then compare
 * the opened object (device, inode) with what the path resolves to now. That narrows a swapper's
 * window but cannot close it; the README says what holds where.
 *
 * Either way only regular files and directories are served: a FIFO or a device would otherwise
 * hold a thread of Node's small file-system pool in open() or read().
 */
import { constants, type Stats } from 'node:fs';
import fs, { type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { FileError } from './vfs.js';

/** Flags that may not exist on every platform (Windows has none of these). */
const NOFOLLOW = constants.O_NOFOLLOW ?? 0;
const NONBLOCK = constants.O_NONBLOCK ?? 0;
const NOCTTY = constants.O_NOCTTY ?? 0;
const DIRECTORY = constants.O_DIRECTORY ?? 0;
const READ_FLAGS = constants.O_RDONLY | NOFOLLOW | NONBLOCK | NOCTTY;
/**
 * Linux's O_PATH (not exported by Node; this is its value on the architectures Node is built
 * for): a descriptor that only locates an entry. Opening it needs no read permission, opens
 * nothing (a device never sees it, a FIFO cannot block it), and fstat and /proc/self/fd work on it.
 */
const O_PATH = process.platform === 'linux' && ['x64', 'arm64', 'arm', 'ia32', 'ppc64', 's390x', 'riscv64', 'loong64'].includes(process.arch) ? 0o10000000 : 0;
/** Reopening a located regular file through /proc/self/fd/N: the magic link must be followed. */
const REOPEN_FLAGS = constants.O_RDONLY | NONBLOCK | NOCTTY;
/** Create a new file, never through a symlink and never over an existing entry. */
export const CREATE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | NOFOLLOW | NONBLOCK | NOCTTY;

export const OUTSIDE_MESSAGE = 'Permission denied: outside the served directory.';
export const NOT_SERVED_MESSAGE = 'Not a regular file or directory (FIFOs, devices and sockets are not served).';

/** Only regular files and directories are served: anything else could block or have side effects. */
export function isServed(info: Stats): boolean {
  return info.isFile() || info.isDirectory();
}

/** An opened, verified file or directory inside the root. */
export interface Opened {
  handle: FileHandle;
  info: Stats;
  /** The location that was checked (on Linux, the descriptor was checked too). */
  real: string;
}

/** An opened, verified directory, through which entries are listed, created, removed and renamed. */
export interface Directory {
  /** A path to `entry` inside this very directory, whatever happens to the path checked. */
  at(entry: string): string;
  /** Check again, just before acting, that the directory is still inside the root. */
  recheck(): Promise<void>;
  close(): Promise<void>;
}

/** The opened directory that holds an entry, and the entry's own name. */
export interface Parent extends Directory {
  /** Never '', '.', '..' or containing a separator. */
  name: string;
}

export class Confinement {
  private constructor(
    readonly root: string,
    /** True where /proc/self/fd tells an opened descriptor's real location (Linux). */
    readonly descriptorPaths: boolean,
  ) {}

  /** `descriptorPaths: false` forces the portable way (tests use it to cover other platforms' path). */
  static async open(root: string, options: { descriptorPaths?: boolean } = {}): Promise<Confinement> {
    const real = await fs.realpath(root);
    const handle = await fs.open(real, constants.O_RDONLY | DIRECTORY);
    try {
      if (!(await handle.stat()).isDirectory()) throw new Error(`${root} is not a directory`);
      const seen = await fs.readlink(`/proc/self/fd/${handle.fd}`).catch(() => undefined);
      return new Confinement(real, seen === real && options.descriptorPaths !== false);
    } finally {
      await handle.close();
    }
  }

  inside(candidate: string): boolean {
    if (this.root === path.parse(this.root).root) return candidate.startsWith(this.root);
    return candidate === this.root || candidate.startsWith(this.root + path.sep);
  }

  /** The checked real location of an existing virtual path (symlinks inside the root followed). */
  async resolve(virtualPath: string): Promise<string> {
    const real = await fs.realpath(path.join(this.root, virtualPath)).catch(translate);
    if (!this.inside(real)) throw new FileError('EACCES', OUTSIDE_MESSAGE);
    return real;
  }

  /**
   * Open an existing regular file or directory, verified inside the root; the caller closes it.
   * 'read' gives a descriptor to read bytes from; 'locate' one to stat it or act inside it.
   */
  async openExisting(virtualPath: string, use: 'locate' | 'read' = 'locate'): Promise<Opened> {
    if (!(this.descriptorPaths && O_PATH)) return this.openByPath(virtualPath);
    const located = await this.locate(virtualPath);
    if (use === 'locate' || !located.info.isFile()) return located;
    // Bytes to read: reopen the very file located, through its descriptor (no path is walked again).
    try {
      return { ...located, handle: await fs.open(`/proc/self/fd/${located.handle.fd}`, REOPEN_FLAGS).catch(translate) };
    } finally {
      await located.handle.close().catch(() => {});
    }
  }

  /**
   * Linux: open whatever the path leads to (symlinks followed) as an O_PATH locator, then ask the
   * descriptor where it is. No separate check precedes the open, so there is nothing to race.
   */
  private async locate(virtualPath: string): Promise<Opened> {
    const handle = await fs.open(path.join(this.root, virtualPath), O_PATH).catch(translate);
    try {
      const [real, info] = await Promise.all([fs.readlink(`/proc/self/fd/${handle.fd}`), handle.stat()]);
      if (!this.inside(real)) throw new FileError('EACCES', OUTSIDE_MESSAGE);
      if (!isServed(info)) throw new FileError('ENOTREGULAR', NOT_SERVED_MESSAGE);
      return { handle, info, real };
    } catch (error) {
      await handle.close().catch(() => {});
      translate(error);
    }
  }

  /** Elsewhere: check the path, open it without following a final symlink, then check the opened one. */
  private async openByPath(virtualPath: string): Promise<Opened> {
    const real = await this.resolve(virtualPath);
    // A cheap look first, so a FIFO or a device is refused without ever being opened.
    if (!isServed(await fs.lstat(real).catch(translate))) throw new FileError('ENOTREGULAR', NOT_SERVED_MESSAGE);
    const handle = await fs.open(real, READ_FLAGS).catch(translate);
    try {
      const info = await handle.stat();
      // Swapped in between: whatever was opened is refused unless it is plainly servable.
      if (!isServed(info)) throw new FileError('ENOTREGULAR', NOT_SERVED_MESSAGE);
      await this.verify(handle, real, info);
      return { handle, info, real };
    } catch (error) {
      await handle.close().catch(() => {});
      translate(error);
    }
  }

  /** The directory that holds `virtualPath`, opened and verified, and the entry's own name. */
  async openParent(virtualPath: string): Promise<Parent> {
    const name = path.posix.basename(virtualPath);
    if (name === '' || name === '.' || name === '..' || virtualPath === '/') throw new FileError('EINVAL', 'Invalid file name.');
    const opened = await this.openExisting(path.posix.dirname(virtualPath));
    return { ...this.directory(opened), name };
  }

  /** An opened directory (from openExisting) to act through; closing it closes the handle. */
  directory(opened: Opened): Directory {
    const { handle, real } = opened;
    if (!opened.info.isDirectory()) {
      void handle.close().catch(() => {});
      throw new FileError('ENOTDIR', 'Not a directory.');
    }
    const through = this.descriptorPaths ? `/proc/self/fd/${handle.fd}` : real;
    let closed: Promise<void> | undefined;
    return {
      at: (entry) => path.join(through, entry),
      recheck: async () => this.verify(handle, real, await handle.stat().catch(translate)),
      close: () => (closed ??= handle.close().catch(() => {})),
    };
  }

  /** Where `handle` (opened as `real`) really is: refused unless inside the root. */
  private async verify(handle: FileHandle, real: string, info: Stats): Promise<void> {
    if (this.descriptorPaths) {
      const where = await fs.readlink(`/proc/self/fd/${handle.fd}`).catch(translate);
      if (!this.inside(where)) throw new FileError('EACCES', OUTSIDE_MESSAGE);
      return;
    }
    // Best effort without descriptor paths: the path, resolved again now, must still lead to the
    // very object that was opened.
    const again = await fs.realpath(real).catch(translate);
    const now = await fs.stat(again).catch(translate);
    if (!this.inside(again) || now.dev !== info.dev || now.ino !== info.ino) throw new FileError('EACCES', OUTSIDE_MESSAGE);
  }
}

const KNOWN_CODES: Record<string, [FileError['code'], string]> = {
  ENOENT: ['ENOENT', 'No such file or directory.'],
  ENOTDIR: ['ENOTDIR', 'Not a directory.'],
  EISDIR: ['EISDIR', 'Is a directory.'],
  EEXIST: ['EEXIST', 'File exists.'],
  ENOTEMPTY: ['ENOTEMPTY', 'Directory not empty.'],
  EACCES: ['EACCES', 'Permission denied.'],
  EPERM: ['EACCES', 'Permission denied.'],
  // A symlink where none may be (O_NOFOLLOW): a swap in progress or a trap.
  ELOOP: ['EACCES', 'Permission denied.'],
  // open() of a socket file.
  ENXIO: ['ENOTREGULAR', NOT_SERVED_MESSAGE],
  ENAMETOOLONG: ['EINVAL', 'File name too long.'],
  ENOSPC: ['ENOSPC', 'Insufficient storage space.'],
  EDQUOT: ['ENOSPC', 'Insufficient storage space (quota).'],
};

/** Disk errors become FileErrors with fixed messages: a real path must never reach the client. */
export function translate(error: unknown): never {
  if (error instanceof FileError) throw error;
  const known = KNOWN_CODES[(error as { code?: string }).code ?? ''];
  if (known) throw new FileError(known[0], known[1]);
  throw new FileError('EACCES', 'Operation failed.');
}
