/**
 * Test helper: a small writer of pcap and pcapng files and of the packets inside them (Ethernet
 * with VLAN tags, Linux cooked SLL/SLL2, BSD loopback, IPv4 with options and fragments, IPv6 with
 * extension headers and fragments, TCP, ICMP). Written from the formats' documentation for these
 * tests; checksums are left at zero except IPv4's header checksum (no decoder here checks them).
 */

export const ETHERTYPE = { ipv4: 0x0800, ipv6: 0x86dd, arp: 0x0806, vlan: 0x8100, qinq: 0x88a8 } as const;

export function ipBytes(address: string): Buffer {
  if (address.includes(':')) {
    const [head, tail] = address.includes('::') ? address.split('::') : [address, undefined];
    const left = head ? head.split(':') : [];
    const right = tail ? tail.split(':') : [];
    const groups = tail === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill('0'), ...right];
    const out = Buffer.alloc(16);
    groups.forEach((group, index) => out.writeUInt16BE(parseInt(group, 16), index * 2));
    return out;
  }
  return Buffer.from(address.split('.').map(Number));
}

export interface TcpSpec {
  srcPort: number;
  dstPort: number;
  seq?: number;
  ack?: number;
  /** Letters: S syn, A ack, F fin, R rst, P psh. */
  flags?: string;
  payload?: Buffer | string;
  /** Raw TCP options, padded here to a multiple of 4. */
  options?: Buffer;
}

export function tcp(spec: TcpSpec): Buffer {
  const options = spec.options ?? Buffer.alloc(0);
  const padded = Buffer.concat([options, Buffer.alloc((4 - (options.length % 4)) % 4)]);
  const header = Buffer.alloc(20 + padded.length);
  header.writeUInt16BE(spec.srcPort, 0);
  header.writeUInt16BE(spec.dstPort, 2);
  header.writeUInt32BE((spec.seq ?? 1000) >>> 0, 4);
  header.writeUInt32BE((spec.ack ?? 0) >>> 0, 8);
  header[12] = (header.length / 4) << 4;
  const letters = spec.flags ?? 'A';
  const bits: Record<string, number> = { F: 1, S: 2, R: 4, P: 8, A: 16 };
  header[13] = [...letters].reduce((sum, letter) => sum | (bits[letter] ?? 0), 0);
  header.writeUInt16BE(65535, 14);
  padded.copy(header, 20);
  const payload = typeof spec.payload === 'string' ? Buffer.from(spec.payload) : (spec.payload ?? Buffer.alloc(0));
  return Buffer.concat([header, payload]);
}

export interface Ipv4Options {
  id?: number;
  ttl?: number;
  /** Fragment offset in bytes (a multiple of 8). */
  fragmentOffset?: number;
  moreFragments?: boolean;
  /** Raw IP options, padded to a multiple of 4. */
  options?: Buffer;
}

export function ipv4(src: string, dst: string, protocol: number, payload: Buffer, extra: Ipv4Options = {}): Buffer {
  const options = extra.options ?? Buffer.alloc(0);
  const padded = Buffer.concat([options, Buffer.alloc((4 - (options.length % 4)) % 4)]);
  const header = Buffer.alloc(20 + padded.length);
  header[0] = 0x40 | (header.length / 4);
  header.writeUInt16BE(header.length + payload.length, 2);
  header.writeUInt16BE(extra.id ?? 0x1234, 4);
  header.writeUInt16BE(((extra.moreFragments ? 1 : 0) << 13) | ((extra.fragmentOffset ?? 0) / 8), 6);
  header[8] = extra.ttl ?? 64;
  header[9] = protocol;
  ipBytes(src).copy(header, 12);
  ipBytes(dst).copy(header, 16);
  padded.copy(header, 20);
  let sum = 0;
  for (let index = 0; index < header.length; index += 2) sum += header.readUInt16BE(index);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  header.writeUInt16BE(~sum & 0xffff, 10);
  return Buffer.concat([header, payload]);
}

/** An IPv6 extension header: its type and body (the next-header and length bytes are added). */
export interface Extension {
  type: 0 | 43 | 60;
  /** Body after the two first bytes; padded so the header is a multiple of 8. */
  body?: Buffer;
}

function extensionBytes(extension: Extension, next: number): Buffer {
  const body = extension.body ?? Buffer.alloc(6);
  const total = Math.ceil((body.length + 2) / 8) * 8;
  const out = Buffer.alloc(total);
  out[0] = next;
  out[1] = total / 8 - 1;
  body.copy(out, 2);
  return out;
}

export function ipv6(src: string, dst: string, protocol: number, payload: Buffer, extensions: Extension[] = []): Buffer {
  let next = protocol;
  const chain: Buffer[] = [];
  for (let index = extensions.length - 1; index >= 0; index -= 1) {
    const extension = extensions[index]!;
    chain.unshift(extensionBytes(extension, next));
    next = extension.type;
  }
  const body = Buffer.concat([...chain, payload]);
  const header = Buffer.alloc(40);
  header[0] = 0x60;
  header.writeUInt16BE(body.length, 4);
  header[6] = next;
  header[7] = 64;
  ipBytes(src).copy(header, 8);
  ipBytes(dst).copy(header, 24);
  return Buffer.concat([header, body]);
}

/** Splits an IPv4 packet's payload in fragments of `size` bytes (a multiple of 8). */
export function ipv4Fragments(src: string, dst: string, protocol: number, payload: Buffer, size: number, id = 0x4242): Buffer[] {
  const out: Buffer[] = [];
  for (let offset = 0; offset < payload.length; offset += size) {
    const part = payload.subarray(offset, offset + size);
    out.push(ipv4(src, dst, protocol, part, { id, fragmentOffset: offset, moreFragments: offset + size < payload.length }));
  }
  return out;
}

/** IPv6 fragments (fragment header 44) of an upper-layer payload, after the given unfragmentable extensions. */
export function ipv6Fragments(src: string, dst: string, protocol: number, payload: Buffer, size: number, id = 0x9abc, extensions: Extension[] = []): Buffer[] {
  const out: Buffer[] = [];
  for (let offset = 0; offset < payload.length; offset += size) {
    const part = payload.subarray(offset, offset + size);
    const header = Buffer.alloc(8);
    header[0] = protocol;
    header.writeUInt16BE(offset | (offset + size < payload.length ? 1 : 0), 2);
    header.writeUInt32BE(id, 4);
    // The fragment header is written as the upper layer of ipv6(): its protocol number is 44.
    out.push(ipv6(src, dst, 44, Buffer.concat([header, part]), extensions));
  }
  return out;
}

export function ethernet(etherType: number, payload: Buffer, vlans: { tpid: number; vid: number }[] = []): Buffer {
  const macs = Buffer.from('0200000000010200000000020', 'hex').subarray(0, 12);
  const tags = vlans.map(({ tpid, vid }) => {
    const tag = Buffer.alloc(4);
    tag.writeUInt16BE(tpid, 0);
    tag.writeUInt16BE(vid, 2);
    return tag;
  });
  const type = Buffer.alloc(2);
  type.writeUInt16BE(etherType, 0);
  const frame = Buffer.concat([macs, ...tags, type, payload]);
  // Ethernet pads to 60 bytes: the decoder must stop at the IP length, not the frame's.
  return frame.length < 60 ? Buffer.concat([frame, Buffer.alloc(60 - frame.length, 0xee)]) : frame;
}

export function sll(protocol: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(16);
  header.writeUInt16BE(0, 0); // to us
  header.writeUInt16BE(772, 2); // ARPHRD_LOOPBACK
  header.writeUInt16BE(6, 4);
  header.writeUInt16BE(protocol, 14);
  return Buffer.concat([header, payload]);
}

export function sll2(protocol: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(20);
  header.writeUInt16BE(protocol, 0);
  header.writeUInt32BE(1, 4); // interface index
  header.writeUInt16BE(772, 8);
  header[10] = 0;
  header[11] = 6;
  return Buffer.concat([header, payload]);
}

/** BSD null: the address family in the capturing host's byte order. */
export function nullLink(family: number, payload: Buffer, littleEndian = true): Buffer {
  const header = Buffer.alloc(4);
  if (littleEndian) header.writeUInt32LE(family, 0);
  else header.writeUInt32BE(family, 0);
  return Buffer.concat([header, payload]);
}

/** OpenBSD loop: the family in network byte order. */
export function loopLink(family: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(4);
  header.writeUInt32BE(family, 0);
  return Buffer.concat([header, payload]);
}
