/**
 * Hostile and broken files: each gives a CaptureFormatError naming the file and the byte offset,
 * with a reason a person can act on; never another error, a hang or an allocation of what a
 * corrupt length claims.
 */
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { CaptureFormatError } from '../../../src/capture/read/index.js';
import { readAll, readError, removeTempCaptures, tempCapture } from './collect.js';
import { pcapFile, pcapngBlocks } from './files.js';
import { ETHERTYPE, ethernet, ipv4, tcp } from './writer.js';

afterAll(removeTempCaptures);

const frame = ethernet(ETHERTYPE.ipv4, ipv4('10.0.0.1', '10.0.0.2', 6, tcp({ srcPort: 1, dstPort: 21, payload: 'NOOP\r\n' })));
const goodPcap = pcapFile({ linkType: 1, records: [{ timeUs: 1e15, data: frame }, { timeUs: 1e15 + 1, data: frame }] });
const ng = pcapngBlocks();
const goodNg = Buffer.concat([ng.section(), ng.interface(1), ng.enhanced(0, 10n, frame), ng.enhanced(0, 11n, frame)]);

/** An EPB whose length fields (both) say `length`. */
function blockWithLength(type: number, length: number, body = Buffer.alloc(0)): Buffer {
  const out = Buffer.alloc(12 + body.length);
  out.writeUInt32LE(type, 0);
  out.writeUInt32LE(length, 4);
  body.copy(out, 8);
  out.writeUInt32LE(length, 8 + body.length);
  return out;
}

const pcapRecordClaiming = (captured: number) => {
  const header = Buffer.alloc(16);
  header.writeUInt32LE(captured, 8);
  header.writeUInt32LE(captured, 12);
  return Buffer.concat([goodPcap.subarray(0, 24), header, Buffer.alloc(40)]);
};

const random = Buffer.from(Array.from({ length: 4096 }, (_, index) => (index * 7919 + 13) % 256));
const wrongMagic = Buffer.from(goodPcap);
wrongMagic.writeUInt32LE(0xa1b2c3d5, 0);
const mismatched = Buffer.from(goodNg);
mismatched.writeUInt32LE(999, goodNg.length - 4);
const secondBlock = ng.section().length + ng.interface(1).length;

const cases: [string, Buffer, number, string][] = [
  ['an empty file', Buffer.alloc(0), 0, 'the file is empty'],
  ['random bytes', random, 0, 'not a pcap or pcapng capture (it starts with 0d fc eb da c9 b8 a7 96)'],
  ['a wrong magic number', wrongMagic, 0, 'not a pcap or pcapng capture (it starts with d5 c3 b2 a1 02 00 04 00)'],
  ['a pcap header cut short', goodPcap.subarray(0, 20), 0, "the file ends inside the capture's header: 24 bytes needed, 20 left (truncated capture)"],
  ['a pcap cut inside its first record', goodPcap.subarray(0, 24 + 20), 24, `the file ends before its first complete frame: ${16 + frame.length} bytes needed, 20 left (truncated capture)`],
  ['a pcap record claiming a billion bytes', pcapRecordClaiming(1_000_000_000), 24, 'record 1 claims 1000000000 captured bytes, more than the snap length allows (262144): the file is corrupt'],
  ['a zero-length block', Buffer.concat([ng.section(), blockWithLength(6, 0)]), 28, 'block of type 0x6: length 0 is below the minimum 32'],
  ['a block length below the minimum', Buffer.concat([ng.section(), blockWithLength(1, 16, Buffer.alloc(4))]), 28, 'block of type 0x1: length 16 is below the minimum 20'],
  ['a block length not a multiple of 4', Buffer.concat([ng.section(), blockWithLength(0x99, 14)]), 28, 'block of type 0x99: length 14 is not a multiple of 4'],
  ['a block length over 64 MiB', Buffer.concat([ng.section(), blockWithLength(6, 0x7ffffff0)]), 28, 'block of type 0x6: length 2147483632 is absurd (over 67108864 bytes)'],
  ['a block length larger than what remains', Buffer.concat([ng.section(), blockWithLength(6, 60 * 1024 * 1024)]), 28, 'the file ends before its first complete frame: 62914560 bytes needed, 12 left (truncated capture)'],
  ['a trailing length that differs', mismatched, goodNg.length - ng.enhanced(0, 11n, frame).length, `block of type 0x6: its trailing length 999 differs from its length ${ng.enhanced(0, 11n, frame).length}`],
  ['a packet on an interface never described', Buffer.concat([ng.section(), ng.enhanced(3, 1n, frame)]), 28, 'packet on interface 3, but this section describes 0 interface(s)'],
  ['a packet block claiming more bytes than it holds', (() => { const bad = Buffer.from(goodNg); bad.writeUInt32LE(5000, secondBlock + 20); return bad; })(), secondBlock, `packet block claims 5000 captured bytes in a block of ${ng.enhanced(0, 10n, frame).length}`],
  ['an interface option running past its block', (() => { const idb = ng.interface(1, { tsresol: 9 }); idb.writeUInt16LE(200, 16 + 2); return Buffer.concat([ng.section(), idb]); })(), 28 + 16, 'interface option 9 of 200 bytes runs past its block'],
  ['pcapng without a section header first', Buffer.concat([ng.section().subarray(0, 0), ng.interface(1)]), 0, 'not a pcap or pcapng capture (it starts with 01 00 00 00 14 00 00 00)'],
  ['a section header with a bad byte-order magic', (() => { const shb = ng.section(); shb.writeUInt32LE(0x11223344, 8); return Buffer.concat([goodNg, shb]); })(), goodNg.length, 'Section Header Block with an unknown byte-order magic 0x44332211'],
  ['a gzip stream cut before its first frame', gzipSync(goodPcap).subarray(0, 40), 24, `the file ends before its first complete frame: ${16 + frame.length} bytes needed, 29 left (truncated capture: the gzip stream ends early)`],
  ['a gzip stream cut in its header', gzipSync(goodPcap).subarray(0, 8), 0, "gzip: only 0 bytes of capture data inflate from it, too few for a capture's header (the gzip stream ends early: the file was cut short)"],
  ['a gzip stream cut before any data', gzipSync(goodPcap).subarray(0, 12), 0, "gzip: only 1 byte of capture data inflate from it, too few for a capture's header (the gzip stream ends early: the file was cut short)"],
];

describe('hostile capture files', () => {
  it.each(cases)('%s', async (name, bytes, offset, reason) => {
    const file = tempCapture(bytes, name.replace(/\W+/g, '-'));
    const error = await readError(file);
    expect(error).toBeInstanceOf(CaptureFormatError);
    expect(error).toMatchObject({ file, offset, reason, message: `${file}: byte ${offset}: ${reason}` });
  });

  // Cut after a complete frame: read up to the cut, which is said (test/capture/cut.test.ts has the report's side).
  it.each([
    ['a pcap record cut short', goodPcap, 10, 24 + 16 + frame.length, 16 + frame.length],
    ['a pcapng block cut short', goodNg, 3, goodNg.length - ng.enhanced(0, 11n, frame).length, ng.enhanced(0, 11n, frame).length],
  ])('%s after the first frame: the first frame is read, then the cut is said', async (_name, whole, missing, offset, needed) => {
    const { stats } = await readAll(tempCapture(whole.subarray(0, whole.length - missing), 'cut'));
    expect(stats.frames).toBe(1);
    expect(stats.cut).toEqual({ offset, frames: 1, record: { needed, present: needed - missing } });
  });

  it('a section header claiming a billion-byte section and statistics claiming a billion packets read as what is there', async () => {
    const shb = ng.section();
    shb.writeBigInt64LE(1_000_000_000n, 16);
    const { stats } = await readAll(tempCapture(Buffer.concat([shb, ng.interface(1), ng.statistics(0, 1_000_000_000n), ng.enhanced(0, 1n, frame)])));
    expect(stats.frames).toBe(1);
  });

  it('the byte limit stops reading with the offset', async () => {
    const big = pcapFile({ linkType: 1, records: Array.from({ length: 2000 }, (_, index) => ({ timeUs: index, data: frame })) });
    const error = await readError(tempCapture(big), { maxBytes: 50_000, chunkBytes: 16_384 });
    expect(error).toMatchObject({ reason: 'more than 50000 bytes of capture data (the limit)' });
  });

  it('mutated files (2,000 seeded corruptions of a pcap and a pcapng) read or fail with a CaptureFormatError, never anything else', async () => {
    let seed = 12345;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648);
    for (let round = 0; round < 2000; round += 1) {
      const base = round % 2 === 0 ? goodPcap : goodNg;
      const bytes = Buffer.from(base);
      for (let flips = 1 + (next() % 4); flips > 0; flips -= 1) bytes[next() % bytes.length] = next() % 256;
      const cut = next() % 3 === 0 ? bytes.subarray(0, next() % bytes.length) : bytes;
      const error = await readError(tempCapture(cut, 'mutated'), { chunkBytes: 64 });
      if (error !== undefined && !(error instanceof CaptureFormatError)) throw new Error(`round ${round}: ${String(error)}`);
    }
  });
});
