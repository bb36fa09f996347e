/**
 * Test helper: the IP packets of an FTP session whose passive data SYNs a firewall drops silently,
 * as a client on Linux sends them: login, EPSV and its 229, the data SYN, the kernel's SYN
 * retransmissions one second apart, and the client giving up (`gaveUp`: it closes the control
 * connection, or sends its next command) a while after the first SYN. `implicitTls` makes the
 * control connection FTPS on port 990 (nothing readable on it). Every packet is returned with its
 * role, so a test can cut the capture wherever the user's tcpdump would have stopped; an unrelated
 * connection at `trailingUs` keeps the capture running on after the session.
 */
import type { Packet } from './read/conversation.js';
import { ETHERTYPE, ethernet, ipv4, tcp } from './read/writer.js';
import { pcapFile } from './read/files.js';

export interface DroppedSessionSpec {
  startUs: number;
  passivePort: number;
  /** SYNs sent in all (1 = no retransmission). */
  syns: number;
  /** How the client gave up, and when after the first SYN (µs); omitted: never seen giving up. */
  gaveUp?: { afterUs: number; how: 'close' | 'command' };
  implicitTls?: boolean;
  /** An unrelated packet this long after the first SYN: the capture's end. */
  trailingUs?: number;
}

export type Role = 'control' | 'data-syn' | 'gave-up' | 'trailing';
export interface RolePacket extends Packet {
  role: Role;
}

export const CLIENT = '192.0.2.44';
export const SERVER = '198.51.100.9';
const CLIENT_PORT = 41000;
const DATA_CLIENT_PORT = 41001;

export function droppedSession(spec: DroppedSessionSpec): { packets: RolePacket[]; firstSynUs: number } {
  const packets: RolePacket[] = [];
  const controlPort = spec.implicitTls ? 990 : 21;
  let clock = spec.startUs;
  let clientSeq = 3000;
  let serverSeq = 70000;
  const push = (role: Role, ip: Buffer, gapUs = 200): void => {
    packets.push({ timeUs: clock, ip, version: 4, role });
    clock += gapUs;
  };
  const fromClient = (flags: string, text: string | Buffer = '', role: Role = 'control'): void => {
    push(role, ipv4(CLIENT, SERVER, 6, tcp({ srcPort: CLIENT_PORT, dstPort: controlPort, seq: clientSeq, ack: flags.includes('A') ? serverSeq : 0, flags, payload: text })));
    clientSeq += text.length + (flags.includes('S') || flags.includes('F') ? 1 : 0);
  };
  const fromServer = (flags: string, text: string | Buffer = '', role: Role = 'control'): void => {
    push(role, ipv4(SERVER, CLIENT, 6, tcp({ srcPort: controlPort, dstPort: CLIENT_PORT, seq: serverSeq, ack: clientSeq, flags, payload: text })));
    serverSeq += text.length + (flags.includes('S') || flags.includes('F') ? 1 : 0);
  };
  const exchange = (command: string | Buffer, reply: string | Buffer): void => {
    fromClient('PA', command);
    fromServer('PA', reply);
  };
  fromClient('S');
  fromServer('SA');
  fromClient('A');
  if (spec.implicitTls) {
    // TLS application data records both ways (content type 23): the 229 inside is not readable.
    const record = (length: number): Buffer => Buffer.concat([Buffer.from([23, 3, 3, length >> 8, length & 255]), Buffer.alloc(length, 0x5a)]);
    for (let round = 0; round < 4; round += 1) exchange(record(40), record(60));
  } else {
    fromServer('PA', '220 (vsFTPd 3.0.5)\r\n');
    exchange('USER alice\r\n', '331 Please specify the password.\r\n');
    exchange('PASS not-a-secret\r\n', '230 Login successful.\r\n');
    exchange('EPSV\r\n', `229 Entering Extended Passive Mode (|||${spec.passivePort}|)\r\n`);
  }
  const firstSynUs = clock;
  const syn = ipv4(CLIENT, SERVER, 6, tcp({ srcPort: DATA_CLIENT_PORT, dstPort: spec.passivePort, seq: 555_000, flags: 'S' }));
  const events: { atUs: number; send: () => void }[] = [];
  for (let index = 0; index < spec.syns; index += 1) events.push({ atUs: firstSynUs + index * 1_000_000, send: () => push('data-syn', syn) });
  // The client's delayed ACK of the 229, 40 ms after it.
  events.push({ atUs: firstSynUs + 40_000, send: () => fromClient('A') });
  if (spec.gaveUp) {
    const at = firstSynUs + spec.gaveUp.afterUs;
    if (spec.gaveUp.how === 'close') events.push({ atUs: at, send: () => { fromClient('FA', '', 'gave-up'); fromServer('FA', '', 'gave-up'); fromClient('A', '', 'gave-up'); } });
    else events.push({ atUs: at, send: () => fromClient('PA', spec.implicitTls ? Buffer.from([23, 3, 3, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8]) : 'PASV\r\n', 'gave-up') });
  }
  if (spec.trailingUs !== undefined) {
    events.push({ atUs: firstSynUs + spec.trailingUs, send: () => push('trailing', ipv4('10.9.9.9', '10.9.9.8', 6, tcp({ srcPort: 4000, dstPort: 80, seq: 1, flags: 'S' }))) });
  }
  events.sort((a, b) => a.atUs - b.atUs);
  for (const event of events) {
    clock = Math.max(clock, event.atUs);
    event.send();
  }
  return { packets, firstSynUs };
}

/** The packets as a pcap file (Ethernet). */
export function pcapOf(packets: readonly Packet[]): Buffer {
  return pcapFile({ linkType: 1, records: packets.map((packet) => ({ timeUs: packet.timeUs, data: ethernet(ETHERTYPE.ipv4, packet.ip) })) });
}
