/**
 * Test helper: IP packets of a small FTP session (control connection, PASV, a data connection with
 * bulk data, QUIT) as a client and server would send them, to be wrapped in any link type and file
 * format. Deterministic: the same arguments give the same bytes.
 */
import { ipv4, ipv6, tcp, type TcpSpec } from './writer.js';

export interface Packet {
  timeUs: number;
  /** The IP packet. */
  ip: Buffer;
  version: 4 | 6;
}

export interface SessionSpec {
  client: string;
  server: string;
  clientPort: number;
  dataClientPort: number;
  passivePort: number;
  startUs: number;
  /** Bytes of the listing sent on the data connection. */
  bulkBytes: number;
  segmentBytes?: number;
}

/** One TCP connection's two directions with their sequence numbers. */
class Connection {
  private clientSeq: number;
  private serverSeq: number;

  constructor(
    private readonly spec: SessionSpec,
    private readonly clientPort: number,
    private readonly serverPort: number,
    private readonly packets: Packet[],
    private clock: { us: number },
    seed: number,
  ) {
    this.clientSeq = (seed * 2654435761) >>> 0;
    this.serverSeq = (seed * 40503 + 7) >>> 0;
  }

  private emit(fromClient: boolean, flags: string, payload: Buffer = Buffer.alloc(0), options?: Buffer): void {
    const { client, server } = this.spec;
    const spec: TcpSpec = {
      srcPort: fromClient ? this.clientPort : this.serverPort,
      dstPort: fromClient ? this.serverPort : this.clientPort,
      seq: fromClient ? this.clientSeq : this.serverSeq,
      ack: flags.includes('A') ? (fromClient ? this.serverSeq : this.clientSeq) : 0,
      flags,
      payload,
      ...(options ? { options } : {}),
    };
    const segment = tcp(spec);
    const version = client.includes(':') ? 6 : 4;
    const ip = version === 4 ? ipv4(fromClient ? client : server, fromClient ? server : client, 6, segment, { id: this.packets.length & 0xffff }) : ipv6(fromClient ? client : server, fromClient ? server : client, 6, segment);
    this.packets.push({ timeUs: this.clock.us, ip, version });
    this.clock.us += 137;
    const advance = payload.length + (flags.includes('S') || flags.includes('F') ? 1 : 0);
    if (fromClient) this.clientSeq = (this.clientSeq + advance) >>> 0;
    else this.serverSeq = (this.serverSeq + advance) >>> 0;
  }

  open(): void {
    const mss = Buffer.from([2, 4, 0x05, 0xb4, 1, 1, 4, 2]); // MSS 1460, NOP, NOP, SACK permitted
    this.emit(true, 'S', undefined, mss);
    this.emit(false, 'SA', undefined, mss);
    this.emit(true, 'A');
  }

  send(fromClient: boolean, text: string | Buffer): void {
    this.emit(fromClient, 'PA', typeof text === 'string' ? Buffer.from(text) : text);
    this.emit(!fromClient, 'A');
  }

  close(clientFirst: boolean): void {
    this.emit(clientFirst, 'FA');
    this.emit(!clientFirst, 'FA');
    this.emit(clientFirst, 'A');
  }
}

export function ftpSession(spec: SessionSpec, seed = 1): Packet[] {
  const packets: Packet[] = [];
  const clock = { us: spec.startUs };
  const control = new Connection(spec, spec.clientPort, 21, packets, clock, seed);
  control.open();
  control.send(false, '220 test FTP server ready\r\n');
  control.send(true, 'USER anonymous\r\n');
  control.send(false, '331 Please specify the password.\r\n');
  control.send(true, 'PASS guest@example.org\r\n');
  control.send(false, '230 Login successful.\r\n');
  const v6 = spec.client.includes(':');
  control.send(true, v6 ? 'EPSV\r\n' : 'PASV\r\n');
  const address = spec.server.split('.').join(',');
  control.send(false, v6 ? `229 Entering Extended Passive Mode (|||${spec.passivePort}|)\r\n` : `227 Entering Passive Mode (${address},${spec.passivePort >> 8},${spec.passivePort & 255}).\r\n`);
  const data = new Connection(spec, spec.dataClientPort, spec.passivePort, packets, clock, seed + 1000);
  data.open();
  control.send(true, 'LIST\r\n');
  control.send(false, '150 Here comes the directory listing.\r\n');
  const step = spec.segmentBytes ?? 1448;
  for (let offset = 0; offset < spec.bulkBytes; offset += step) {
    const size = Math.min(step, spec.bulkBytes - offset);
    data.send(false, Buffer.alloc(size, 0x61 + ((offset / step) % 26)));
  }
  data.close(false);
  control.send(false, '226 Directory send OK.\r\n');
  control.send(true, 'QUIT\r\n');
  control.send(false, '221 Goodbye.\r\n');
  control.close(false);
  return packets;
}
