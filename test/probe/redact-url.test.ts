import { describe, expect, it } from 'vitest';
import { parseTarget, redactUrlText } from '../../src/probe/options.js';

describe('redactUrlText: no part of a password survives, whatever it contains', () => {
  it.each([
    ['ftp://deploy:s3cr/et@host/', 'ftp://deploy:***@host/'],
    ['ftp://deploy:pa ss@host/', 'ftp://deploy:***@host/'],
    ['ftp://deploy:p:w@host/', 'ftp://deploy:***@host/'],
    ['ftp://deploy:p@ss@host/', 'ftp://deploy:***@host/'],
    ['ftp://deploy@host/', 'ftp://deploy@host/'],
    ['ftp://host/', 'ftp://host/'],
  ])('%s → %s', (input, expected) => {
    expect(redactUrlText(input)).toBe(expected);
  });

  it('the error for a malformed URL never quotes the password', () => {
    for (const url of ['ftp://deploy:s3cr/et@ho st/', 'ftp://deploy:pa ss@[bad/', 'ftp://deploy:p:w@ho st/']) {
      try {
        parseTarget({ url });
      } catch (error) {
        expect((error as Error).message).not.toMatch(/s3cr|pa ss|p:w@/);
      }
    }
  });
});
