/** Ending a read of a data stream, shared by the client's data channel and the sweep's token read. */
import type { Duplex } from 'node:stream';

export interface ReadHandlers {
  data: (chunk: Buffer) => void;
  end: () => void;
  error: (error: Error) => void;
  close: () => void;
}

/**
 * Detach our handlers and close the stream: gracefully after a clean end of data, at once
 * otherwise. A sink stays on 'error', because a late error on a socket we stopped reading must
 * not crash the process.
 */
export function stopReading(stream: Duplex, handlers: ReadHandlers, graceful: boolean): void {
  stream.off('data', handlers.data);
  stream.off('end', handlers.end);
  stream.off('error', handlers.error);
  stream.off('close', handlers.close);
  stream.on('error', () => {});
  if (graceful) stream.end();
  else stream.destroy();
}
