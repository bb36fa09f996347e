/** The batched SITE SWEEP protocol text, both directions (pure). */
import { describe, expect, it } from 'vitest';
import {
  blockMaxFor,
  formatBlockCapability,
  formatFailedTag,
  nextBlock,
  parseBlockReply,
  formatOpenTag,
  parseBlockCapability,
  parseOpenTag,
  parseSweepRequest,
  planBlocks,
  SWEEP_BLOCK_MAX,
  toSpans,
} from '../../src/sweep/protocol.js';

describe('parseSweepRequest', () => {
  it.each([
    ['SWEEP', { kind: 'probe' }],
    ['sweep  ', { kind: 'probe' }],
    ['SWEEP 5500', { kind: 'port', port: 5500 }],
    ['SWEEP 5500-5755', { kind: 'block', from: 5500, to: 5755 }],
    ['SWEEP done', { kind: 'done' }],
    ['SWEEP 5500-', { kind: 'invalid' }],
    ['SWEEP -5500', { kind: 'invalid' }],
    ['SWEEP 123456', { kind: 'invalid' }],
    ['SWEEP 5500 5501', { kind: 'invalid' }],
    ['SWEEP 55x0', { kind: 'invalid' }],
  ])('%s', (argument, expected) => {
    expect(parseSweepRequest(argument)).toEqual(expected);
  });

  it('is undefined for another SITE command', () => {
    expect(parseSweepRequest('CHMOD 644 file')).toBeUndefined();
  });
});

describe('block capability', () => {
  it('round-trips and is found inside the 501 text', () => {
    const text = `SITE SWEEP takes a port or a block FROM-TO inside the passive range 5500-5526 (at most 256 ports). ${formatBlockCapability({ max: 256, idleMs: 30000 })}`;
    expect(parseBlockCapability(text)).toEqual({ max: 256, idleMs: 30000 });
    // The range is still the first number pair, as older clients read it.
    expect(/(\d{1,5})-(\d{1,5})/.exec(text)?.slice(1)).toEqual(['5500', '5526']);
  });

  it('is absent in the reply of a server without the batched form', () => {
    expect(parseBlockCapability('SITE SWEEP takes a port inside the passive range 5500-5526.')).toBeUndefined();
    expect(parseBlockCapability('[block 0 idle 100]')).toBeUndefined();
  });
});

describe('open tag', () => {
  it.each([
    [[], '[open -]'],
    [[5500], '[open ffaa]'],
    [[20000, 20001, 20002, 20004], '[open caaaa-caaac,caaae]'],
  ])('%j → %s and back', (ports, tag) => {
    expect(formatOpenTag(ports)).toBe(tag);
    expect(parseOpenTag(`200 Sweep block: ${tag}`)).toEqual(ports);
  });

  it('has no digits an ALG could rewrite', () => {
    expect(formatOpenTag([20000, 20255])).not.toMatch(/\d/);
  });

  it.each(['no tag', '[open caaab-caaaa]', '[open ,]', '[open a]', '[open gfffg]'])('rejects %s', (text) => {
    expect(parseOpenTag(text)).toBeUndefined();
  });
});

describe('toSpans and planBlocks', () => {
  it('folds ports into spans, ignoring order and repeats', () => {
    expect(toSpans([5, 1, 2, 3, 3, 9, 10])).toEqual([
      { from: 1, to: 3 },
      { from: 5, to: 5 },
      { from: 9, to: 10 },
    ]);
  });

  it('cuts a range into blocks of at most `size` consecutive ports', () => {
    const ports = Array.from({ length: 600 }, (_, index) => 20000 + index);
    const blocks = planBlocks(ports, 256);
    expect(blocks.map((block) => block.span)).toEqual([
      { from: 20000, to: 20255 },
      { from: 20256, to: 20511 },
      { from: 20512, to: 20599 },
    ]);
    expect(blocks.flatMap((block) => block.ports)).toEqual(ports);
  });

  it('a sparse sample spans at most `size` port numbers per block', () => {
    const blocks = planBlocks([100, 150, 355, 356, 900], 256);
    expect(blocks).toEqual([
      { span: { from: 100, to: 355 }, ports: [100, 150, 355] },
      { span: { from: 356, to: 356 }, ports: [356] },
      { span: { from: 900, to: 900 }, ports: [900] },
    ]);
  });
});

describe('blockMaxFor, nextBlock and the failed tag', () => {
  it('offers half the server\'s socket budget, at most the whole dynamic range', () => {
    expect(blockMaxFor(18_976)).toBe(9_488);
    expect(blockMaxFor(1_000_000)).toBe(SWEEP_BLOCK_MAX);
    expect(SWEEP_BLOCK_MAX).toBe(65_535 - 49_152 + 1);
    expect(blockMaxFor(1)).toBe(1);
  });

  it('takes the next block from where the last one ended, at most `size` port numbers wide', () => {
    const ports = [10, 11, 12, 40, 41, 300];
    expect(nextBlock(ports, 0, 8)).toEqual({ span: { from: 10, to: 12 }, ports: [10, 11, 12] });
    expect(nextBlock(ports, 3, 8)).toEqual({ span: { from: 40, to: 41 }, ports: [40, 41] });
    expect(nextBlock(ports, 0, 1000)).toEqual({ span: { from: 10, to: 300 }, ports });
    expect(nextBlock(ports, 5, 1)).toEqual({ span: { from: 300, to: 300 }, ports: [300] });
    expect(() => nextBlock(ports, 6, 8)).toThrow(RangeError);
  });

  it('reads the ports and the failed count of a block reply', () => {
    const message = `Sweep block 100-109: 7 listening, busy: 103. ${formatOpenTag([100, 101, 102, 104, 105, 106, 107])}${formatFailedTag(2)}`;
    expect(parseBlockReply(message)).toEqual({ ports: [100, 101, 102, 104, 105, 106, 107], failed: 2 });
    expect(parseBlockReply(`Sweep block 1-2: 2 listening. ${formatOpenTag([1, 2])}${formatFailedTag(0)}`)).toEqual({ ports: [1, 2], failed: 0 });
    expect(parseBlockReply('Sweep block: no tag')).toBeUndefined();
  });

  it('accepts an open tag naming a whole dynamic range, not more', () => {
    const whole = Array.from({ length: SWEEP_BLOCK_MAX }, (_, index) => 49_152 + index);
    expect(parseOpenTag(formatOpenTag(whole))).toHaveLength(SWEEP_BLOCK_MAX);
    expect(parseOpenTag(formatOpenTag(Array.from({ length: SWEEP_BLOCK_MAX + 1 }, (_, index) => 1_000 + index)))).toBeUndefined();
  });
});
