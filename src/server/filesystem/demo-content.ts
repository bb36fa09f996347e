/**
 * Deterministic content of the demo files: byte i is a function of i alone, so any slice can be
 * produced without the rest (REST + RETR) and a 100 MiB file streams without being held in memory.
 * The bytes do not repeat with a short period, so a transfer that skipped or duplicated a block
 * does not match by accident. Tests compare what a client wrote against `demoBytes`.
 */
import { Readable } from 'node:stream';

const CHUNK = 64 * 1024;

function byteAt(index: number): number {
  const word = Math.floor(index / 4);
  let hash = Math.imul(word ^ (word >>> 16), 0x45d9f3b);
  hash = Math.imul(hash ^ (hash >>> 16), 0x45d9f3b);
  hash ^= hash >>> 16;
  return (hash >>> ((index % 4) * 8)) & 0xff;
}

/** `length` bytes of demo content starting at `start`. */
export function demoBytes(start: number, length: number): Buffer {
  const buffer = Buffer.allocUnsafe(length);
  for (let offset = 0; offset < length; offset += 1) buffer[offset] = byteAt(start + offset);
  return buffer;
}

/** A stream of demo content from `offset` to `size`, produced chunk by chunk as it is read. */
export function demoStream(size: number, offset: number): Readable {
  let position = Math.min(offset, size);
  return new Readable({
    highWaterMark: CHUNK,
    read() {
      if (position >= size) {
        this.push(null);
        return;
      }
      const length = Math.min(CHUNK, size - position);
      const chunk = demoBytes(position, length);
      position += length;
      this.push(chunk);
    },
  });
}
