/**
 * Running one transfer: open the data connection (PASV/EPSV listener or PORT/EPRT dial, TLS,
 * token), say 150, move the bytes, close, say 226 with the byte count — or 425/426 and a log line
 * that says why. ABOR and a vanished client end up in the same 426 path.
 */
import { pipeline } from 'node:stream/promises';
import { Transform, type Readable, type Writable } from 'node:stream';
import { connectData, DataChannelError, prepareData, type DataConnection, type RawDataConnection } from './data-channel.js';
import type { Session } from './session.js';

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
      const why = stalled ? stallText : controller.signal.aborted ? 'aborted by the client' : (error as Error).message;
      session.log('warn', 'transfer', `${description.direction} of ${description.what} failed after ${bytes} bytes: ${why}`, { bytes });
      await session.reply(426, stalled ? `Transfer stalled (${stallText}); aborted.` : controller.signal.aborted ? 'Transfer aborted.' : 'Connection closed; transfer aborted.');
      return;
    }
    const seconds = Math.max((Date.now() - started) / 1000, 0.001);
    session.log('info', 'transfer', `${description.direction} of ${description.what} complete: ${bytes} bytes in ${seconds.toFixed(2)} s`, { bytes, port: data.port });
    await session.reply(226, `Transfer complete (${bytes} bytes).`);
  } finally {
    clearTimeout(idleTimer);
    session.transfer = undefined;
    session.restOffset = 0;
    const setup = session.data;
    session.data = undefined;
    await setup?.close?.();
    markDone();
  }
}

/**
 * Stream `source` to the client, throttled when the server is configured to be slow. Bytes are
 * counted with a 'data' listener rather than a Transform in the pipeline: an extra stage per
 * chunk cost about a fifth of the throughput on loopback. The listener is attached in the same
 * tick as the pipeline, so no chunk flows before both are in place.
 */
export function sendStream(session: Session, source: Readable): TransferWork {
  return async (data, signal, progress) => {
    const rate = session.server.options.throttleBytesPerSecond;
    const done = rate !== undefined && rate > 0 ? pipeline(source, throttle(rate), data.stream, { signal }) : pipeline(source, data.stream, { signal });
    source.on('data', (chunk: Buffer) => progress(chunk.length));
    await done;
  };
}

export function receiveStream(target: Writable): TransferWork {
  return async (data, signal, progress) => {
    const done = pipeline(data.stream, target, { signal });
    data.stream.on('data', (chunk: Buffer) => progress(chunk.length));
    await done;
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
