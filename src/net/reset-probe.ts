/**
 * Was that end of stream a FIN, or a reset? libuv reports a reset that arrives right after a short
 * read as a plain EOF (it sees POLLHUP and skips the read that would have returned ECONNRESET), so
 * on a real socket an upload cut off by the client's RST looks complete. On a socket kept open
 * after the peer's FIN (allowHalfOpen), a zero-byte write tells them apart: the kernel refuses it
 * with ECONNRESET on a connection reset without a FIN, and accepts it on a half-closed one, sending
 * nothing (a reset after the FIN makes it EPIPE: the data was complete).
 */
import { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import type { Duplex } from 'node:stream';

/**
 * Whether `stream` can have hidden a reset behind its end and can be asked: only plain kernel
 * sockets have the quirk (the simulator reports resets as errors; TLS would turn the zero-byte
 * write into a record), and a socket that ended itself on the peer's FIN cannot be asked. When
 * this is false, an end is an end, and a caller can say so at once.
 */
export function canHideReset(stream: Duplex): stream is Socket {
  if (!(stream instanceof Socket) || stream instanceof TLSSocket) return false;
  return stream.allowHalfOpen && !stream.destroyed && !stream.writableEnded;
}

export function endedByReset(stream: Duplex): Promise<boolean> {
  if (!canHideReset(stream)) return Promise.resolve(false);
  return new Promise((resolve) => {
    // The failed write also emits 'error': the caller's listener, or this one, takes it.
    const ignore = (): void => {};
    stream.on('error', ignore);
    stream.write(Buffer.alloc(0), (error) => {
      stream.off('error', ignore);
      // ECONNRESET: the reset came while the connection was open — the end we saw was not the
      // peer's. EPIPE: the peer's FIN came first (a reset after it is Linux's EPIPE), so every
      // byte arrived and the end was real.
      resolve((error as { code?: string } | null | undefined)?.code === 'ECONNRESET');
    });
  });
}
