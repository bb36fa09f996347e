/**
 * The seam between the capture file readers (pcap, pcapng, link layers, IP) and the TCP/FTP
 * analysis: one TCP segment as it was captured, in file order. Readers yield these one at a time
 * (streaming, bounded memory); everything after works on them without knowing the file format.
 */

export interface CapturedSegment {
  /** 1-based frame number in the file, as Wireshark and tshark count (every record, TCP or not). */
  frame: number;
  /** Capture time in microseconds since the Unix epoch (pcap µs/ns and pcapng resolutions folded to µs). */
  timeUs: number;
  /** The file's interface (pcapng) or 0. */
  interfaceId: number;
  ipVersion: 4 | 6;
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  flags: { syn: boolean; ack: boolean; fin: boolean; rst: boolean; psh: boolean };
  /** TCP payload bytes captured (may be shorter than `payloadLength` when the snap length cut it). */
  payload: Buffer;
  /** TCP payload length on the wire (from the IP total length). */
  payloadLength: number;
  /** Whether this segment came from a reassembled IP fragment set. */
  reassembled?: boolean;
}

/** ICMP destination-unreachable about a TCP connection: it names the connection it refers to. */
export interface CapturedUnreachable {
  frame: number;
  timeUs: number;
  /** The quoted original packet's ends (the SYN that could not be delivered). */
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  /** Who sent the ICMP (a router, a firewall with "reject with icmp"). */
  reporter: string;
  /** The code's name: 'admin-prohibited', 'host-unreachable', 'port-unreachable', … */
  code: string;
  /** ICMP (type 3) or ICMPv6 (type 1), and the code's number: the proof line quotes them as on the wire. */
  icmpVersion: 4 | 6;
  codeNumber: number;
}

/** What a reader yields: a TCP segment, an ICMP unreachable, or a note about a frame it could not decode. */
export type CaptureItem =
  | { kind: 'tcp'; segment: CapturedSegment }
  | { kind: 'unreachable'; unreachable: CapturedUnreachable }
  | { kind: 'skipped'; frame: number; reason: string };
