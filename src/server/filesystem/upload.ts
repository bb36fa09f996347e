/**
 * An upload to a disk root: bytes go to a temporary file created in the (verified, opened)
 * target directory and are renamed over the final name on commit, so the old file stays whole
 * until the upload completes. APPE and REST+STOR keep the old file's bytes, but only copy them
 * once the first byte of the upload arrives (or at its end, for an empty one): a client that
 * asks and never connects costs an empty file, not a copy. The size limit aborts the upload as
 * it passes; the free-space floor is checked before the copy and every few MiB.
 */
import type { FileHandle } from 'node:fs/promises';
import fs from 'node:fs/promises';
import { Writable } from 'node:stream';
import { giveBlockBuffer, takeBlockBuffer } from './block-stream.js';
import { translate, type Parent } from './confined.js';
import { FileError, type Upload, type UploadLimits } from './vfs.js';

/** How many uploaded bytes between two looks at the free space. */
const FREE_CHECK_BYTES = 8 * 1024 * 1024;

export interface UploadPlan {
  parent: Parent;
  /** Name of the temporary file inside `parent`, already created and opened as `target`. */
  temporary: string;
  target: FileHandle;
  /** The old file's first `length` bytes come first (APPE: all of them; REST+STOR: the offset). */
  keep?: { source: FileHandle; length: number };
  limits: UploadLimits;
}

/** Bytes free to an unprivileged writer on the file system that holds `directory`. */
export async function freeBytes(directory: string): Promise<number> {
  const info = await fs.statfs(directory);
  return Number(info.bavail) * Number(info.bsize);
}

/** Refuse (552) when writing `extra` more bytes would leave less than the floor free. */
export async function checkFreeSpace(directory: string, extra: number, limits: UploadLimits): Promise<void> {
  if (limits.minFreeBytes <= 0) return;
  const free = await freeBytes(directory).catch(() => Number.POSITIVE_INFINITY);
  if (free - extra < limits.minFreeBytes) {
    throw new FileError('ENOSPC', `Insufficient storage space: the server keeps at least ${limits.minFreeBytes} bytes free.`);
  }
}

class UploadWriter extends Writable {
  private prepared: Promise<void> | undefined;
  private position = 0;
  private received = 0;
  private sinceFreeCheck = 0;
  stopped = false;

  constructor(private readonly plan: UploadPlan) {
    super({ highWaterMark: 1024 * 1024 });
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.writeChunk(chunk).then(() => callback(), callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.prepare().then(() => callback(), callback);
  }

  private async writeChunk(chunk: Buffer): Promise<void> {
    const { limits } = this.plan;
    this.received += chunk.length;
    if (limits.maxBytes > 0 && this.received > limits.maxBytes) {
      throw new FileError('EFBIG', `Exceeded storage allocation: an upload may carry at most ${limits.maxBytes} bytes.`);
    }
    await this.prepare();
    this.sinceFreeCheck += chunk.length;
    if (this.sinceFreeCheck >= FREE_CHECK_BYTES) {
      this.sinceFreeCheck = 0;
      await checkFreeSpace(this.plan.parent.at('.'), chunk.length, limits);
    }
    let done = 0;
    while (done < chunk.length && !this.stopped) {
      const { bytesWritten } = await this.plan.target.write(chunk, done, chunk.length - done, this.position).catch(translate);
      done += bytesWritten;
      this.position += bytesWritten;
    }
  }

  /** Copy the kept part of the old file, once. */
  private prepare(): Promise<void> {
    return (this.prepared ??= this.copyKept());
  }

  private async copyKept(): Promise<void> {
    const keep = this.plan.keep;
    if (!keep) return;
    await checkFreeSpace(this.plan.parent.at('.'), keep.length, this.plan.limits);
    // In blocks, each its own trip through the file-system pool: a copy never holds a thread long.
    const buffer = takeBlockBuffer();
    try {
      while (this.position < keep.length && !this.stopped) {
        const wanted = Math.min(buffer.length, keep.length - this.position);
        const { bytesRead } = await keep.source.read(buffer, 0, wanted, this.position).catch(translate);
        if (bytesRead === 0) break;
        let done = 0;
        while (done < bytesRead) done += (await this.plan.target.write(buffer, done, bytesRead - done, this.position + done).catch(translate)).bytesWritten;
        this.position += bytesRead;
      }
    } finally {
      giveBlockBuffer(buffer);
    }
  }
}

export function startUpload(plan: UploadPlan): Upload {
  const writer = new UploadWriter(plan);
  const { parent, temporary } = plan;
  let released: Promise<void> | undefined;
  // Once committed or aborted the directory handle is closed, and its number may already name
  // another file: nothing may act through it again.
  let settled = false;
  const release = (): Promise<void> =>
    (released ??= (async () => {
      writer.stopped = true;
      await plan.keep?.source.close().catch(() => {});
      await plan.target.close().catch(() => {});
    })());
  return {
    stream: writer,
    commit: async () => {
      if (settled) return;
      settled = true;
      try {
        await release();
        await parent.recheck();
        await fs.rename(parent.at(temporary), parent.at(parent.name)).catch(translate);
      } catch (error) {
        await fs.rm(parent.at(temporary), { force: true }).catch(() => {});
        throw error;
      } finally {
        await parent.close();
      }
    },
    abort: async () => {
      writer.destroy();
      if (settled) return;
      settled = true;
      await release();
      await fs.rm(parent.at(temporary), { force: true }).catch(() => {});
      await parent.close();
    },
  };
}
