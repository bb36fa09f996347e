/**
 * Address classification for diagnosis: is the address a server put in its 227 reply one that a
 * client elsewhere on the internet could ever reach? Pure; IPv4, IPv6 and IPv4-mapped IPv6.
 */
import net from 'node:net';

export type AddressClass =
  | 'private' // RFC 1918
  | 'shared' // RFC 6598 carrier-grade NAT
  | 'loopback'
  | 'link-local'
  | 'unspecified'
  | 'documentation' // RFC 5737 / RFC 3849 test networks (used by our simulator)
  | 'unique-local' // IPv6 fc00::/7
  | 'multicast'
  | 'reserved'
  | 'global';

/** Classes that can never be the right address to give a client outside the server's own network. */
export const UNROUTABLE_CLASSES: ReadonlySet<AddressClass> = new Set([
  'private',
  'shared',
  'loopback',
  'link-local',
  'unspecified',
  'unique-local',
  'multicast',
  'reserved',
]);

interface Block {
  base: bigint;
  bits: number;
  family: 4 | 6;
  kind: AddressClass;
}

const BLOCKS: Block[] = [
  ['0.0.0.0/8', 'unspecified'],
  ['10.0.0.0/8', 'private'],
  ['100.64.0.0/10', 'shared'],
  ['127.0.0.0/8', 'loopback'],
  ['169.254.0.0/16', 'link-local'],
  ['172.16.0.0/12', 'private'],
  // IETF protocol assignments (RFC 6890): never a host's public address.
  ['192.0.0.0/24', 'reserved'],
  ['192.0.2.0/24', 'documentation'],
  ['192.168.0.0/16', 'private'],
  // RFC 2544 benchmarking: labs and some carrier-internal networks, not routed on the internet.
  ['198.18.0.0/15', 'reserved'],
  ['198.51.100.0/24', 'documentation'],
  ['203.0.113.0/24', 'documentation'],
  ['224.0.0.0/4', 'multicast'],
  ['240.0.0.0/4', 'reserved'],
  ['::/128', 'unspecified'],
  ['::1/128', 'loopback'],
  ['fe80::/10', 'link-local'],
  ['fc00::/7', 'unique-local'],
  ['2001:db8::/32', 'documentation'],
  ['ff00::/8', 'multicast'],
].map(([cidr, kind]) => {
  const [address = '', bits = '0'] = (cidr as string).split('/');
  const family = net.isIPv4(address) ? 4 : 6;
  return { base: toBigInt(address), bits: Number(bits), family, kind: kind as AddressClass };
});

/** '::ffff:10.0.0.5' → '10.0.0.5'; lower-cases IPv6; leaves anything else as it is. */
export function normalizeAddress(address: string): string {
  const trimmed = address.trim().replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(trimmed);
  if (mapped?.[1]) return mapped[1];
  if (net.isIPv6(trimmed)) {
    const value = toBigInt(trimmed);
    // ::ffff:a.b.c.d written in hex (::ffff:0a00:0005) is still an IPv4 peer.
    if (value >> 32n === 0xffffn) return fromBigInt4(value & 0xffffffffn);
    return trimmed.toLowerCase();
  }
  return trimmed;
}

export function sameAddress(a: string, b: string): boolean {
  const left = normalizeAddress(a);
  const right = normalizeAddress(b);
  if (left === right) return true;
  if (net.isIPv6(left) && net.isIPv6(right)) return toBigInt(left) === toBigInt(right);
  return false;
}

export function classifyAddress(address: string): AddressClass {
  const normalized = normalizeAddress(address);
  const family = net.isIPv4(normalized) ? 4 : net.isIPv6(normalized) ? 6 : 0;
  if (family === 0) throw new Error(`not an IP address: ${JSON.stringify(address)}`);
  const value = toBigInt(normalized);
  const width = family === 4 ? 32 : 128;
  for (const block of BLOCKS) {
    if (block.family !== family) continue;
    const shift = BigInt(width - block.bits);
    if (value >> shift === block.base >> shift) return block.kind;
  }
  return 'global';
}

export function isUnroutable(address: string): boolean {
  return UNROUTABLE_CLASSES.has(classifyAddress(address));
}

/** Does `address` fall inside `cidr` ("10.0.0.0/8", "2001:db8::/32", or a bare address)? */
export function inCidr(address: string, cidr: string): boolean {
  const [base = '', bitsText] = cidr.split('/');
  const left = normalizeAddress(address);
  const right = normalizeAddress(base);
  const family = net.isIPv4(left) ? 4 : net.isIPv6(left) ? 6 : 0;
  if (family === 0 || family !== (net.isIPv4(right) ? 4 : net.isIPv6(right) ? 6 : 0)) return false;
  const width = family === 4 ? 32 : 128;
  const bits = bitsText === undefined ? width : Number(bitsText);
  if (!Number.isInteger(bits) || bits < 0 || bits > width) return false;
  const shift = BigInt(width - bits);
  return toBigInt(left) >> shift === toBigInt(right) >> shift;
}

export function toBigInt(address: string): bigint {
  if (net.isIPv4(address)) {
    return address.split('.').reduce((sum, octet) => (sum << 8n) + BigInt(Number(octet)), 0n);
  }
  let text = address.toLowerCase();
  // An embedded dotted quad at the end ("::ffff:1.2.3.4") becomes two hex groups.
  const dotted = /(\d{1,3}(?:\.\d{1,3}){3})$/.exec(text);
  if (dotted?.[1]) {
    const v4 = toBigInt(dotted[1]);
    text = text.slice(0, -dotted[1].length) + `${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const missing = 8 - headGroups.length - tailGroups.length;
  const groups = [...headGroups, ...Array<string>(tail === undefined ? 0 : missing).fill('0'), ...tailGroups];
  return groups.reduce((sum, group) => (sum << 16n) + BigInt(parseInt(group || '0', 16)), 0n);
}

function fromBigInt4(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((shift) => Number((value >> shift) & 0xffn)).join('.');
}

export function addressFamily(address: string): 4 | 6 | 0 {
  const normalized = normalizeAddress(address);
  return net.isIPv4(normalized) ? 4 : net.isIPv6(normalized) ? 6 : 0;
}
