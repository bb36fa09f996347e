/**
 * gzip'd input, told by its magic bytes (never by the file's name) and decompressed as a stream
 * with bounded memory. The capture reader and the log reader both read through here. Concatenated
 * members (what `cat a.gz b.gz` makes, and what logrotate's delaycompress sometimes leaves) are one
 * stream.
 */
import type { FileHandle } from 'node:fs/promises';
import { constants as zlibConstants, createGunzip, gunzipSync, type Gunzip } from 'node:zlib';

export function isGzip(head: Uint8Array): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

/**
 * The decompressed beginning of a gzip'd file's head, at most `maxBytes` of it (what detection
 * looks at). The head is usually cut inside the stream: what it holds is inflated without asking
 * for the stream's end. undefined when nothing decompresses (corrupt, or not gzip after all).
 */
export function inflateHead(head: Buffer, maxBytes: number): Buffer | undefined {
  // zlib refuses (ERR_BUFFER_TOO_LARGE) rather than stops at maxOutputLength: a head that inflates
  // to more is inflated again from half as much input. Bounded: the length halves every pass.
  for (let length = head.length; length >= 2; length = Math.floor(length / 2)) {
    try {
      return gunzipSync(head.subarray(0, length), { finishFlush: zlibConstants.Z_SYNC_FLUSH, maxOutputLength: maxBytes });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ERR_BUFFER_TOO_LARGE') return undefined;
    }
  }
  return undefined;
}

/** Thrown by gunzipFile once the decompressed data passes its limit (a gzip bomb, or a file too large to read whole). */
export class DecompressedTooLarge extends Error {
  override readonly name = 'DecompressedTooLarge';

  constructor(readonly limit: number) {
    super(`decompresses to more than ${limit} bytes`);
  }
}

/** A zlib error (corrupt or truncated data): `code` is Z_DATA_ERROR, Z_BUF_ERROR, … */
export function isZlibError(error: unknown): error is Error & { code: string } {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string' && (error as NodeJS.ErrnoException).code!.startsWith('Z_');
}

export interface GunzipOptions {
  /** Compressed bytes read from the file at a time; default 64 KiB. */
  readBytes?: number;
  /** Size of the decompressed chunks handed out (zlib's chunkSize); default 64 KiB. */
  chunkBytes?: number;
  /** Throw DecompressedTooLarge as soon as the decompressed data passes this many bytes. */
  maxBytes?: number;
}

/**
 * Compressed input handed to zlib at a time. Everything one piece inflates to is collected before
 * it is handed out (see gunzipFile), so this bounds memory: deflate expands at most ~1032:1, so
 * 16 KiB of a gzip bomb is at most ~17 MB.
 */
const PIECE_BYTES = 16 * 1024;

/**
 * The decompressed bytes of a gzip'd file, from its start, in chunks. A zlib error (corrupt or
 * truncated data) is thrown only after every byte that decompressed before it was handed out, so
 * a reader can keep what came whole and say where the data stopped.
 *
 * Why not `stream.pipe(createGunzip())` and async iteration: when zlib fails, the stream is
 * destroyed and the chunks it had buffered are dropped (the last kilobytes before a truncation
 * were lost). Here the gunzip stream is never paused, so each chunk reaches us as zlib makes it,
 * and input goes in one small piece at a time, so what is waiting stays bounded: the output of the
 * piece being handed out and of the one zlib inflates meanwhile (on its thread, while the consumer
 * works on the previous one).
 */
export async function* gunzipFile(handle: FileHandle, options: GunzipOptions = {}): AsyncGenerator<Buffer> {
  const gunzip = createGunzip({ chunkSize: options.chunkBytes ?? 64 * 1024 });
  const ready: Buffer[] = [];
  let failure: Error | undefined;
  let total = 0;
  gunzip.on('data', (chunk: Buffer) => {
    total += chunk.length;
    if (options.maxBytes !== undefined && total > options.maxBytes) {
      failure ??= new DecompressedTooLarge(options.maxBytes);
      gunzip.destroy();
      return;
    }
    ready.push(chunk);
  });
  gunzip.on('error', (error: Error) => {
    failure ??= error;
  });
  let inflating: Promise<void> | undefined;
  try {
    for await (const piece of pieces(handle, options.readBytes ?? 64 * 1024)) {
      await inflating;
      const done = ready.splice(0);
      if (failure) {
        yield* done;
        throw failure;
      }
      inflating = settled(gunzip, (finished) => gunzip.write(piece, () => finished()));
      yield* done;
    }
    await inflating;
    if (!failure) {
      await settled(gunzip, (finished) => {
        gunzip.once('end', finished);
        gunzip.end();
      });
    }
    yield* ready.splice(0);
    if (failure) throw failure;
  } finally {
    gunzip.destroy();
  }
}

/**
 * The file's bytes in pieces of PIECE_BYTES, read into two buffers in turn: a read fills one while
 * the last piece of the other may still be inflating (one piece is in flight at a time).
 */
async function* pieces(handle: FileHandle, readBytes: number): AsyncGenerator<Buffer> {
  const buffers = [Buffer.allocUnsafe(readBytes), Buffer.allocUnsafe(readBytes)];
  // Bounded: every pass reads further into a finite file, or stops.
  for (let position = 0, turn = 0; ; turn = 1 - turn) {
    const buffer = buffers[turn]!;
    const { bytesRead } = await handle.read(buffer, 0, readBytes, position);
    if (bytesRead === 0) return;
    position += bytesRead;
    for (let offset = 0; offset < bytesRead; offset += PIECE_BYTES) yield buffer.subarray(offset, Math.min(bytesRead, offset + PIECE_BYTES));
  }
}

/** Resolves when `start`'s callback runs, or the stream fails or closes (then its callback may never run). */
function settled(gunzip: Gunzip, start: (done: () => void) => void): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      gunzip.off('error', done);
      gunzip.off('close', done);
      resolve();
    };
    gunzip.once('error', done);
    gunzip.once('close', done);
    start(done);
  });
}
