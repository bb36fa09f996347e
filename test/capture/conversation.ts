/**
 * Test helper: CapturedSegment sequences of TCP conversations built in code, numbered as a capture
 * file would number its frames. A `Capture` hands out frames and times in order; a `Conversation`
 * is one TCP connection with its two sequence counters (handshake, data, FIN, RST, retransmits),
 * and `segments(...)` can be reordered or duplicated by the test before it is analysed.
 */
import type { CaptureItem, CapturedSegment } from '../../src/capture/segment.js';

export interface End {
  host: string;
  port: number;
}

type Flags = Partial<CapturedSegment['flags']>;

export class Capture {
  readonly items: CaptureItem[] = [];
  frame = 0;
  /** Capture time in µs; starts at 2026-12-05T12:00:00Z. */
  timeUs = Date.UTC(2026, 11, 5, 12, 0, 0) * 1000;

  /** Advance the clock by `ms`. */
  wait(ms: number): this {
    this.timeUs += Math.round(ms * 1000);
    return this;
  }

  add(segment: Omit<CapturedSegment, 'frame' | 'timeUs' | 'interfaceId' | 'ipVersion'>): CapturedSegment {
    this.frame += 1;
    this.timeUs += 100; // 0.1 ms between frames unless a test waits
    const full: CapturedSegment = { frame: this.frame, timeUs: this.timeUs, interfaceId: 0, ipVersion: segment.src.includes(':') ? 6 : 4, ...segment };
    this.items.push({ kind: 'tcp', segment: full });
    return full;
  }

  skipped(reason = 'not TCP'): void {
    this.frame += 1;
    this.items.push({ kind: 'skipped', frame: this.frame, reason });
  }

  /** An ICMP destination-unreachable about the conversation's SYN; port unreachable (type 3 code 3) unless told. */
  unreachable(conversation: Conversation, reporter: string, icmp: { code: string; codeNumber: number; icmpVersion: 4 | 6 } = { code: 'port-unreachable', codeNumber: 3, icmpVersion: 4 }): void {
    this.frame += 1;
    this.timeUs += 100;
    const { client, server } = conversation;
    this.items.push({ kind: 'unreachable', unreachable: { frame: this.frame, timeUs: this.timeUs, src: client.host, dst: server.host, srcPort: client.port, dstPort: server.port, reporter, ...icmp } });
  }

  conversation(client: End, server: End, isn: { client?: number; server?: number } = {}): Conversation {
    return new Conversation(this, client, server, isn.client ?? 1000, isn.server ?? 5000);
  }

  /** Just the TCP segments, in order (for reordering tests). */
  segments(): CapturedSegment[] {
    return this.items.flatMap((item) => (item.kind === 'tcp' ? [item.segment] : []));
  }
}

export class Conversation {
  /** Next sequence number each side sends. */
  clientSeq: number;
  serverSeq: number;

  constructor(
    private readonly capture: Capture,
    readonly client: End,
    readonly server: End,
    clientIsn: number,
    serverIsn: number,
  ) {
    this.clientSeq = clientIsn >>> 0;
    this.serverSeq = serverIsn >>> 0;
  }

  private send(from: 'client' | 'server', flags: Flags, payload: Buffer = Buffer.alloc(0), options: { seq?: number; wireLength?: number; noAdvance?: boolean } = {}): CapturedSegment {
    const [src, dst] = from === 'client' ? [this.client, this.server] : [this.server, this.client];
    const seq = options.seq ?? (from === 'client' ? this.clientSeq : this.serverSeq);
    const ack = from === 'client' ? this.serverSeq : this.clientSeq;
    const segment = this.capture.add({
      src: src.host,
      dst: dst.host,
      srcPort: src.port,
      dstPort: dst.port,
      seq,
      ack,
      flags: { syn: false, ack: true, fin: false, rst: false, psh: payload.length > 0, ...flags },
      payload,
      payloadLength: options.wireLength ?? payload.length,
    });
    if (!options.noAdvance) {
      const advance = (options.wireLength ?? payload.length) + (flags.syn || flags.fin ? 1 : 0);
      if (from === 'client') this.clientSeq = (seq + advance) >>> 0;
      else this.serverSeq = (seq + advance) >>> 0;
    }
    return segment;
  }

  syn(): CapturedSegment {
    const segment = this.send('client', { syn: true, ack: false }, undefined, { noAdvance: true });
    return segment;
  }

  /** The client's first SYN went unanswered and is sent again (same sequence number). */
  synRetransmit(): CapturedSegment {
    return this.syn();
  }

  synAck(): CapturedSegment {
    this.clientSeq = (this.clientSeq + 1) >>> 0;
    return this.send('server', { syn: true, ack: true });
  }

  handshake(): this {
    this.syn();
    this.synAck();
    this.send('client', {});
    return this;
  }

  /** Data from one side; `wireLength` > payload length models a snap-length cut. */
  data(from: 'client' | 'server', text: string | Buffer, options: { wireLength?: number } = {}): CapturedSegment {
    return this.send(from, {}, Buffer.isBuffer(text) ? text : Buffer.from(text, 'latin1'), options);
  }

  /** A segment built but not yet put in the capture: for reordering, the test adds it where it wants. */
  ack(from: 'client' | 'server'): CapturedSegment {
    return this.send(from, {});
  }

  fin(from: 'client' | 'server'): CapturedSegment {
    return this.send(from, { fin: true });
  }

  rst(from: 'client' | 'server', withAck = true): CapturedSegment {
    return this.send(from, { rst: true, ack: withAck }, undefined, { noAdvance: true });
  }

  /** A SYN answered by RST+ACK (a closed port). */
  refused(): this {
    this.syn();
    this.clientSeq = (this.clientSeq + 1) >>> 0;
    this.rst('server');
    return this;
  }

  close(): this {
    this.fin('client');
    this.fin('server');
    this.send('client', {});
    return this;
  }
}

export const CLIENT = '192.168.1.10';
export const SERVER = '203.0.113.5';

/** `227 Entering Passive Mode (h,h,h,h,p1,p2)` for host:port. */
export function pasvReply(host: string, port: number): string {
  return `227 Entering Passive Mode (${host.split('.').join(',')},${port >> 8},${port & 0xff}).\r\n`;
}

/** A typical login: greeting, USER, PASS, 230. */
export function login(control: Conversation, password = 'hunter22'): void {
  control.data('server', '220 (vsFTPd 3.0.5)\r\n');
  control.data('client', 'USER alice\r\n');
  control.data('server', '331 Please specify the password.\r\n');
  control.data('client', `PASS ${password}\r\n`);
  control.data('server', '230 Login successful.\r\n');
}
