/** "Did you mean" for `ftp-doctor findings CODE` (pure). */
import { describe, expect, it } from 'vitest';
import { normalizeCode, suggestCodes } from '../../src/findings/suggest.js';

describe('suggestCodes', () => {
  it.each([
    ['DATA_CHANEL_BLOKED', 'DATA_CHANNEL_BLOCKED'],
    ['data-channel-blockd', 'DATA_CHANNEL_BLOCKED'],
    ['CERTIFICATE_EXPIRED', 'TLS_CERTIFICATE_EXPIRED'],
    ['SAMPLED', 'SWEEP_SAMPLED'],
    ['EPSV_BLOCK', 'EPSV_BLOCKED'],
  ])('%s → %s first', (input, expected) => {
    expect(suggestCodes(input)[0]).toBe(expected);
  });

  it('suggests nothing for what is nowhere near a code, and at most three', () => {
    expect(suggestCodes('banana')).toEqual([]);
    expect(suggestCodes('')).toEqual([]);
    expect(suggestCodes('TLS').length).toBeLessThanOrEqual(3);
  });

  it('a very long input is cut, not compared in full', () => {
    expect(suggestCodes('A'.repeat(100_000))).toEqual([]);
  });

  it('normalizes case and separators', () => {
    expect(normalizeCode(' data-channel blocked ')).toBe('DATA_CHANNEL_BLOCKED');
  });
});
