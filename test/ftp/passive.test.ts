import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  formatEprtArgument,
  formatEpsvReply,
  formatPasvReply,
  formatPortArgument,
  parseEprtArgument,
  parseEpsvReply,
  parsePasvReply,
  parsePortArgument,
} from '../../src/ftp/passive.js';
import { formatSentTag, parseDataToken, formatDataToken, parseSentTag } from '../../src/ftp/evidence.js';

describe('parsePasvReply: forms seen in the wild', () => {
  const good: [string, string, number][] = [
    ['Entering Passive Mode (10,0,0,5,195,80)', '10.0.0.5', 50000],
    ['Entering Passive Mode (10,0,0,5,195,80).', '10.0.0.5', 50000],
    ['Entering Passive Mode 10,0,0,5,195,80', '10.0.0.5', 50000],
    ['=10,0,0,5,195,80', '10.0.0.5', 50000],
    ['Entering Passive Mode (192, 168, 1, 2, 21, 124)', '192.168.1.2', 5500],
    ['Entering Passive Mode (0,0,0,0,4,1)', '0.0.0.0', 1025],
    ['Passive\nEntering Passive Mode (127,0,0,1,200,10)\nEnd', '127.0.0.1', 51210],
    ['Entering Passive Mode (10,0,0,5,195,80) [sent bj.a.a.f port faaaa]', '10.0.0.5', 50000],
  ];
  for (const [message, host, port] of good) {
    it(`parses ${JSON.stringify(message)}`, () => {
      expect(parsePasvReply(message)).toEqual({ ok: true, value: { host, port } });
    });
  }
  const bad: [string, RegExp][] = [
    ['Entering Passive Mode (10,0,0,256,195,80)', /over 255/],
    ['Entering Passive Mode (10,0,0,5,0,0)', /port 0/],
    ['Entering Passive Mode (10,0,0,5,-1,80)', /negative/],
    ['Entering Passive Mode', /no h1/],
    ['Entering Passive Mode (10,0,0,5,195)', /no h1/],
    ['Entering Passive Mode (10,0,0,5,300,1)', /over 255/],
  ];
  for (const [message, error] of bad) {
    it(`refuses ${JSON.stringify(message)}`, () => {
      const result = parsePasvReply(message);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.error).toMatch(error);
    });
  }
});

describe('parseEpsvReply', () => {
  const good: [string, number][] = [
    ['Entering Extended Passive Mode (|||50000|)', 50000],
    ['Entering Extended Passive Mode (!!!6446!)', 6446],
    ['EPSV ok (###1025#) thanks', 1025],
  ];
  for (const [message, port] of good) it(`parses ${message}`, () => expect(parseEpsvReply(message)).toEqual({ ok: true, value: port }));
  for (const message of ['Entering Extended Passive Mode (|||0|)', 'Entering Extended Passive Mode (|||70000|)', '(|||-5|)', 'Entering Extended Passive Mode', '(|2|::1|5000|)', '(|||50000!)']) {
    it(`refuses ${message}`, () => expect(parseEpsvReply(message).ok).toBe(false));
  }
});

describe('PORT and EPRT', () => {
  it('parses PORT', () => expect(parsePortArgument('127,0,0,1,19,137')).toEqual({ ok: true, value: { host: '127.0.0.1', port: 5001 } }));
  it('refuses PORT junk', () => {
    for (const argument of ['127,0,0,1,19', '127,0,0,1,19,137,1', 'a,b,c,d,e,f', '127,0,0,1,256,1', '']) expect(parsePortArgument(argument).ok).toBe(false);
  });
  it('parses EPRT IPv4 and IPv6', () => {
    expect(parseEprtArgument('|1|132.235.1.2|6275|')).toEqual({ ok: true, value: { family: 4, host: '132.235.1.2', port: 6275 } });
    expect(parseEprtArgument('|2|::1|5282|')).toEqual({ ok: true, value: { family: 6, host: '::1', port: 5282 } });
    expect(parseEprtArgument('!1!10.0.0.1!2000!')).toEqual({ ok: true, value: { family: 4, host: '10.0.0.1', port: 2000 } });
  });
  it('refuses EPRT junk', () => {
    for (const argument of ['|3|1.2.3.4|5|', '|1|::1|5|', '|2|1.2.3.4|5|', '|1|1.2.3.4|0|', '|1|1.2.3.4|99999|', '1|1.2.3.4|5|', '|1|1.2.3.4|5']) {
      expect(parseEprtArgument(argument).ok, argument).toBe(false);
    }
  });
});

const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((octets) => octets.join('.'));
const port = fc.integer({ min: 1, max: 65535 });

describe('round trips (property)', () => {
  it('PASV', () => fc.assert(fc.property(ipv4, port, (host, p) => {
    expect(parsePasvReply(formatPasvReply(host, p))).toEqual({ ok: true, value: { host, port: p } });
  })));
  it('EPSV', () => fc.assert(fc.property(port, (p) => {
    expect(parseEpsvReply(formatEpsvReply(p))).toEqual({ ok: true, value: p });
  })));
  it('PORT', () => fc.assert(fc.property(ipv4, port, (host, p) => {
    expect(parsePortArgument(formatPortArgument(host, p))).toEqual({ ok: true, value: { host, port: p } });
  })));
  it('EPRT v4', () => fc.assert(fc.property(ipv4, port, (host, p) => {
    expect(parseEprtArgument(formatEprtArgument(host, p))).toEqual({ ok: true, value: { family: 4, host, port: p } });
  })));
  it('EPRT v6', () =>
    fc.assert(
      fc.property(fc.ipV6(), port, (host, p) => {
        const result = parseEprtArgument(formatEprtArgument(host, p));
        expect(result.ok).toBe(true);
      }),
    ));
  it('sent tag survives and decodes', () =>
    fc.assert(
      fc.property(ipv4, port, (host, p) => {
        const message = `${formatPasvReply(host, p)} ${formatSentTag(host, p)}`;
        expect(parseSentTag(message)).toEqual({ host, port: p });
        // The tag has no digits, so it can never be mistaken for (or rewritten as) the address.
        expect(/\d/.test(formatSentTag(host, p))).toBe(false);
      }),
    ));
  it('never throws on arbitrary input', () =>
    fc.assert(
      fc.property(fc.string(), (text) => {
        parsePasvReply(text);
        parseEpsvReply(text);
        parsePortArgument(text);
        parseEprtArgument(text);
        parseSentTag(text);
      }),
      { numRuns: 1000 },
    ));
});

describe('data token', () => {
  it('round-trips', () => {
    expect(parseDataToken(formatDataToken({ session: 's12-ab', port: 5500 }))).toEqual({ ok: true, value: { session: 's12-ab', port: 5500 } });
    expect(parseDataToken('hello').ok).toBe(false);
  });
});
