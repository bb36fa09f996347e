/**
 * Deterministic content of the demo files: any slice can be produced from its offset alone (REST +
 * RETR), and a 1 GiB file streams without being held in memory. The bytes do not repeat with a
 * short period, so a transfer that skipped or duplicated a block does not match by accident.
 * Tests compare what a client wrote against `demoBytes`.
 *
 * Content is made in 64 KiB blocks: one fixed pseudo-random base block, XORed word by word with a
 * per-block key. That is a few thousand 32-bit operations per block — fast enough that generating
 * the content never limits a throughput benchmark (per-byte hashing did: ~160 MiB/s).
 */
import { Readable } from 'node:stream';

const BLOCK = 64 * 1024;
const WORDS = BLOCK / 4;
/** Chunks pushed to the stream: large, so a fast link is not paced by per-chunk overhead. */
const CHUNK = 16 * BLOCK;

function mix(value: number): number {
  let hash = Math.imul(value ^ (value >>> 16), 0x45d9f3b);
  hash = Math.imul(hash ^ (hash >>> 16), 0x45d9f3b);
  return (hash ^ (hash >>> 16)) >>> 0;
}

const BASE = (() => {
  const words = new Uint32Array(WORDS);
  for (let index = 0; index < WORDS; index += 1) words[index] = mix(index + 0x9e3779b9);
  return words;
})();

/** Block `block` of the content as bytes (platform word order; the same on both ends of a test). */
function blockBytes(block: number, into: Uint32Array): Buffer {
  const key = mix(block ^ 0x85ebca6b);
  for (let index = 0; index < WORDS; index += 1) into[index] = (BASE[index] as number) ^ key;
  return Buffer.from(into.buffer, into.byteOffset, BLOCK);
}

/** Write `length` bytes of demo content starting at `start` into `target` at `at`. */
function fill(target: Buffer, at: number, start: number, length: number): void {
  const scratch = new Uint32Array(WORDS);
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
