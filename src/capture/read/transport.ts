/**
 * The transport layer of one IP packet: a TCP segment, or an ICMP/ICMPv6 destination unreachable
 * that quotes a TCP packet (a firewall's "reject", a router with no route). Pure.
 */
import type { CaptureItem, CapturedSegment } from '../segment.js';
import { ipv4String, ipv6String } from './address.js';

export const PROTOCOL = { icmp: 1, tcp: 6, icmpv6: 58 } as const;

type Flags = CapturedSegment['flags'];

/** The 32 combinations of the flags we report, made once and frozen: one object less per segment. */
const FLAG_SETS: readonly Flags[] = Array.from({ length: 32 }, (_, bits) =>
  Object.freeze({ fin: (bits & 0x01) !== 0, syn: (bits & 0x02) !== 0, rst: (bits & 0x04) !== 0, psh: (bits & 0x08) !== 0, ack: (bits & 0x10) !== 0 }),
);

/** The IP packet around a transport payload (filled in place by the IP layer). */
export interface IpContext {
  frame: number;
  timeUs: number;
  interfaceId: number;
  version: 4 | 6;
  src: string;
  dst: string;
  reassembled: boolean;
}

/** TCP in buffer[at, end) (captured), `wireLength` bytes of it on the wire. */
export function decodeTcp(ip: IpContext, buffer: Buffer, at: number, end: number, wireLength: number, out: CaptureItem[]): void {
  if (at + 20 > end) {
    out.push({ kind: 'skipped', frame: ip.frame, reason: 'TCP header cut short (snap length too small)' });
    return;
  }
  const headerLength = (buffer[at + 12]! >> 4) * 4;
  if (headerLength < 20) {
    out.push({ kind: 'skipped', frame: ip.frame, reason: `TCP header length ${headerLength} is below 20` });
    return;
  }
  if (at + headerLength > end && wireLength < headerLength) {
    out.push({ kind: 'skipped', frame: ip.frame, reason: `TCP header of ${headerLength} bytes does not fit its IP packet` });
    return;
  }
  const flags = buffer[at + 13]!;
  const payloadStart = Math.min(at + headerLength, end);
  out.push({
    kind: 'tcp',
    segment: {
      frame: ip.frame,
      timeUs: ip.timeUs,
      interfaceId: ip.interfaceId,
      ipVersion: ip.version,
      src: ip.src,
      dst: ip.dst,
      srcPort: buffer.readUInt16BE(at),
      dstPort: buffer.readUInt16BE(at + 2),
      seq: buffer.readUInt32BE(at + 4),
      ack: buffer.readUInt32BE(at + 8),
      flags: FLAG_SETS[flags & 0x1f]!,
      payload: copyOf(buffer, payloadStart, end),
      payloadLength: Math.max(0, wireLength - headerLength),
      reassembled: ip.reassembled,
    },
  });
}

const ICMP4_UNREACHABLE = 3;
const ICMP6_UNREACHABLE = 1;
const ICMP4_CODES = ['net-unreachable', 'host-unreachable', 'prot-unreachable', 'port-unreachable', 'frag-needed', 'source-route-failed', 'net-unknown', 'host-unknown', 'host-isolated', 'net-prohibited', 'host-prohibited', 'net-tos-unreachable', 'host-tos-unreachable', 'admin-prohibited'];
const ICMP6_CODES = ['no-route', 'admin-prohibited', 'beyond-scope', 'addr-unreachable', 'port-unreachable', 'policy-fail', 'reject-route'];

/** ICMP (v4) in buffer[at, end): an unreachable quoting a TCP packet becomes an item; anything else says nothing. */
export function decodeIcmp4(ip: IpContext, buffer: Buffer, at: number, end: number, out: CaptureItem[]): void {
  if (at + 8 + 20 > end || buffer[at] !== ICMP4_UNREACHABLE) return;
  const quoted = at + 8;
  const headerLength = (buffer[quoted]! & 0x0f) * 4;
  if (buffer[quoted]! >> 4 !== 4 || buffer[quoted + 9] !== PROTOCOL.tcp || quoted + headerLength + 4 > end) return;
  const code = buffer[at + 1]!;
  out.push({
    kind: 'unreachable',
    unreachable: {
      frame: ip.frame,
      timeUs: ip.timeUs,
      src: ipv4String(buffer, quoted + 12),
      dst: ipv4String(buffer, quoted + 16),
      srcPort: buffer.readUInt16BE(quoted + headerLength),
      dstPort: buffer.readUInt16BE(quoted + headerLength + 2),
      reporter: ip.src,
      code: ICMP4_CODES[code] ?? `code-${code}`,
      icmpVersion: 4,
      codeNumber: code,
    },
  });
}

/** ICMPv6 in buffer[at, end); `tcpOffset` finds the TCP header after the quoted packet's extension headers. */
export function decodeIcmp6(ip: IpContext, buffer: Buffer, at: number, end: number, out: CaptureItem[], tcpOffset: (buffer: Buffer, ipAt: number, end: number) => number): void {
  if (at + 8 + 40 > end || buffer[at] !== ICMP6_UNREACHABLE) return;
  const quoted = at + 8;
  const tcp = tcpOffset(buffer, quoted, end);
  if (tcp < 0 || tcp + 4 > end) return;
  const code = buffer[at + 1]!;
  out.push({
    kind: 'unreachable',
    unreachable: {
      frame: ip.frame,
      timeUs: ip.timeUs,
      src: ipv6String(buffer, quoted + 8),
      dst: ipv6String(buffer, quoted + 24),
      srcPort: buffer.readUInt16BE(tcp),
      dstPort: buffer.readUInt16BE(tcp + 2),
      reporter: ip.src,
      code: ICMP6_CODES[code] ?? `code-${code}`,
      icmpVersion: 6,
      codeNumber: code,
    },
  });
}

/**
 * The payload as a buffer of its own: the reader reuses its read buffers, so a view would change
 * under a consumer that keeps it. Small copies come from Node's pool (no page faults); an empty
 * payload is one shared empty buffer.
 */
function copyOf(buffer: Buffer, start: number, end: number): Buffer {
  if (end <= start) return EMPTY;
  const out = Buffer.allocUnsafe(end - start);
  buffer.copy(out, 0, start, end);
  return out;
}

const EMPTY = Buffer.alloc(0);
