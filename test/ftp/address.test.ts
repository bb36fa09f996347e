import { describe, expect, it } from 'vitest';
import { classifyAddress, inCidr, isUnroutable, normalizeAddress, sameAddress } from '../../src/ftp/address.js';

describe('classifyAddress', () => {
  const table: [string, string][] = [
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['172.32.0.1', 'global'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'shared'],
    ['100.127.255.255', 'shared'],
    ['100.128.0.1', 'global'],
    ['127.0.0.1', 'loopback'],
    ['169.254.10.10', 'link-local'],
    ['0.0.0.0', 'unspecified'],
    ['192.0.2.7', 'documentation'],
    ['192.0.0.9', 'reserved'],
    ['198.18.0.1', 'reserved'],
    ['198.19.255.254', 'reserved'],
    ['198.20.0.1', 'global'],
    ['198.17.255.255', 'global'],
    ['198.51.100.2', 'documentation'],
    ['203.0.113.9', 'documentation'],
    ['8.8.8.8', 'global'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fe80::1', 'link-local'],
    ['fd00::1', 'unique-local'],
    ['2001:db8::5', 'documentation'],
    ['2606:4700::1111', 'global'],
    ['::ffff:10.0.0.5', 'private'],
    ['::ffff:8.8.8.8', 'global'],
    ['::ffff:0a00:0005', 'private'],
  ];
  for (const [address, kind] of table) it(`${address} is ${kind}`, () => expect(classifyAddress(address)).toBe(kind));
  it('throws on non-addresses', () => expect(() => classifyAddress('example.com')).toThrow());
  it('unroutable', () => {
    expect(isUnroutable('10.0.0.5')).toBe(true);
    expect(isUnroutable('203.0.113.5')).toBe(false);
  });
});

describe('sameAddress and normalize', () => {
  it('compares IPv4-mapped IPv6 with IPv4', () => {
    expect(sameAddress('::ffff:127.0.0.1', '127.0.0.1')).toBe(true);
    expect(sameAddress('::FFFF:7f00:1', '127.0.0.1')).toBe(true);
    expect(sameAddress('::ffff:127.0.0.2', '127.0.0.1')).toBe(false);
    expect(sameAddress('2001:db8:0:0::1', '2001:DB8::1')).toBe(true);
    expect(normalizeAddress('[::1]')).toBe('::1');
  });
  it('inCidr', () => {
    expect(inCidr('10.0.0.5', '10.0.0.0/24')).toBe(true);
    expect(inCidr('10.0.1.5', '10.0.0.0/24')).toBe(false);
    expect(inCidr('10.0.0.5', '10.0.0.5')).toBe(true);
    expect(inCidr('::ffff:10.0.0.5', '10.0.0.0/8')).toBe(true);
    expect(inCidr('2001:db8::1', '2001:db8::/32')).toBe(true);
    expect(inCidr('10.0.0.5', '2001:db8::/32')).toBe(false);
  });
});
