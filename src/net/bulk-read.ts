/**
 * Reading a socket into one reused buffer (node:net's `onread`) while keeping what a stream
 * reader relies on: with `onread` Node delivers bytes through a callback and no longer buffers
 * them, so bytes that arrive before anyone listens for 'data' would be lost. Until a 'data'
 * listener is attached they are copied and held (reading pauses past HOLD_LIMIT bytes); the
 * listener's arrival delivers them in order and resumes reading.
 */
import type net from 'node:net';

const HOLD_LIMIT = 256 * 1024;

export interface BulkReader {
  onread: { buffer: Buffer; callback: (size: number, buffer: Buffer) => boolean };
  /** Call once with the socket the options went to. */
  attach(socket: net.Socket): void;
}

export function bulkReader(buffer: Buffer): BulkReader {
  let socket: net.Socket | undefined;
  const held: Buffer[] = [];
  let heldBytes = 0;
  const listening = (): boolean => (socket?.listenerCount('data') ?? 0) > 0;
  return {
    onread: {
      buffer,
      callback: (size, chunk) => {
        const view = chunk.subarray(0, size);
        if (socket && listening() && held.length === 0) {
          // A view into the reused buffer: listeners use it up before the next read.
          socket.emit('data', view);
          return true;
        }
        held.push(Buffer.from(view));
        heldBytes += size;
        return heldBytes < HOLD_LIMIT;
      },
    },
    attach(target) {
      socket = target;
      target.on('newListener', (event: string | symbol) => {
        if (event !== 'data' || held.length === 0) return;
        // After the listener is in place (newListener fires before it is added), and before the
        // stream's own resume (a nextTick queued after this one) can emit 'end'.
        process.nextTick(() => {
          for (const piece of held.splice(0)) target.emit('data', piece);
          heldBytes = 0;
          target.resume();
        });
      });
    },
  };
}
