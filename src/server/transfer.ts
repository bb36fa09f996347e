/**
 * Running one transfer: open the data connection (PASV/EPSV listener or PORT/EPRT dial, TLS,
 * token), say 150, move the bytes, close, say 226 with the byte count — or 425/426 and a log line
 * that says why. ABOR and a vanished client end up in the same 426 path.
 */
import { finished, pipeline } from 'node:stream/promises';
import { Transform, type Duplex, type Readable, type Writable } from 'node:stream';
import { BLOCK_SIZE, BlockStream, giveBlockBuffer, takeBlockBuffer, type BlockReader } from './filesystem/block-stream.js';
import { connectData, DataChannelError, prepareData, type DataConnection, type RawDataConnection } from './data-channel.js';
import { fileErrorReplyCode, isFileError } from './filesystem/vfs.js';
import type { Session } from './session.js';
import { endedByReset } from '../net/reset-probe.js';

/** How long an upload's EOF waits for a vanishing control connection (see controlStillOpen). */
const UPLOAD_GRACE_MS = 100;

/** Moves the bytes; calls `progress` with each chunk's size (counting and the idle deadline). */
export type TransferWork = (data: DataConnection, signal: AbortSignal, progress: (bytes: number) => void) => Promise<void>;

export interface TransferDescription {
  /** For the 150 reply and the log: "LIST /pub", "/1MiB.bin (1048576 bytes)". */
  what: string;
  direction: 'download' | 'upload';
  /** Undo a partial upload when the transfer fails. */
  onFailure?: () => Promise<void>;
  /** Make an upload visible once every byte arrived. */
  onSuccess?: () => Promise<void>;
}

export async function runTransfer(session: Session, description: TransferDescription, work: TransferWork): Promise<void> {
  const controller = new AbortController();
  let markDone = (): void => {};
  const done = new Promise<void>((resolve) => (markDone = resolve));
  session.transfer = { abort: () => controller.abort(), done };
  let bytes = 0;
  // A transfer that stops moving (a client that never reads, an upload that never sends) would
  // hold its session and data socket forever: abort it after the data idle deadline.
  let stalled = false;
  const idleLimit = session.server.limits.dataIdleTimeoutMs;
  let idleTimer: NodeJS.Timeout | undefined;
  const armIdle = (): void => {
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => {
      stalled = true;
      controller.abort();
    }, idleLimit);
  };
  const progress = (size: number): void => {
    bytes += size;
    armIdle();
  };
  const started = Date.now();
  try {
    let raw: RawDataConnection;
    try {
      raw = await connectData(session, controller.signal);
    } catch (error) {
      await description.onFailure?.();
      if (!(error instanceof DataChannelError)) throw error;
      await session.reply(error.code, error.message);
      return;
    }
    await session.reply(150, `Opening ${session.type === 'I' ? 'BINARY' : 'ASCII'} mode data connection for ${description.what}.`);
    let data: DataConnection;
    try {
      data = await prepareData(session, raw);
    } catch (error) {
      raw.connection.destroy();
      await description.onFailure?.();
      if (!(error instanceof DataChannelError)) throw error;
      await session.reply(error.code, error.message);
      return;
    }
    try {
      armIdle();
      await work(data, controller.signal, progress);
      clearTimeout(idleTimer);
      if (description.direction === 'upload' && !(await session.controlStillOpen(UPLOAD_GRACE_MS))) {
        throw new Error('the client went away (its control connection closed with the data connection)');
      }
      await description.onSuccess?.();
      await data.close(true);
    } catch (error) {
      clearTimeout(idleTimer);
      await data.close(false);
      await description.onFailure?.();
      const stallText = `no data moved for ${Math.round(idleLimit / 1000)} s`;
      // An upload stopped by a storage limit (size, free space) says so with 552, not a vague 426.
      const limit = isFileError(error) && fileErrorReplyCode(error) === 552 ? error : undefined;
      const why = stalled ? stallText : limit ? limit.message : controller.signal.aborted ? 'aborted by the client' : (error as Error).message;
      session.log('warn', 'transfer', `${description.direction} of ${description.what} failed after ${bytes} bytes: ${why}`, { bytes });
      if (limit) return await session.reply(552, limit.message);
      await session.reply(426, stalled ? `Transfer stalled (${stallText}); aborted.` : controller.signal.aborted ? 'Transfer aborted.' : 'Connection closed; transfer aborted.');
      return;
    }
    const seconds = Math.max((Date.now() - started) / 1000, 0.001);
    session.log('info', 'transfer', `${description.direction} of ${description.what} complete: ${bytes} bytes in ${seconds.toFixed(2)} s`, { bytes, port: data.port });
    await session.reply(226, `Transfer complete (${bytes} bytes).`);
  } finally {
    clearTimeout(idleTimer);
    session.transfer = undefined;
    // The idle time counts from the end of the transfer: an idle timer that fell due during it
    // re-armed itself, and could otherwise close the session moments after its 226 or 426.
    session.touch();
    session.restOffset = 0;
    const setup = session.data;
    session.data = undefined;
    await setup?.close?.();
    markDone();
  }
}

/**
 * Stream `source` to the client, throttled when the server is configured to be slow. A file's
 * blocks (a BlockStream) go through `sendBlocks`; anything else (a listing) through a pipeline.
 * Bytes are counted with a 'data' listener rather than a Transform in the pipeline: an extra
 * stage per chunk cost about a fifth of the throughput on loopback. The listener is attached in
 * the same tick as the pipeline, so no chunk flows before both are in place.
 */
export function sendStream(session: Session, source: Readable): TransferWork {
  return async (data, signal, progress) => {
    const rate = session.server.options.throttleBytesPerSecond;
    const throttled = rate !== undefined && rate > 0;
    if (!throttled && source instanceof BlockStream) return sendBlocks(source.reader, data, signal, progress);
    const done = throttled ? pipeline(source, throttle(rate), data.stream, { signal }) : pipeline(source, data.stream, { signal });
    source.on('data', (chunk: Buffer) => progress(chunk.length));
    await done;
  };
}

/**
 * The fast path of a download: read a block into a recycled buffer, write it, and read the next
 * one while the socket drains (a disk read then overlaps the send). A buffer is recycled from its
 * write callback only, and only when the connection copies what it is given.
 */
async function sendBlocks(reader: BlockReader, data: DataConnection, signal: AbortSignal, progress: (bytes: number) => void): Promise<void> {
  const stream = data.stream;
  let failure: Error | undefined;
  const onError = (error: Error): void => {
    failure ??= error;
  };
  stream.on('error', onError);
  const readBlock = (): Promise<{ buffer: Buffer; size: number }> => {
    const buffer = takeBlockBuffer();
    const reading = reader.readInto(buffer).then((size) => ({ buffer, size }));
    // Left pending when the transfer fails; its outcome no longer matters then.
    reading.catch(() => {});
    return reading;
  };
  const recycle = (buffer: Buffer) => (error?: Error | null) => {
    if (!error) giveBlockBuffer(buffer);
  };
  try {
    if (reader.readShared && data.copiesWrites) {
      await sendShared(reader.readShared.bind(reader), stream, signal, progress, () => failure);
      return;
    }
    let next = readBlock();
    for (;;) {
      const { buffer, size } = await next;
      if (signal.aborted) throw abortError();
      if (failure || stream.destroyed) throw failure ?? closedEarly();
      if (size === 0) {
        giveBlockBuffer(buffer);
        break;
      }
      progress(size);
      const ready = stream.write(size === buffer.length ? buffer : buffer.subarray(0, size), data.copiesWrites ? recycle(buffer) : undefined);
      next = readBlock();
      if (!ready) await drained(stream, signal, () => failure);
    }
    stream.end();
    await finished(stream, { readable: false, signal });
  } finally {
    stream.off('error', onError);
  }
}

/** Content that needs no copy (see BlockReader.readShared): a block's pieces in one writev. */
async function sendShared(readShared: (limit: number) => Buffer[], stream: Duplex, signal: AbortSignal, progress: (bytes: number) => void, failure: () => Error | undefined): Promise<void> {
  for (;;) {
    if (signal.aborted) throw abortError();
    const error = failure();
    if (error || stream.destroyed) throw error ?? closedEarly();
    const pieces = readShared(BLOCK_SIZE);
    if (pieces.length === 0) break;
    let ready = true;
    let size = 0;
    stream.cork();
    for (const piece of pieces) {
      ready = stream.write(piece);
      size += piece.length;
    }
    stream.uncork();
    progress(size);
    if (!ready) await drained(stream, signal, failure);
  }
  stream.end();
  await finished(stream, { readable: false, signal });
}

/** Resolves on 'drain'; rejects when the stream fails or closes first, or on abort. */
function drained(stream: Duplex, signal: AbortSignal, failure: () => Error | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const settle = (error?: Error): void => {
      stream.off('drain', onDrain);
      stream.off('error', onError);
      stream.off('close', onClose);
      signal.removeEventListener('abort', onAbort);
      if (error) reject(error);
      else resolve();
    };
    const onDrain = (): void => settle();
    const onError = (error: Error): void => settle(error);
    const onClose = (): void => settle(failure() ?? closedEarly());
    const onAbort = (): void => settle(abortError());
    if (signal.aborted) return onAbort();
    if (stream.destroyed) return onClose();
    stream.on('drain', onDrain);
    stream.on('error', onError);
    stream.on('close', onClose);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

function closedEarly(): Error {
  const error = new Error('Premature close') as Error & { code: string };
  error.code = 'ERR_STREAM_PREMATURE_CLOSE';
  return error;
}

function abortError(): Error {
  const error = new Error('The operation was aborted') as Error & { code: string };
  error.name = 'AbortError';
  error.code = 'ABORT_ERR';
  return error;
}

export function receiveStream(target: Writable): TransferWork {
  return async (data, signal, progress) => {
    const done = pipeline(data.stream, target, { signal });
    data.stream.on('data', (chunk: Buffer) => progress(chunk.length));
    await done;
    // A reset can surface as a clean end: never commit an upload the client cut off.
    if (await endedByReset(data.stream)) throw new Error('the data connection was reset before the end of the upload');
  };
}

/** Pieces a throttled stream is cut into, so a slow link still sees a steady trickle of data. */
const THROTTLE_PIECE = 16 * 1024;

/** Send each piece when it is due, so the average rate stays at `bytesPerSecond`. */
function throttle(bytesPerSecond: number): Transform {
  const started = Date.now();
  let sent = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      const pushPiece = (offset: number): void => {
        if (offset >= chunk.length) return callback();
        const piece = chunk.subarray(offset, offset + THROTTLE_PIECE);
        sent += piece.length;
        const due = started + (sent / bytesPerSecond) * 1000;
        setTimeout(() => {
          this.push(piece);
          pushPiece(offset + piece.length);
        }, Math.max(0, due - Date.now()));
      };
      pushPiece(0);
    },
  });
}
