/**
 * readCapture(file): a pcap or pcapng file (or either gzip'd) as a stream of CaptureItems, read in
 * chunks from a file handle with bounded memory whatever the file's size. This is the I/O edge; the
 * format parsers and the frame decoder it drives are pure.
 *
 * Payloads are the consumer's own copies (the read buffers are reused): keeping one holds only its
 * bytes, never a read chunk.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { gunzipFile } from '../../io/gzip.js';
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
  /** Set when the file was cut short: every complete record before the cut was read. */
  cut?: CaptureCut;
}

/**
 * Where a capture that was cut short ends (tcpdump killed, a full disk, a file copied while still
 * being written): read like Wireshark does, every complete record, then said.
 */
export interface CaptureCut {
  /** Offset of the incomplete record (in the decompressed data when gzip'd); the end of the data when the cut fell between records. */
  offset: number;
  /** Frames read whole before the cut (the last one's number). */
  frames: number;
  /** The incomplete record: the bytes it needs and the bytes the file still holds of it (absent when the cut fell between records). */
  record?: { needed: number; present: number };
  /** The gzip stream itself ends before its end marker; `bytes` of capture data came out of it. */
  gzip?: { bytes: number };
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
  /** Once fill has said the end: the length of the whole capture data (what a cut record's part is measured against). */
  end(window: ByteWindow): number;
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
    const remaining = this.size - this.position;
    if (remaining === 0) return false;
    // A length that runs past the end of the file is not allocated for, only what the file still holds: the caller reports the cut.
    const target = Math.max(this.chunkBytes, Math.min(window.needed, rest.length + remaining));
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

  end(): number {
    return this.size;
  }

  private current: Buffer | undefined;
}

/** Decompresses on the fly; each decompressed chunk is appended to the window. */
class GzipSource implements ChunkSource {
  private readonly chunks: AsyncIterator<Buffer>;
  /** The compressed stream ended before gzip's end marker (zlib's "unexpected end of file"): what came before it is kept. */
  endedEarly = false;

  constructor(handle: FileHandle, chunkBytes: number) {
    this.chunks = gunzipFile(handle, { readBytes: chunkBytes, chunkBytes: Math.min(chunkBytes, 256 * 1024) });
  }

  /** Gathers chunks until the record needed is whole, then joins them once (appending one by one re-copied a 64 MiB record hundreds of times). */
  async fill(window: ByteWindow): Promise<boolean> {
    const parts = [window.rest()];
    let total = window.available;
    const wanted = Math.max(window.needed, total + 1);
    // Bounded: the decompressed stream ends, and `wanted` is at most a record's checked length.
    while (total < wanted && !this.endedEarly) {
      const next = await this.nextChunk();
      if (next.done) break;
      parts.push(next.value);
      total += next.value.length;
    }
    if (parts.length === 1) return false;
    window.replace(Buffer.concat(parts, total));
    return true;
  }

  /** After the stream ended everything it inflated is in the window. */
  end(window: ByteWindow): number {
    return window.base + window.buffer.length;
  }

  async close(): Promise<void> {
    await this.chunks.return?.();
  }

  /** zlib reports a stream cut short only after it has handed out all it could inflate: that much is the capture. */
  private async nextChunk(): Promise<IteratorResult<Buffer>> {
    try {
      return await this.chunks.next();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'Z_BUF_ERROR') throw error;
      this.endedEarly = true;
      return { value: undefined, done: true };
    }
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
      // zlib reports a stream cut inside its own 10-byte header as no error and no data: say both cases at once.
      if (window.available < 4) fail(file, 0, `gzip: only ${window.available} byte${window.available === 1 ? '' : 's'} of capture data inflate from it, too few for a capture's header (${gzip.endedEarly ? 'the gzip stream ends early: the file was cut short' : 'a cut or empty gzip stream'})`);
    }
    const format = options.format ?? formatOf(file, window.buffer);
    stats.format = format;
    yield* parse(file, format, window, source, stats, options);
    const cut = cutOf(window, source.end(window), stats, gzip?.endedEarly === true);
    if (cut) stats.cut = cut;
    // Nothing whole to read: a header cut short, or a file that stops before its first frame, is refused (exit 2, with the place).
    if (cut && cut.frames === 0) fail(file, cut.offset, nothingWhole(cut, window.offset === 0));
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
  decoder.finish(items);
  if (items.length > 0) yield items;
}

/** The cut, when the data ended inside a record or the gzip stream ended early; undefined for a whole file. */
function cutOf(window: ByteWindow, end: number, stats: CaptureStats, gzipEndedEarly: boolean): CaptureCut | undefined {
  if (window.available === 0 && !gzipEndedEarly) return undefined;
  const cut: CaptureCut = { offset: window.offset, frames: stats.frames };
  // The window may not hold the record's last bytes (a length past the end of the file is not read for): measure against the end.
  const present = Math.max(window.available, end - window.offset);
  if (window.available > 0) cut.record = { needed: Math.max(window.needed, present + 1), present };
  if (gzipEndedEarly) cut.gzip = { bytes: end };
  return cut;
}

function nothingWhole(cut: CaptureCut, inHeader: boolean): string {
  const record = cut.record ? `: ${cut.record.needed} bytes needed, ${cut.record.present} left` : '';
  const where = inHeader ? `the file ends inside the capture's header${record}` : `the file ends before its first complete frame${record}`;
  return `${where} (truncated capture${cut.gzip ? ': the gzip stream ends early' : ''})`;
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
