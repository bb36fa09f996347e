/**
 * One captured frame to what it says about TCP: link layer, IPv4/IPv6 (options, extension headers,
 * fragments), then TCP or ICMP. Pure apart from its fragment store; one decoder per capture.
 */
import type { CaptureItem } from '../segment.js';
import { ipv4String, ipv6String } from './address.js';
import { FragmentStore, type FragmentLimits } from './fragments.js';
import type { RawFrame } from './frame.js';
import { findIp, type IpLocation } from './link.js';
import { decodeIcmp4, decodeIcmp6, decodeTcp, PROTOCOL, type IpContext } from './transport.js';

const IPV6_HEADER = 40;
const EXT = { hopByHop: 0, routing: 43, fragment: 44, auth: 51, noNext: 59, destination: 60, mobility: 135 } as const;
/** More extension headers than any real packet carries: a loop guard against crafted chains. */
const MAX_EXTENSION_HEADERS = 16;

/** Where an IPv6 packet's upper layer starts, filled in place by walkIpv6. */
interface Ipv6Walk {
  protocol: number;
  at: number;
  /** The fragment header's fields when there is one (fragmentAt >= 0). */
  fragmentAt: number;
}

export class FrameDecoder {
  private readonly location: IpLocation = { version: 4, at: 0 };
  private readonly walk: Ipv6Walk = { protocol: 0, at: 0, fragmentAt: -1 };
  private readonly ip: IpContext = { frame: 0, timeUs: 0, interfaceId: 0, version: 4, src: '', dst: '', reassembled: false };
  private readonly fragments: FragmentStore;

  constructor(limits?: FragmentLimits) {
    this.fragments = new FragmentStore(limits);
  }

  decode(frame: RawFrame, out: CaptureItem[]): void {
    const { buffer, end } = frame;
    const link = findIp(frame.linkType, buffer, frame.start, end, this.location);
    if (link === 'ignore') return;
    if (link !== 'ip') {
      out.push({ kind: 'skipped', frame: frame.frame, reason: link });
      return;
    }
    const ip = this.ip;
    ip.frame = frame.frame;
    ip.timeUs = frame.timeUs;
    ip.interfaceId = frame.interfaceId;
    ip.reassembled = false;
    // Bytes cut by the snap length: the IP lengths say how much there was on the wire.
    const cutBytes = frame.wireLength - (end - frame.start);
    if (this.location.version === 4) this.ipv4(frame, this.location.at, cutBytes, out);
    else this.ipv6(frame, this.location.at, cutBytes, out);
  }

  /** Fragment sets still pending at the end of the capture, said as skipped items. */
  finish(out: CaptureItem[]): void {
    this.fragments.finish(out);
  }

  private ipv4(frame: RawFrame, at: number, cutBytes: number, out: CaptureItem[]): void {
    const { buffer } = frame;
    if (at + 20 > frame.end) return this.skip(frame, 'IPv4 header cut short', out);
    const headerLength = (buffer[at]! & 0x0f) * 4;
    if (buffer[at]! >> 4 !== 4 || headerLength < 20) return this.skip(frame, `not an IPv4 header (version ${buffer[at]! >> 4}, header length ${headerLength})`, out);
    if (at + headerLength > frame.end) return this.skip(frame, 'IPv4 options cut short', out);
    let totalLength = buffer.readUInt16BE(at + 2);
    const capturedIp = frame.end - at;
    // 0 is what a host sees of its own TSO/GSO super-packets: the captured size is the size.
    if (totalLength === 0) totalLength = capturedIp + cutBytes;
    if (totalLength < headerLength) return this.skip(frame, `IPv4 total length ${totalLength} is below its header length ${headerLength}`, out);
    const ipEnd = Math.min(at + totalLength, frame.end); // Ethernet pads short frames: stop at the IP end
    const protocol = buffer[at + 9]!;
    if (protocol !== PROTOCOL.tcp && protocol !== PROTOCOL.icmp) return;
    const ip = this.ip;
    ip.version = 4;
    ip.src = ipv4String(buffer, at + 12);
    ip.dst = ipv4String(buffer, at + 16);
    const fragmentField = buffer.readUInt16BE(at + 6);
    const more = (fragmentField & 0x2000) !== 0;
    const offset = (fragmentField & 0x1fff) * 8;
    const payloadAt = at + headerLength;
    if (more || offset > 0) {
      const key = `4 ${ip.src} ${ip.dst} ${protocol} ${buffer.readUInt16BE(at + 4)}`;
      const label = `IPv4 ${ip.src} → ${ip.dst} id 0x${buffer.readUInt16BE(at + 4).toString(16)}`;
      const data = buffer.subarray(payloadAt, ipEnd);
      const whole = this.fragments.add({ key, label, frame: frame.frame, timeUs: frame.timeUs, offset, more, data, cut: ipEnd - payloadAt < totalLength - headerLength }, out);
      if (!whole) return;
      ip.reassembled = true;
      return this.transport(protocol, whole, 0, whole.length, whole.length, out);
    }
    this.transport(protocol, buffer, payloadAt, ipEnd, totalLength - headerLength, out);
  }

  private ipv6(frame: RawFrame, at: number, cutBytes: number, out: CaptureItem[]): void {
    const { buffer } = frame;
    if (at + IPV6_HEADER > frame.end) return this.skip(frame, 'IPv6 header cut short', out);
    if (buffer[at]! >> 4 !== 6) return this.skip(frame, `not an IPv6 header (version ${buffer[at]! >> 4})`, out);
    let payloadLength = buffer.readUInt16BE(at + 4);
    if (payloadLength === 0) payloadLength = frame.end - at - IPV6_HEADER + cutBytes; // jumbogram or GSO
    const ipEnd = Math.min(at + IPV6_HEADER + payloadLength, frame.end);
    const walk = this.walk;
    const problem = walkIpv6(buffer, buffer[at + 6]!, at + IPV6_HEADER, ipEnd, walk);
    if (problem) return this.skip(frame, problem, out);
    const protocol = walk.protocol;
    const fragmented = walk.fragmentAt >= 0;
    if (protocol !== PROTOCOL.tcp && protocol !== PROTOCOL.icmpv6 && !(fragmented && isExtension(protocol))) return;
    const ip = this.ip;
    ip.version = 6;
    ip.src = ipv6String(buffer, at + 8);
    ip.dst = ipv6String(buffer, at + 24);
    const wireEnd = at + IPV6_HEADER + payloadLength;
    if (!fragmented) return this.transport(protocol, buffer, walk.at, ipEnd, wireEnd - walk.at, out);
    const field = buffer.readUInt16BE(walk.fragmentAt + 2);
    const id = buffer.readUInt32BE(walk.fragmentAt + 4);
    const key = `6 ${ip.src} ${ip.dst} ${id}`;
    const label = `IPv6 ${ip.src} → ${ip.dst} id 0x${id.toString(16)}`;
    const data = buffer.subarray(walk.at, ipEnd);
    const whole = this.fragments.add({ key, label, frame: frame.frame, timeUs: frame.timeUs, offset: field & 0xfff8, more: (field & 1) !== 0, data, cut: ipEnd < wireEnd }, out);
    if (!whole) return;
    ip.reassembled = true;
    // Extension headers can follow the fragment header (destination options): walk the whole.
    const problem2 = walkIpv6(whole, protocol, 0, whole.length, walk);
    if (problem2 || walk.fragmentAt >= 0) return this.skip(frame, problem2 ?? 'IPv6 fragment inside a fragment', out);
    if (walk.protocol !== PROTOCOL.tcp && walk.protocol !== PROTOCOL.icmpv6) return;
    this.transport(walk.protocol, whole, walk.at, whole.length, whole.length - walk.at, out);
  }

  private transport(protocol: number, buffer: Buffer, at: number, end: number, wireLength: number, out: CaptureItem[]): void {
    if (protocol === PROTOCOL.tcp) decodeTcp(this.ip, buffer, at, end, wireLength, out);
    else if (protocol === PROTOCOL.icmp) decodeIcmp4(this.ip, buffer, at, end, out);
    else decodeIcmp6(this.ip, buffer, at, end, out, quotedTcpOffset);
  }

  private skip(frame: RawFrame, reason: string, out: CaptureItem[]): void {
    out.push({ kind: 'skipped', frame: frame.frame, reason });
  }
}

/**
 * Follows IPv6 extension headers from `next` at `at`; fills `walk` (upper protocol, its offset, the
 * fragment header if any) or returns why it cannot. A fragment header ends the walk: what follows
 * it is in the fragment's data, and the first fragment's data starts with the upper header.
 */
function walkIpv6(buffer: Buffer, next: number, at: number, end: number, walk: Ipv6Walk): string | undefined {
  walk.fragmentAt = -1;
  for (let count = 0; count < MAX_EXTENSION_HEADERS; count += 1) {
    switch (next) {
      case EXT.hopByHop:
      case EXT.routing:
      case EXT.destination:
      case EXT.mobility:
      case EXT.auth: {
        if (at + 8 > end) return `IPv6 extension header ${next} cut short`;
        const length = next === EXT.auth ? (buffer[at + 1]! + 2) * 4 : (buffer[at + 1]! + 1) * 8;
        next = buffer[at]!;
        at += length;
        break;
      }
      case EXT.fragment:
        if (at + 8 > end) return 'IPv6 fragment header cut short';
        walk.fragmentAt = at;
        walk.protocol = buffer[at]!;
        walk.at = at + 8;
        return undefined;
      default:
        walk.protocol = next;
        walk.at = at;
        return undefined;
    }
  }
  return `more than ${MAX_EXTENSION_HEADERS} IPv6 extension headers`;
}

function isExtension(protocol: number): boolean {
  return protocol === EXT.hopByHop || protocol === EXT.routing || protocol === EXT.destination || protocol === EXT.mobility || protocol === EXT.auth;
}

const quotedWalk: Ipv6Walk = { protocol: 0, at: 0, fragmentAt: -1 };

/** The TCP header's offset in an IPv6 packet quoted by ICMPv6, or -1. */
function quotedTcpOffset(buffer: Buffer, ipAt: number, end: number): number {
  if (walkIpv6(buffer, buffer[ipAt + 6]!, ipAt + IPV6_HEADER, end, quotedWalk)) return -1;
  return quotedWalk.protocol === PROTOCOL.tcp && quotedWalk.fragmentAt < 0 ? quotedWalk.at : -1;
}
