/**
 * Addresses, CIDR blocks and port specs as firewall rules write them. Pure. IPv6 is compared as
 * 128-bit numbers so "2001:db8::1" and "2001:0db8:0:0::1" are the same host, as the kernel sees it.
 */
import net from 'node:net';
import { formatHostPort } from '../../ftp/passive.js';

export interface Endpoint {
  address: string;
  port: number;
}

interface ParsedAddress {
  family: 4 | 6;
  value: bigint;
}

function parseIPv4(text: string): bigint {
  return text.split('.').reduce((sum, part) => (sum << 8n) | BigInt(Number(part)), 0n);
}

function parseIPv6(text: string): bigint {
  let body = text;
  // An embedded IPv4 tail (::ffff:1.2.3.4) becomes two hextets.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(body);
  if (v4?.[1]) {
    const tail = parseIPv4(v4[1]);
    body = `${body.slice(0, v4.index)}${(tail >> 16n).toString(16)}:${(tail & 0xffffn).toString(16)}`;
  }
  const [head = '', rest] = body.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = rest === undefined || rest === '' ? [] : rest.split(':');
  const missing = 8 - left.length - right.length;
  const groups = rest === undefined ? left : [...left, ...Array<string>(missing).fill('0'), ...right];
  return groups.reduce((sum, group) => (sum << 16n) | BigInt(parseInt(group, 16)), 0n);
}

export function parseAddress(text: string): ParsedAddress | undefined {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  if (net.isIPv4(bare)) return { family: 4, value: parseIPv4(bare) };
  if (net.isIPv6(bare)) return { family: 6, value: parseIPv6(bare.replace(/%.*$/, '')) };
  return undefined;
}

/** 4 or 6; an IPv4-mapped IPv6 address (::ffff:a.b.c.d) is IPv4 on the wire. */
export function addressFamily(text: string): 4 | 6 | undefined {
  const parsed = parseAddress(text);
  if (!parsed) return undefined;
  return parsed.family === 6 && parsed.value >> 32n === 0xffffn ? 4 : parsed.family;
}

/** "::ffff:10.0.0.5" for 10.0.0.5: how a socket bound to '::' names an IPv4 peer (Linux, bindv6only=0). */
export function mappedAddress(text: string): string {
  return addressFamily(text) === 4 && !text.includes(':') ? `::ffff:${text}` : text;
}

export function sameAddress(a: string, b: string): boolean {
  const left = parseAddress(a);
  const right = parseAddress(b);
  if (!left || !right) return a === b;
  return left.family === right.family && left.value === right.value;
}

export interface Cidr {
  family: 4 | 6;
  network: bigint;
  prefix: number;
  text: string;
}

export function parseCidr(text: string): Cidr {
  const [addressText = '', prefixText] = text.split('/');
  const address = parseAddress(addressText);
  if (!address) throw new Error(`not an address or CIDR block: ${JSON.stringify(text)}`);
  const bits = address.family === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? bits : Number(prefixText);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > bits || (prefixText !== undefined && !/^\d+$/.test(prefixText))) {
    throw new Error(`bad prefix length in ${JSON.stringify(text)}`);
  }
  return { family: address.family, network: maskOf(address.value, bits, prefix), prefix, text };
}

function maskOf(value: bigint, bits: number, prefix: number): bigint {
  const hostBits = BigInt(bits - prefix);
  return (value >> hostBits) << hostBits;
}

export function cidrContains(cidr: Cidr, addressText: string): boolean {
  const address = parseAddress(addressText);
  if (!address || address.family !== cidr.family) return false;
  return maskOf(address.value, cidr.family === 4 ? 32 : 128, cidr.prefix) === cidr.network;
}

/** A port spec: 21, "21", "5500-5525", or a comma list of those. */
export interface PortSpec {
  ranges: { from: number; to: number }[];
  text: string;
}

export function parsePortSpec(spec: number | string): PortSpec {
  const text = String(spec).trim();
  const ranges = text.split(',').map((part) => {
    const match = /^\s*(\d{1,5})\s*(?:-\s*(\d{1,5}))?\s*$/.exec(part);
    if (!match) throw new Error(`not a port or port range: ${JSON.stringify(spec)}`);
    const from = Number(match[1]);
    const to = match[2] === undefined ? from : Number(match[2]);
    if (from < 0 || to > 65535 || from > to) throw new Error(`impossible port range: ${JSON.stringify(spec)}`);
    return { from, to };
  });
  return { ranges, text };
}

export function portMatches(spec: PortSpec, port: number): boolean {
  return spec.ranges.some((range) => port >= range.from && port <= range.to);
}

export function formatEndpoint(endpoint: Endpoint): string {
  return formatHostPort(endpoint.address, endpoint.port);
}

export function isWildcard(address: string): boolean {
  return address === '0.0.0.0' || address === '::';
}

export function isLoopback(address: string): boolean {
  return address === '::1' || address.startsWith('127.');
}
