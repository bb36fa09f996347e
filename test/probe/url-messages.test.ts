/** What a URL the parser refuses is called: the real mistake named, the password never shown. */
import { describe, expect, it } from 'vitest';
import { parseTarget } from '../../src/probe/options.js';

const message = (url: string): string => {
  try {
    parseTarget({ url });
  } catch (error) {
    return (error as Error).message;
  }
  return 'parsed';
};

describe('URLs that are not URLs', () => {
  it.each([
    ['ftp://127.0.0.1:99999/', /^port 99999 is out of range in ftp:\/\/127\.0\.0\.1:99999\/ \(ports are 1-65535\)$/],
    ['ftp://[::1]:70000/', /^port 70000 is out of range/],
    ['ftp://bob:pw@127.0.0.1:65536/', /^port 65536 is out of range in ftp:\/\/bob:\*\*\*@127\.0\.0\.1:65536\//],
    ['ftp://127.0.0.1:0/', /^port 0 is out of range/],
    ['ftp://bob:secret123', /^not a URL: ftp:\/\/bob:\*\*\* \(.*a password needs @host after it/],
    ['ftp://bob:sec/ret123', /^not a URL: ftp:\/\/bob:\*\*\* /],
  ])('%s', (url, expected) => {
    const text = message(url);
    expect(text).toMatch(expected);
    expect(text).not.toMatch(/secret123|sec\/ret123|:pw@/);
  });

  it('a valid port and an IPv6 literal still parse', () => {
    expect(parseTarget({ url: 'ftp://[::1]:2121/' }).port).toBe(2121);
    expect(parseTarget({ url: 'ftp://127.0.0.1:65535/' }).port).toBe(65535);
  });
});
