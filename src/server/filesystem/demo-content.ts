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
import { BlockStream } from './block-stream.js';

const BLOCK = 64 * 1024;
const BASE_SIZE = 1024 * 1024;

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

/** The base offset block `block` is sliced from. */
function baseOffset(block: number): number {
  return mix(block ^ 0x85ebca6b) % BASE_SIZE;
}

/** Bytes at the start of each block that carry its number and hash instead of base bytes. */
const STAMP = 8;

/**
 * Demo content from `start`, `length` bytes, as pieces that are never copied: slices of the base
 * (shared: nobody may modify them) and each block's stamp (or the part of it inside the range).
 */
function pieces(start: number, length: number): Buffer[] {
  const result: Buffer[] = [];
  const stamps = Buffer.allocUnsafe(STAMP * (Math.ceil(length / BLOCK) + 1));
  let stamped = 0;
  let written = 0;
  while (written < length) {
    const position = start + written;
    const block = Math.floor(position / BLOCK);
    const within = position - block * BLOCK;
    const take = Math.min(BLOCK - within, length - written);
    if (within < STAMP) {
      const stamp = stamps.subarray(stamped, stamped + STAMP);
      stamped += STAMP;
      stamp.writeUInt32LE(block >>> 0, 0);
      stamp.writeUInt32LE(mix(block), 4);
      result.push(stamp.subarray(within, Math.min(STAMP, within + take)));
    }
    const from = Math.max(within, STAMP);
    const base = baseOffset(block);
    if (within + take > from) result.push(BASE.subarray(base + from, base + within + take));
    written += take;
  }
  return result;
}

/** Write `length` bytes of demo content starting at `start` into `target` at `at`. */
function fill(target: Buffer, at: number, start: number, length: number): void {
  let offset = at;
  for (const piece of pieces(start, length)) offset += piece.copy(target, offset);
}

/** `length` bytes of demo content starting at `start`. */
export function demoBytes(start: number, length: number): Buffer {
  const buffer = Buffer.allocUnsafe(length);
  fill(buffer, 0, start, length);
  return buffer;
}

/** A stream of demo content from `offset` to `size`, produced block by block as it is read. */
export function demoStream(size: number, offset: number): BlockStream {
  let position = Math.min(offset, size);
  return new BlockStream({
    readInto: (target) => {
      const length = Math.min(target.length, size - position);
      if (length > 0) fill(target, 0, position, length);
      position += length;
      return Promise.resolve(length);
    },
    // No copy at all for a socket (the kernel copies): the memcpy into a buffer was a quarter of
    // the server's time on a loopback RETR.
    readShared: (limit) => {
      const length = Math.min(limit, size - position);
      const result = length > 0 ? pieces(position, length) : [];
      position += length;
      return result;
    },
    close: () => Promise.resolve(),
  });
}
