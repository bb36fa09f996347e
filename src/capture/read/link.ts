/**
 * Link layers: where the IP packet starts in a frame, and which IP version it is. Pure: given the
 * frame's bytes, an answer (version and offset) or the reason it cannot be had.
 */
export const LINKTYPE = {
  null: 0,
  ethernet: 1,
  rawOpenBsd: 12,
  rawBsdOs: 14,
  raw: 101,
  loop: 108,
  linuxSll: 113,
  ipv4: 228,
  ipv6: 229,
  linuxSll2: 276,
} as const;

const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_IPV6 = 0x86dd;
/** 802.1Q, 802.1ad (QinQ outer) and the older 0x9100 QinQ tag. */
const VLAN_TAGS = new Set([0x8100, 0x88a8, 0x9100]);
/** BSD address families for IPv6 as written by different systems' loopback (null/loop) headers. */
const AF_INET = 2;
const AF_INET6 = new Set([10, 24, 28, 30]);

/** Where the IP packet starts; filled in place (one object for the whole capture). */
export interface IpLocation {
  version: 4 | 6;
  at: number;
}

/**
 * 'ip' when `out` now says where the IP packet is; 'ignore' for a frame that carries no IP (ARP,
 * LLDP, spanning tree): nothing to say about it; any other string: why the frame cannot be read.
 */
export type LinkResult = 'ip' | 'ignore' | string;

function found(out: IpLocation, version: 4 | 6, at: number): 'ip' {
  out.version = version;
  out.at = at;
  return 'ip';
}

function byEtherType(type: number, at: number, out: IpLocation): LinkResult {
  if (type === ETHERTYPE_IPV4) return found(out, 4, at);
  if (type === ETHERTYPE_IPV6) return found(out, 6, at);
  return 'ignore';
}

function byVersionNibble(buffer: Buffer, at: number, end: number, out: IpLocation): LinkResult {
  if (at >= end) return 'empty raw IP frame';
  const version = buffer[at]! >> 4;
  if (version === 4 || version === 6) return found(out, version, at);
  return `raw IP frame with IP version ${version}`;
}

function ethernet(buffer: Buffer, start: number, end: number, out: IpLocation): LinkResult {
  let at = start + 12;
  if (at + 2 > end) return 'Ethernet header cut short';
  let type = buffer.readUInt16BE(at);
  // Each VLAN tag is 4 bytes; the frame's end bounds how many can be peeled.
  while (VLAN_TAGS.has(type)) {
    at += 4;
    if (at + 2 > end) return 'VLAN tag cut short';
    type = buffer.readUInt16BE(at);
  }
  return byEtherType(type, at + 2, out);
}

function bsdFamily(family: number, at: number, out: IpLocation): LinkResult {
  if (family === AF_INET) return found(out, 4, at);
  if (AF_INET6.has(family)) return found(out, 6, at);
  return 'ignore';
}

export function findIp(linkType: number, buffer: Buffer, start: number, end: number, out: IpLocation): LinkResult {
  switch (linkType) {
    case LINKTYPE.ethernet:
      return ethernet(buffer, start, end, out);
    case LINKTYPE.linuxSll:
      if (start + 16 > end) return 'Linux cooked (SLL) header cut short';
      return byEtherType(buffer.readUInt16BE(start + 14), start + 16, out);
    case LINKTYPE.linuxSll2:
      if (start + 20 > end) return 'Linux cooked (SLL2) header cut short';
      return byEtherType(buffer.readUInt16BE(start), start + 20, out);
    case LINKTYPE.raw:
    case LINKTYPE.rawOpenBsd:
    case LINKTYPE.rawBsdOs:
      return byVersionNibble(buffer, start, end, out);
    case LINKTYPE.ipv4:
      return found(out, 4, start);
    case LINKTYPE.ipv6:
      return found(out, 6, start);
    case LINKTYPE.null: {
      if (start + 4 > end) return 'loopback header cut short';
      // Written in the capturing host's byte order: the family is small, so the order shows.
      const little = buffer.readUInt32LE(start);
      return bsdFamily(little <= 0xffff ? little : buffer.readUInt32BE(start), start + 4, out);
    }
    case LINKTYPE.loop:
      if (start + 4 > end) return 'loopback header cut short';
      return bsdFamily(buffer.readUInt32BE(start), start + 4, out);
    default:
      return `link type ${linkType} is not supported`;
  }
}
