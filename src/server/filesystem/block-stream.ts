/**
 * A file's bytes as a Readable that can also be read straight into a caller's buffer. The
 * Readable side serves any consumer (a throttled pipeline, a test); the sender's fast path uses
 * `reader.readInto` with buffers it recycles, so a 1 GiB RETR does not allocate (and page-fault
 * in) a thousand fresh 1 MiB buffers for the garbage collector to reclaim.
 */
import { Readable } from 'node:stream';

/** Size of one block: large, so a fast link is not paced by per-chunk overhead. */
export const BLOCK_SIZE = 1024 * 1024;

export interface BlockReader {
  /** Copy the next bytes into `target` (from its start); resolves how many, 0 at the end. */
  readInto(target: Buffer): Promise<number>;
  /**
   * Optional: the next bytes (up to `limit`) as buffers that must never be modified or handed to
   * anyone who might keep them (shared content); an empty list at the end. For a socket only,
   * which copies them.
   */
  readShared?(limit: number): Buffer[];
  /** Release what the reader holds (a file handle); called once, when the stream is destroyed. */
  close(): Promise<void>;
}

export class BlockStream extends Readable {
  constructor(readonly reader: BlockReader) {
    super({ highWaterMark: BLOCK_SIZE });
  }

  override _read(): void {
    const buffer = Buffer.allocUnsafe(BLOCK_SIZE);
    this.reader.readInto(buffer).then(
      (size) => this.push(size > 0 ? buffer.subarray(0, size) : null),
      (error: Error) => this.destroy(error),
    );
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.reader.close().then(
      () => callback(error),
      () => callback(error),
    );
  }
}

/**
 * Buffers for `readInto`, shared by all transfers. A buffer comes back only once the socket is
 * done with it (its write callback), so a few stay warm; a burst of transfers allocates more and
 * the extras are left to the garbage collector.
 */
const spare: Buffer[] = [];
const MAX_SPARE = 8;

export function takeBlockBuffer(): Buffer {
  return spare.pop() ?? Buffer.allocUnsafeSlow(BLOCK_SIZE);
}

export function giveBlockBuffer(buffer: Buffer): void {
  if (buffer.length === BLOCK_SIZE && spare.length < MAX_SPARE) spare.push(buffer);
}
