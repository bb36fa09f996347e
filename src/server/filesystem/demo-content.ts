/**
 * Deterministic content of the demo files: any slice can be produced from its offset alone (REST +
 * RETR), and a 1 GiB file streams without being held in memory. The bytes do not repeat with a
 * short period, so a transfer that skipped or duplicated a block does not match by accident.
 * Tests compare what a client wrote against `demoBytes`.
 *
 * Content is made in 64 KiB blocks. Each block is a slice of a fixed 1 MiB pseudo-random base,
 * taken at an offset that depends on the block number (a native copy, several GB/s), and its first
 * 8 bytes are stamped with the block number and a hash of it — so no two blocks are equal and a
 * skipped or repeated block never matches. Hashing every byte was the bottleneck of a throughput
 * benchmark (160 MiB/s); XORing every word still cost a third of the server's CPU.
 */
import { Readable } from 'node:stream';

const BLOCK = 64 * 1024;
const BASE_SIZE = 1024 * 1024;
/** Chunks pushed to the stream: large, so a fast link is not paced by per-chunk overhead. */
const CHUNK = 16 * BLOCK;

function mix(value: number): number {
  let hash = Math.imul(value ^ (value >>> 16), 0x45d9f3b);
  hash = Math.imul(hash ^ (hash >>> 16), 0x45d9f3b);
  return (hash ^ (hash >>> 16)) >>> 0;
}

/** The base, with its first block repeated at the end so any BLOCK-long slice is contiguous. */
const BASE = (() => {
  const base = Buffer.allocUnsafe(BASE_SIZE + BLOCK);
  for (let offset = 0; offset < BASE_SIZE; offset += 4) base.writeUInt32LE(mix(offset + 0x9e3779b9), offset);
  base.copy(base, BASE_SIZE, 0, BLOCK);
  return base;
})();

/** Block `block` of the content, written into `scratch` (BLOCK bytes). */
function blockBytes(block: number, scratch: Buffer): Buffer {
  const offset = mix(block ^ 0x85ebca6b) % BASE_SIZE;
  BASE.copy(scratch, 0, offset, offset + BLOCK);
  scratch.writeUInt32LE(block >>> 0, 0);
  scratch.writeUInt32LE(mix(block), 4);
  return scratch;
}

/** Write `length` bytes of demo content starting at `start` into `target` at `at`. */
function fill(target: Buffer, at: number, start: number, length: number): void {
  const scratch = Buffer.allocUnsafe(BLOCK);
  let written = 0;
  while (written < length) {
    const position = start + written;
    const block = Math.floor(position / BLOCK);
    const within = position - block * BLOCK;
    const take = Math.min(BLOCK - within, length - written);
    blockBytes(block, scratch).copy(target, at + written, within, within + take);
    written += take;
  }
}

/** `length` bytes of demo content starting at `start`. */
export function demoBytes(start: number, length: number): Buffer {
  const buffer = Buffer.allocUnsafe(length);
  fill(buffer, 0, start, length);
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
