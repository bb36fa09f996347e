/**
 * Test helper: the IP packets of an FTP session whose passive data SYN is answered by an ICMP
 * destination-unreachable from a firewall (or router) on the path, as `reject with icmp …` rules
 * send it: login, PASV (or EPSV over IPv6), the data SYN, the ICMP quoting it, the SYN sent again
 * and answered again, then a 425 and QUIT. Deterministic; wrap the packets with the reader tests'
 * writers (test/capture/read/files.ts) to get a pcap or pcapng file.
 */
import type { Packet } from './read/conversation.js';
import { ipv4, ipv6, tcp } from './read/writer.js';

export interface RejectedSessionSpec {
  client: string;
  server: string;
  /** The ICMP's source: the firewall or router that answered for the server. */
  reporter: string;
  /** ICMP (v4 type 3) or ICMPv6 (type 1) code. */
  code: number;
  passivePort: number;
  startUs: number;
  clientPort?: number;
}

export function rejectedSession(spec: RejectedSessionSpec): Packet[] {
  const v6 = spec.client.includes(':');
  const packets: Packet[] = [];
  let clock = spec.startUs;
  const ip = (src: string, dst: string, protocol: number, payload: Buffer): Buffer => (v6 ? ipv6(src, dst, protocol, payload) : ipv4(src, dst, protocol, payload, { id: packets.length }));
  const push = (packet: Buffer, gapUs = 150): void => {
    packets.push({ timeUs: clock, ip: packet, version: v6 ? 6 : 4 });
    clock += gapUs;
  };
  const clientPort = spec.clientPort ?? 50100;
  let clientSeq = 7000;
  let serverSeq = 90000;
  const fromClient = (flags: string, text = ''): void => {
    push(ip(spec.client, spec.server, 6, tcp({ srcPort: clientPort, dstPort: 21, seq: clientSeq, ack: flags.includes('A') ? serverSeq : 0, flags, payload: text })));
    clientSeq += text.length + (flags.includes('S') || flags.includes('F') ? 1 : 0);
  };
  const fromServer = (flags: string, text = ''): void => {
    push(ip(spec.server, spec.client, 6, tcp({ srcPort: 21, dstPort: clientPort, seq: serverSeq, ack: clientSeq, flags, payload: text })));
    serverSeq += text.length + (flags.includes('S') || flags.includes('F') ? 1 : 0);
  };
  const exchange = (command: string, reply: string): void => {
    fromClient('PA', command);
    fromServer('PA', reply);
  };
  fromClient('S');
  fromServer('SA');
  fromClient('A');
  fromServer('PA', '220 (vsFTPd 3.0.5)\r\n');
  exchange('USER alice\r\n', '331 Please specify the password.\r\n');
  exchange('PASS hunter22\r\n', '230 Login successful.\r\n');
  const port = spec.passivePort;
  exchange(v6 ? 'EPSV\r\n' : 'PASV\r\n', v6 ? `229 Entering Extended Passive Mode (|||${port}|)\r\n` : `227 Entering Passive Mode (${spec.server.split('.').join(',')},${port >> 8},${port & 255}).\r\n`);
  const syn = ip(spec.client, spec.server, 6, tcp({ srcPort: clientPort + 1, dstPort: port, seq: 123456, flags: 'S' }));
  // The ICMP quotes the SYN's IP header and at least the first 8 bytes of its TCP header (RFC 792; ICMPv6 as much as fits).
  const quoted = v6 ? syn : syn.subarray(0, 28);
  const icmp = ip(spec.reporter, spec.client, v6 ? 58 : 1, Buffer.concat([Buffer.from([v6 ? 1 : 3, spec.code, 0, 0, 0, 0, 0, 0]), quoted]));
  for (let attempt = 0; attempt < 2; attempt += 1) {
    push(syn, 400);
    push(icmp, 1_000_000);
  }
  exchange('LIST\r\n', '425 Failed to establish connection.\r\n');
  exchange('QUIT\r\n', '221 Goodbye.\r\n');
  fromServer('FA');
  fromClient('FA');
  fromServer('A');
  return packets;
}
