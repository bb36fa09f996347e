/**
 * The capture `npm run bench` reads (bench/capture.ts): a pcap of FTP sessions written straight
 * into a large buffer, frame by frame: control dialogue, a passive data connection of bulk
 * 1,448-byte segments with an ACK every second one, and some failures (a data SYN dropped and
 * retransmitted, a data SYN refused by RST). Deterministic; written once into .tmp/bench and reused.
 */
import { closeSync, existsSync, mkdirSync, openSync, renameSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

const SEGMENT = 1448;
const HEADERS = 14 + 20 + 20;
const PATTERN = Buffer.alloc(SEGMENT, 0x78);

/** Writes pcap records straight into a large buffer, flushed to the file when full. */
class PcapWriter {
  private readonly out = Buffer.allocUnsafe(8 * 1024 * 1024);
  private at = 0;
  private id = 0;
  timeUs = 1_764_900_000_000_000;
  frames = 0;

  constructor(private readonly fd: number) {
    const header = Buffer.alloc(24);
    header.writeUInt32LE(0xa1b2c3d4, 0);
    header.writeUInt16LE(2, 4);
    header.writeUInt16LE(4, 6);
    header.writeUInt32LE(262144, 16);
    header.writeUInt32LE(1, 20);
    writeSync(fd, header);
  }

  /** One Ethernet/IPv4/TCP frame; `payload` is text, or a byte count of bulk data. */
  tcp(src: number, dst: number, srcPort: number, dstPort: number, seq: number, ack: number, flags: number, payload: string | number = 0): void {
    const length = typeof payload === 'number' ? payload : Buffer.byteLength(payload, 'latin1');
    if (this.at + 16 + HEADERS + length > this.out.length) this.flush();
    const out = this.out;
    let at = this.at;
    const frameLength = HEADERS + length;
    out.writeUInt32LE(Math.floor(this.timeUs / 1e6), at);
    out.writeUInt32LE(this.timeUs % 1e6, at + 4);
    out.writeUInt32LE(frameLength, at + 8);
    out.writeUInt32LE(frameLength, at + 12);
    at += 16;
    out.fill(0, at, at + HEADERS);
    out[at] = 2;
    out[at + 6] = 2;
    out.writeUInt16BE(0x0800, at + 12);
    at += 14;
    out[at] = 0x45;
    out.writeUInt16BE(20 + 20 + length, at + 2);
    out.writeUInt16BE((this.id = (this.id + 1) & 0xffff), at + 4);
    out[at + 8] = 64;
    out[at + 9] = 6;
    out.writeUInt32BE(src >>> 0, at + 12);
    out.writeUInt32BE(dst >>> 0, at + 16);
    at += 20;
    out.writeUInt16BE(srcPort, at);
    out.writeUInt16BE(dstPort, at + 2);
    out.writeUInt32BE(seq >>> 0, at + 4);
    out.writeUInt32BE(ack >>> 0, at + 8);
    out[at + 12] = 0x50;
    out[at + 13] = flags;
    out.writeUInt16BE(65535, at + 14);
    at += 20;
    if (typeof payload === 'number') PATTERN.copy(out, at, 0, length);
    else out.write(payload, at, 'latin1');
    this.at = at + length;
    this.frames += 1;
    this.timeUs += 40;
  }

  flush(): void {
    if (this.at > 0) writeSync(this.fd, this.out, 0, this.at);
    this.at = 0;
  }
}

const FLAG = { fin: 1, syn: 2, rst: 4, psh: 8, ack: 16 } as const;
const SERVER = (192 << 24) | (2 << 8) | 21; // 192.0.2.21

/** One direction pair of a TCP connection in the generated capture. */
class Flow {
  private clientSeq: number;
  private serverSeq: number;

  constructor(
    private readonly writer: PcapWriter,
    private readonly client: number,
    private readonly clientPort: number,
    private readonly serverPort: number,
    seed: number,
  ) {
    this.clientSeq = (seed * 2654435761) >>> 0;
    this.serverSeq = (seed * 40503 + 11) >>> 0;
  }

  packet(fromClient: boolean, flags: number, payload: string | number = 0): void {
    const length = typeof payload === 'number' ? payload : payload.length;
    const w = this.writer;
    if (fromClient) w.tcp(this.client, SERVER, this.clientPort, this.serverPort, this.clientSeq, this.serverSeq, flags, payload);
    else w.tcp(SERVER, this.client, this.serverPort, this.clientPort, this.serverSeq, this.clientSeq, flags, payload);
    const advance = length + (flags & (FLAG.syn | FLAG.fin) ? 1 : 0);
    if (fromClient) this.clientSeq = (this.clientSeq + advance) >>> 0;
    else this.serverSeq = (this.serverSeq + advance) >>> 0;
  }

  handshake(): void {
    this.packet(true, FLAG.syn);
    this.packet(false, FLAG.syn | FLAG.ack);
    this.packet(true, FLAG.ack);
  }

  say(fromClient: boolean, line: string): void {
    this.packet(fromClient, FLAG.psh | FLAG.ack, `${line}\r\n`);
    this.packet(!fromClient, FLAG.ack);
  }

  close(): void {
    this.packet(false, FLAG.fin | FLAG.ack);
    this.packet(true, FLAG.fin | FLAG.ack);
    this.packet(false, FLAG.ack);
  }
}

/** One FTP session: login, PASV, RETR of `bulkBytes` (or a data SYN that fails), QUIT. */
function writeSession(writer: PcapWriter, index: number, bulkBytes: number): void {
  const client = (10 << 24) | (1 << 16) | ((index >> 8) << 8) | (index & 255);
  const control = new Flow(writer, client, 40000 + (index % 20000), 21, index);
  control.handshake();
  control.say(false, '220 bench FTP server');
  control.say(true, 'USER bench');
  control.say(false, '331 Password required');
  control.say(true, 'PASS not-a-secret');
  control.say(false, '230 Logged in');
  control.say(true, 'PASV');
  const failing = index % 25 === 7 ? 'dropped' : index % 40 === 13 ? 'refused' : undefined;
  const port = failing ? 51000 + (index % 10) : 50000 + (index % 10);
  control.say(false, `227 Entering Passive Mode (192,0,2,21,${port >> 8},${port & 255})`);
  control.say(true, `RETR file-${index}.bin`);
  const data = new Flow(writer, client, 45000 + (index % 20000), port, index + 7);
  if (failing === 'dropped') {
    for (let attempt = 0; attempt < 4; attempt += 1) {
      writer.timeUs += 1_000_000 << attempt;
      data.packet(true, FLAG.syn);
    }
    control.say(false, "425 Can't open data connection");
  } else if (failing === 'refused') {
    data.packet(true, FLAG.syn);
    data.packet(false, FLAG.rst | FLAG.ack);
    control.say(false, "425 Can't open data connection");
  } else {
    data.handshake();
    control.say(false, `150 Opening BINARY mode data connection for file-${index}.bin`);
    for (let sent = 0, count = 0; sent < bulkBytes; sent += SEGMENT, count += 1) {
      data.packet(false, FLAG.ack, Math.min(SEGMENT, bulkBytes - sent));
      if (count % 2 === 1) data.packet(true, FLAG.ack);
    }
    data.close();
    control.say(false, '226 Transfer complete');
  }
  control.say(true, 'QUIT');
  control.say(false, '221 Goodbye');
  control.close();
}

export interface GeneratedCapture {
  file: string;
  bytes: number;
  sessions: number;
  frames: number;
  generateMs: number;
}

/** Generates (or reuses, when already there at the right size) a capture of about `targetBytes`. */
export function generateCapture(targetBytes: number, sessions: number): GeneratedCapture {
  const directory = join(ROOT, '.tmp', 'bench');
  mkdirSync(directory, { recursive: true });
  const file = join(directory, `capture-${Math.round(targetBytes / 1024 ** 2)}MiB-${sessions}.pcap`);
  const started = performance.now();
  const bulkBytes = Math.floor(targetBytes / sessions / ((16 + HEADERS + SEGMENT + (16 + HEADERS) / 2) / SEGMENT));
  let frames = 0;
  if (!existsSync(file)) {
    const partial = `${file}.partial`;
    const fd = openSync(partial, 'w');
    try {
      const writer = new PcapWriter(fd);
      for (let index = 0; index < sessions; index += 1) writeSession(writer, index, bulkBytes);
      writer.flush();
      frames = writer.frames;
    } finally {
      closeSync(fd);
    }
    // Renamed only once complete: an interrupted run never leaves a short file to be reused.
    renameSync(partial, file);
  }
  return { file, bytes: statSync(file).size, sessions, frames, generateMs: performance.now() - started };
}
