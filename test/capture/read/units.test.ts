/** Pure pieces of the capture reader, table-tested: magic numbers, pcapng timestamps, address text, link layers. */
import { describe, expect, it } from 'vitest';
import { ipv4String, ipv6String } from '../../../src/capture/read/address.js';
import { detectCaptureFormat } from '../../../src/capture/read/detect.js';
import { findIp, type IpLocation } from '../../../src/capture/read/link.js';
import { resolutionFromOption, timestampToUs } from '../../../src/capture/read/timestamp.js';
import { ipBytes } from './writer.js';

describe('detectCaptureFormat', () => {
  it.each([
    ['a1b2c3d4', 'pcap'],
    ['d4c3b2a1', 'pcap'],
    ['a1b23c4d', 'pcap'],
    ['4d3cb2a1', 'pcap'],
    ['0a0d0d0a1c0000004d3c2b1a', 'pcapng'],
    ['0a0d0d0a1c0000001a2b3c4d', 'pcapng'],
    ['0a0d0d0a1c00000000000000', undefined], // "\n\r\r\n" then no byte-order magic: text, not pcapng
    ['1f8b0800', 'gzip'],
    ['a1b2c3', undefined],
    ['', undefined],
    ['7f454c46', undefined],
  ])('%s → %s', (hex, format) => {
    expect(detectCaptureFormat(Buffer.from(hex, 'hex'))).toBe(format);
  });
});

describe('pcapng timestamps to µs', () => {
  const split = (units: bigint): [number, number] => [Number(units >> 32n), Number(units & 0xffffffffn)];
  it.each([
    ['µs (default)', 6, 1_764_900_000_123_456n, 1_764_900_000_123_456],
    ['ns', 9, 1_764_900_000_123_456_789n, 1_764_900_000_123_456],
    ['ms', 3, 1_764_900_000_123n, 1_764_900_000_123_000],
    ['seconds', 0, 1_764_900_000n, 1_764_900_000_000_000],
    ['100 ns (Windows pktmon)', 7, 17_649_000_001_234_567n, 1_764_900_000_123_456],
    ['ps (beyond 10^-15: BigInt)', 18, 1_764_900_000_123_456_789_012_345_678n, 1_764_900_000_123_456],
    ['2^-10 s', 0x80 | 10, 1_764_900_000n * 1024n + 512n, 1_764_900_000_500_000],
    ['2^-32 s', 0x80 | 32, (1_764_900_000n << 32n) + (1n << 31n), 1_764_900_000_500_000],
    ['2^-40 s (BigInt)', 0x80 | 40, (1_764_900_000n << 40n) + (1n << 38n), 1_764_900_000_250_000],
  ])('%s', (_name, tsresol, units, expected) => {
    const [high, low] = split(units);
    expect(timestampToUs(high, low, resolutionFromOption(tsresol))).toBe(expected);
  });

  it('if_tsoffset adds seconds, and may be negative', () => {
    expect(timestampToUs(0, 5_000_000, resolutionFromOption(6, 3600))).toBe(3_605_000_000);
    expect(timestampToUs(0, 5_000_000, resolutionFromOption(6, -2))).toBe(3_000_000);
  });
});

describe('addresses as tshark writes them', () => {
  it.each([
    ['2001:db8::1'],
    ['::1'],
    ['::'],
    ['fe80::1:2'],
    ['2001:db8:0:1:1:1:1:1'],
    ['2001:0:0:1::1'],
    ['1::'],
    ['2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff'],
  ])('%s', (text) => {
    expect(ipv6String(ipBytes(text), 0)).toBe(text);
  });

  it('the first of two equal zero runs is the one shortened (RFC 5952)', () => {
    expect(ipv6String(Buffer.from('20010db8000000000001000000000001', 'hex'), 0)).toBe('2001:db8::1:0:0:1');
    expect(ipv6String(Buffer.from('20010db8000000010000000100000001', 'hex'), 0)).toBe('2001:db8:0:1:0:1:0:1');
  });

  it('IPv4', () => {
    expect(ipv4String(Buffer.from([0, 10, 0, 0, 255, 9]), 1)).toBe('10.0.0.255');
  });
});

describe('link layers', () => {
  const out: IpLocation = { version: 4, at: 0 };
  it.each([
    ['Ethernet ARP is ignored', 1, '020000000001020000000002' + '0806' + '00'.repeat(28), 'ignore'],
    ['Ethernet cut inside its header', 1, '0200000000010200', 'Ethernet header cut short'],
    ['VLAN tag cut short', 1, '020000000001020000000002' + '8100' + '00', 'VLAN tag cut short'],
    ['SLL cut short', 113, '0000', 'Linux cooked (SLL) header cut short'],
    ['SLL2 cut short', 276, '0800', 'Linux cooked (SLL2) header cut short'],
    ['raw with IP version 5', 101, '5000', 'raw IP frame with IP version 5'],
    ['empty raw frame', 101, '', 'empty raw IP frame'],
    ['null with an unknown family (IPX 23)', 0, '17000000', 'ignore'],
    ['unknown link type', 147, '45', 'link type 147 is not supported'],
  ])('%s', (_name, linkType, hex, expected) => {
    const frame = Buffer.from(hex, 'hex');
    expect(findIp(linkType, frame, 0, frame.length, out)).toBe(expected);
  });
});
