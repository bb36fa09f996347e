/**
 * readCapture(file): a pcap or pcapng file (or either gzip'd) as a stream of CaptureItems, read in
 * chunks from a file handle with bounded memory whatever the file's size. This is the I/O edge; the
 * format parsers and the frame decoder it drives are pure.
 *
 * Payloads are the consumer's own copies (the read buffers are reused): keeping one holds only its
 * bytes, never a read chunk.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import type { CaptureItem } from '../segment.js';
import { FrameDecoder } from './decode.js';
import { detectCaptureFormat, type CaptureFormat } from './detect.js';
import { CaptureFormatError, MalformedCapture } from './errors.js';
import { DEFAULT_FRAGMENT_LIMITS, type FragmentLimits } from './fragments.js';
import { emptyFrame, MAX_RECORD_BYTES, type RecordParser } from './frame.js';
import { PcapParser } from './pcap.js';
import { PcapngParser } from './pcapng.js';
import { ByteWindow } from './window.js';

export { CaptureFormatError } from './errors.js';
export { detectCaptureFormat, type CaptureFormat } from './detect.js';

/** Filled while reading, for reports ("read 12,345 frames of pcapng"). */
export interface CaptureStats {
  format?: 'pcap' | 'pcapng';
  compressed: boolean;
  frames: number;
  /** Bytes of capture data read (decompressed when gzip'd). */
  bytes: number;
}

export interface ReadCaptureOptions {
  /** Skip detection: read as this format. */
  format?: 'pcap' | 'pcapng';
  /** Stop with a CaptureFormatError beyond this many bytes of capture data (decompressed). */
  maxBytes?: number;
  /** Read size; default 1 MiB. */
  chunkBytes?: number;
  fragments?: Partial<FragmentLimits>;
  stats?: CaptureStats;
}

const DEFAULT_CHUNK = 1024 * 1024;
/** Items handed out together by readCaptureBatches. */
const BATCH = 2048;

/** Brings more bytes into the window; false at the end of the input. */
interface ChunkSource {
  fill(window: ByteWindow): Promise<boolean>;
}

/**
 * Reads the file into two buffers of its own, used in turn: the unread tail of one is moved to the
 * front of the other. Reusing them spares the kernel zeroing fresh pages for every chunk (a third
 * of the reading time); it is safe because nothing handed out points into them (payloads are
 * copied, see transport.ts; fragments are copied).
 */
class FileSource implements ChunkSource {
  private position = 0;
  private spare: Buffer | undefined;

  constructor(
    private readonly handle: FileHandle,
    private readonly size: number,
    private readonly chunkBytes: number,
  ) {}

  async fill(window: ByteWindow): Promise<boolean> {
    const rest = window.rest();
    // A length that runs past the end of the file is not allocated for: the caller reports it.
    if (window.needed - rest.length > this.size - this.position) return false;
    const target = Math.max(this.chunkBytes, window.needed);
    // allocUnsafeSlow: never a slice of Node's shared pool, so ours alone to overwrite.
    const next = this.spare && this.spare.length >= target ? this.spare : Buffer.allocUnsafeSlow(target);
    rest.copy(next, 0);
    const { bytesRead } = await this.handle.read(next, rest.length, next.length - rest.length, this.position);
    if (bytesRead === 0) return false;
    this.position += bytesRead;
    const previous = this.current;
    this.current = next;
    this.spare = previous;
    window.replace(next.subarray(0, rest.length + bytesRead));
    return true;
  }

  private current: Buffer | undefined;
}

/** Decompresses on the fly; each decompressed chunk is appended to the window. */
class GzipSource implements ChunkSource {
  private readonly chunks: AsyncIterator<Buffer>;

  constructor(handle: FileHandle, chunkBytes: number) {
    const stream = handle.createReadStream({ start: 0, autoClose: false, highWaterMark: chunkBytes }).pipe(createGunzip({ chunkSize: Math.min(chunkBytes, 256 * 1024) }));
    this.chunks = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  }

  /** Gathers chunks until the record needed is whole, then joins them once (appending one by one re-copied a 64 MiB record hundreds of times). */
  async fill(window: ByteWindow): Promise<boolean> {
    const parts = [window.rest()];
    let total = window.available;
    const wanted = Math.max(window.needed, total + 1);
    // Bounded: the decompressed stream ends, and `wanted` is at most a record's checked length.
    while (total < wanted) {
      const next = await this.chunks.next();
      if (next.done) break;
      parts.push(next.value);
      total += next.value.length;
    }
    if (parts.length === 1) return false;
    window.replace(Buffer.concat(parts, total));
    return true;
  }

  async close(): Promise<void> {
    await this.chunks.return?.();
  }
}

/**
 * Every item in file order. Served out of the batches by a plain iterator: an async generator's
 * machinery per item cost more than decoding the frame.
 */
export function readCapture(file: string, options: ReadCaptureOptions = {}): AsyncIterableIterator<CaptureItem> {
  const batches = readCaptureBatches(file, options);
  let batch: CaptureItem[] = [];
  let index = 0;
  const refill = async (): Promise<IteratorResult<CaptureItem>> => {
    // Bounded: each pass takes a new batch; batches are finite.
    for (;;) {
      const next = await batches.next();
      if (next.done) return { value: undefined, done: true };
      batch = next.value;
      index = 0;
      if (batch.length > 0) return { value: batch[index++]!, done: false };
    }
  };
  return {
    next: () => (index < batch.length ? Promise.resolve({ value: batch[index++]!, done: false }) : refill()),
    return: async () => {
      await batches.return(undefined);
      return { value: undefined, done: true };
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

/** The same items in arrays of up to a few thousand (fewer awaits for a consumer in a hurry). */
export async function* readCaptureBatches(file: string, options: ReadCaptureOptions = {}): AsyncGenerator<CaptureItem[]> {
  const chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK;
  const stats = options.stats ?? { compressed: false, frames: 0, bytes: 0 };
  const handle = await open(file, 'r');
  let gzip: GzipSource | undefined;
  try {
    const size = (await handle.stat()).size;
    let window = new ByteWindow();
    let source: ChunkSource = new FileSource(handle, size, chunkBytes);
    await fillAtLeast(source, window, 12);
    if (detectCaptureFormat(window.buffer) === 'gzip') {
      stats.compressed = true;
      source = gzip = new GzipSource(handle, chunkBytes);
      window = new ByteWindow();
      await fillAtLeast(source, window, 12).catch((error: Error) => fail(file, 0, `gzip: ${error.message}`));
    }
    const format = options.format ?? formatOf(file, window.buffer);
    stats.format = format;
    yield* parse(file, format, window, source, stats, options);
  } catch (error) {
    if (error instanceof MalformedCapture) fail(file, error.offset, error.reason);
    if (gzip && !(error instanceof CaptureFormatError) && (error as NodeJS.ErrnoException).code?.startsWith('Z_')) fail(file, stats.bytes, `gzip: ${(error as Error).message}`);
    throw error;
  } finally {
    await gzip?.close().catch(() => undefined);
    await handle.close();
  }
}

async function* parse(file: string, format: 'pcap' | 'pcapng', window: ByteWindow, source: ChunkSource, stats: CaptureStats, options: ReadCaptureOptions): AsyncGenerator<CaptureItem[]> {
  const parser: RecordParser = format === 'pcap' ? new PcapParser(window) : new PcapngParser(window);
  const decoder = new FrameDecoder({ ...DEFAULT_FRAGMENT_LIMITS, ...options.fragments });
  const frame = emptyFrame();
  let items: CaptureItem[] = [];
  let counted = window.buffer.length;
  // Bounded: every pass either parses records or reads a new chunk; the input is finite.
  for (;;) {
    while (parser.next(frame)) {
      stats.frames = frame.frame;
      decoder.decode(frame, items);
      if (items.length >= BATCH) {
        yield items;
        items = [];
      }
    }
    if (window.needed > MAX_RECORD_BYTES + 16) fail(file, window.offset, `record of ${window.needed} bytes is absurd`);
    const before = window.base + window.buffer.length;
    if (!(await source.fill(window))) break;
    counted += window.base + window.buffer.length - before;
    stats.bytes = counted;
    if (options.maxBytes !== undefined && counted > options.maxBytes) fail(file, window.offset, `more than ${options.maxBytes} bytes of capture data (the limit)`);
  }
  if (window.available > 0) {
    const wanted = Math.max(window.needed, window.available + 1);
    fail(file, window.offset, `the file ends inside a record: ${wanted} bytes needed, ${window.available} left (truncated capture)`);
  }
  decoder.finish(items);
  if (items.length > 0) yield items;
}

async function fillAtLeast(source: ChunkSource, window: ByteWindow, bytes: number): Promise<void> {
  // Bounded: each fill adds at least one byte or ends.
  while (window.available < bytes) {
    window.needed = bytes;
    if (!(await source.fill(window))) return;
  }
}

function formatOf(file: string, head: Buffer): 'pcap' | 'pcapng' {
  const format: CaptureFormat | undefined = detectCaptureFormat(head);
  if (format === 'pcap' || format === 'pcapng') return format;
  if (head.length === 0) fail(file, 0, 'the file is empty');
  if (format === 'gzip') fail(file, 0, 'gzip inside gzip is not a capture');
  const first = head.subarray(0, 8).toString('hex').replace(/(..)(?!$)/g, '$1 ');
  return fail(file, 0, `not a pcap or pcapng capture (it starts with ${first})`);
}

function fail(file: string, offset: number, reason: string): never {
  throw new CaptureFormatError(file, offset, reason);
}
