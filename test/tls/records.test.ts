import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classifyRecordHeader, MAX_RECORD_BODY_BYTES, TlsRecordSplitter } from '../../src/net/tls-records.js';

function record(type: number, body: Buffer, minor = 3): Buffer {
  const header = Buffer.from([type, 3, minor, body.length >> 8, body.length & 0xff]);
  return Buffer.concat([header, body]);
}

function feed(splitter: TlsRecordSplitter, pieces: Buffer[]): { tls: Buffer; clear: Buffer } {
  const tls: Buffer[] = [];
  const clear: Buffer[] = [];
  for (const piece of pieces) {
    const result = splitter.push(piece);
    tls.push(result.tls);
    clear.push(result.clear);
  }
  return { tls: Buffer.concat(tls), clear: Buffer.concat(clear) };
}

describe('classifyRecordHeader', () => {
  it.each([
    ['application data header', [23, 3, 3, 0, 19], 'record'],
    ['alert header (TLS 1.2 close_notify)', [21, 3, 3, 0, 26], 'record'],
    ['first ClientHello (record version 3.1)', [22, 3, 1, 2, 0], 'record'],
    ['heartbeat', [24, 3, 3, 0, 3], 'record'],
    ['type only', [23], 'partial'],
    ['type and version', [23, 3, 3], 'partial'],
    ['empty', [], 'partial'],
    ['FTP reply digit', [0x32, 0x30, 0x30], 'clear'],
    ['FTP command letter', [0x4e], 'clear'],
    ['type 19 (not a TLS content type)', [19, 3, 3, 0, 1], 'clear'],
    ['type 25', [25], 'clear'],
    ['wrong major version', [23, 2], 'clear'],
    ['unknown minor version', [23, 3, 5], 'clear'],
    ['length over the TLS maximum', [23, 3, 3, (MAX_RECORD_BODY_BYTES + 1) >> 8, (MAX_RECORD_BODY_BYTES + 1) & 0xff], 'clear'],
    ['length at the TLS maximum', [23, 3, 3, MAX_RECORD_BODY_BYTES >> 8, MAX_RECORD_BODY_BYTES & 0xff], 'record'],
  ])('%s', (_name, bytes, verdict) => {
    expect(classifyRecordHeader(Uint8Array.from(bytes))).toBe(verdict);
  });
});

describe('TlsRecordSplitter', () => {
  it('passes records through and finds the clear text right after the last one', () => {
    const records = Buffer.concat([record(23, Buffer.alloc(40, 7)), record(21, Buffer.alloc(26, 1))]);
    const text = Buffer.from('200 NOOP ok.\r\n');
    const splitter = new TlsRecordSplitter();
    const result = splitter.push(Buffer.concat([records, text]));
    expect(result.tls.equals(records)).toBe(true);
    expect(result.clear.toString()).toBe('200 NOOP ok.\r\n');
    expect(splitter.inClear).toBe(true);
    // Everything after is clear text, even bytes that look like a record header.
    expect(splitter.push(Buffer.from([23, 3, 3, 0, 1, 0])).clear).toEqual(Buffer.from([23, 3, 3, 0, 1, 0]));
  });

  it('holds back a header that arrived in part, then releases it once classified', () => {
    const splitter = new TlsRecordSplitter();
    expect(splitter.push(Buffer.from([23, 3])).tls.length).toBe(0);
    const rest = splitter.push(Buffer.from([3, 0, 2, 9, 9, 0x32]));
    expect([...rest.tls]).toEqual([23, 3, 3, 0, 2, 9, 9]);
    expect(rest.clear.toString()).toBe('2');
  });

  it('a held partial header can turn out to be clear text', () => {
    const splitter = new TlsRecordSplitter();
    splitter.push(Buffer.from([22]));
    const result = splitter.push(Buffer.from('PASV\r\n'));
    expect(result.tls.length).toBe(0);
    expect([...result.clear]).toEqual([22, ...Buffer.from('PASV\r\n')]);
  });

  it('takeHeld hands over an incomplete header (for the end of the stream)', () => {
    const splitter = new TlsRecordSplitter();
    splitter.push(Buffer.from([21, 3, 3]));
    expect([...splitter.takeHeld()]).toEqual([21, 3, 3]);
    expect(splitter.takeHeld().length).toBe(0);
  });

  it('property: any records, any clear text, cut anywhere: the same split', () => {
    const recordArbitrary = fc.record({
      type: fc.integer({ min: 20, max: 24 }),
      minor: fc.integer({ min: 0, max: 4 }),
      body: fc.uint8Array({ maxLength: 300 }),
    });
    // FTP text: replies and commands start with a digit or a letter.
    const textArbitrary = fc.oneof(
      fc.stringMatching(/^[2-5]\d\d [ -~]{0,40}\r\n$/),
      fc.stringMatching(/^[A-Z]{3,4}( [ -~]{1,20})?\r\n$/),
      fc.constant(''),
    );
    fc.assert(
      fc.property(fc.array(recordArbitrary, { maxLength: 6 }), textArbitrary, fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 40 }), (records, text, cuts) => {
        const tlsBytes = Buffer.concat(records.map((entry) => record(entry.type, Buffer.from(entry.body), entry.minor)));
        const all = Buffer.concat([tlsBytes, Buffer.from(text, 'latin1')]);
        const pieces: Buffer[] = [];
        let offset = 0;
        for (let index = 0; offset < all.length; index += 1) {
          const size = cuts[index % cuts.length] as number;
          pieces.push(all.subarray(offset, offset + size));
          offset += size;
        }
        const splitter = new TlsRecordSplitter();
        const result = feed(splitter, pieces);
        expect(result.tls.equals(tlsBytes)).toBe(true);
        expect(result.clear.toString('latin1')).toBe(text);
        expect(splitter.inClear).toBe(text.length > 0);
      }),
      { numRuns: 300 },
    );
  });
});
