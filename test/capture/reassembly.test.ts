/** TCP stream reassembly and line splitting of control streams, table-tested (pure). */
import { describe, expect, it } from 'vitest';
import { isFtpCommandLine, isReplyLine } from '../../src/capture/control-content.js';
import { CapturedLineSplitter } from '../../src/capture/lines.js';
import { StreamReassembler, seqDiff, type StreamOutput } from '../../src/capture/reassembly.js';

type Seg = [seq: number, text: string, wireLength?: number];

function run(isn: number | undefined, segments: Seg[], limits?: { maxPendingBytes: number; maxPendingSegments: number }): string {
  const stream = new StreamReassembler(limits);
  if (isn !== undefined) stream.start(isn);
  const out: StreamOutput[] = [];
  segments.forEach(([seq, text, wire], index) => out.push(...stream.push(seq >>> 0, Buffer.from(text), wire ?? text.length, { frame: index + 1, timeUs: index })));
  out.push(...stream.finish({ frame: 99, timeUs: 99 }));
  return out.map((item) => (item.kind === 'data' ? item.data.toString() : `<gap ${item.bytes}>`)).join('');
}

describe('StreamReassembler', () => {
  const cases: Array<[string, number | undefined, Seg[], string]> = [
    ['in order', 100, [[101, 'USER a\r\n'], [109, 'PASV\r\n']], 'USER a\r\nPASV\r\n'],
    ['out of order', 100, [[109, 'PASV\r\n'], [101, 'USER a\r\n']], 'USER a\r\nPASV\r\n'],
    ['retransmitted', 100, [[101, 'USER a\r\n'], [101, 'USER a\r\n'], [109, 'PASV\r\n']], 'USER a\r\nPASV\r\n'],
    ['overlapping', 100, [[101, 'USER a\r\n'], [105, ' a\r\nPASV\r\n']], 'USER a\r\nPASV\r\n'],
    ['split line', 100, [[101, 'US'], [103, 'ER a\r'], [108, '\n']], 'USER a\r\n'],
    ['no SYN seen: starts at the first segment', undefined, [[5000, 'abc'], [5003, 'def']], 'abcdef'],
    ['sequence wrap-around', 0xfffffffa, [[0xfffffffb, 'abcdef'], [1, 'ghij']], 'abcdefghij'],
    ['wrap-around out of order', 0xfffffffa, [[1, 'ghij'], [0xfffffffb, 'abcdef']], 'abcdefghij'],
    ['a hole at the end is a gap', 100, [[101, 'ab'], [106, 'fg']], 'ab<gap 3>fg'],
    ['snap length cut', 100, [[101, 'ab', 5], [106, 'fg']], 'ab<gap 3>fg'],
  ];
  it.each(cases)('%s', (_name, isn, segments, expected) => {
    expect(run(isn, segments)).toBe(expected);
  });

  it('seqDiff is signed across the wrap', () => {
    expect(seqDiff(1, 0xffffffff)).toBe(2);
    expect(seqDiff(0xffffffff, 1)).toBe(-2);
  });

  it('a full out-of-order list declares the hole a gap and goes on, bounded', () => {
    const stream = new StreamReassembler({ maxPendingBytes: 10, maxPendingSegments: 3 });
    stream.start(0);
    const out: StreamOutput[] = [];
    // Byte 1 never arrives; segments after it pile up until the list is full.
    for (let index = 0; index < 5; index += 1) out.push(...stream.push(2 + index * 2, Buffer.from('xy'), 2, { frame: index, timeUs: index }));
    expect(out[0]).toMatchObject({ kind: 'gap', bytes: 1, why: 'out-of-order-limit' });
    expect(out.filter((item) => item.kind === 'data').length).toBeGreaterThan(0);
    expect(stream.waitingBytes).toBeLessThanOrEqual(10);
  });

  it('endless out-of-order segments keep memory bounded', () => {
    const stream = new StreamReassembler({ maxPendingBytes: 4096, maxPendingSegments: 16 });
    stream.start(0);
    let gaps = 0;
    for (let index = 0; index < 100_000; index += 1) {
      // Every segment lands far ahead of the last: each one is out of order.
      for (const item of stream.push(10 + index * 1000, Buffer.alloc(100), 100, { frame: index, timeUs: index })) if (item.kind === 'gap') gaps += 1;
      expect(stream.waitingBytes).toBeLessThanOrEqual(4096);
    }
    expect(gaps).toBeGreaterThan(1000);
  });

  it('streams sharing a budget: bytes waiting in all of them together stay within it', () => {
    const shared = { bytes: 0, max: 10 };
    const limits = { maxPendingBytes: 1000, maxPendingSegments: 100 };
    const [first, second] = [new StreamReassembler(limits, shared), new StreamReassembler(limits, shared)];
    first.start(0);
    second.start(0);
    expect(first.push(5, Buffer.from('abcdefgh'), 8, { frame: 1, timeUs: 1 })).toEqual([]);
    expect(shared.bytes).toBe(8);
    // The second stream's waiting bytes would pass the shared bound: its hole is declared a gap.
    const out = second.push(5, Buffer.from('abcdefgh'), 8, { frame: 2, timeUs: 2 });
    expect(out.map((item) => item.kind)).toEqual(['gap', 'data']);
    expect(out[0]).toMatchObject({ why: 'out-of-order-limit' });
    expect(shared.bytes).toBe(8);
  });

  it('the peer acknowledging bytes the capture lost makes the gap known at once', () => {
    const stream = new StreamReassembler();
    stream.start(0);
    expect(stream.push(1, Buffer.from('ab'), 2, { frame: 1, timeUs: 1 })).toHaveLength(1);
    expect(stream.push(6, Buffer.from('fg'), 2, { frame: 2, timeUs: 2 })).toEqual([]);
    const out = stream.peerAcknowledged(8, { frame: 3, timeUs: 3 });
    expect(out.map((item) => item.kind)).toEqual(['gap', 'data']);
    expect(out[0]).toMatchObject({ bytes: 3, why: 'not-captured' });
  });
});

describe('CapturedLineSplitter', () => {
  const place = { frame: 1, timeUs: 1 };
  it('splits lines, keeps the frame that completed each, strips CR', () => {
    const splitter = new CapturedLineSplitter(isFtpCommandLine);
    expect(splitter.push(Buffer.from('USER a\r\nPA'), place).lines.map((line) => line.text)).toEqual(['USER a']);
    const batch = splitter.push(Buffer.from('SV\r\n'), { frame: 2, timeUs: 2 });
    expect(batch.lines).toEqual([{ text: 'PASV', frame: 2, timeUs: 2 }]);
  });

  it('a 10 MB line costs the limit, is counted once, and the next line is read', () => {
    const splitter = new CapturedLineSplitter(isFtpCommandLine, 1024);
    let tooLong = 0;
    const chunk = Buffer.alloc(64 * 1024, 0x41);
    for (let index = 0; index < 160; index += 1) tooLong += splitter.push(chunk, place).tooLong;
    const batch = splitter.push(Buffer.from('AAAA\r\nNOOP\r\n'), place);
    expect(tooLong + batch.tooLong).toBe(1);
    expect(batch.lines.map((line) => line.text)).toEqual(['NOOP']);
  });

  it('after a gap the damaged line is dropped, and a line that starts like a reply is kept', () => {
    const splitter = new CapturedLineSplitter(isReplyLine);
    splitter.push(Buffer.from('227 Entering'), place);
    splitter.gap();
    const damaged = splitter.push(Buffer.from(',5,6).\r\n150 Here\r\n'), place);
    expect(damaged.lines.map((line) => line.text)).toEqual(['150 Here']);
    expect(damaged.dropped).toBe(1);
    splitter.gap();
    expect(splitter.push(Buffer.from('226 Done\r\n'), place).lines.map((line) => line.text)).toEqual(['226 Done']);
  });

  it('the tail of a PASS line cut by a gap never passes for a command (its first letters lost)', () => {
    const splitter = new CapturedLineSplitter(isFtpCommandLine);
    splitter.push(Buffer.from('P'), place);
    splitter.gap();
    const batch = splitter.push(Buffer.from('ASS hunter22\r\nNOOP\r\n'), place);
    expect(batch.lines.map((line) => line.text)).toEqual(['NOOP']);
  });
});
