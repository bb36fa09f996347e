/**
 * Benchmark: reading a capture. A ~1 GiB pcap generated here (hundreds of FTP sessions: control
 * dialogue, a passive data connection of bulk 1,448-byte segments, some data SYNs unanswered or
 * refused) is read by our reader (readCapture, every item taken) and by `tshark -r FILE -Y ftp`.
 * Each side runs in its own process, three times; the figures are medians with the spread, wall
 * time with start-up included for both. Peak RSS: ours from process.resourceUsage() in the child,
 * tshark's from /usr/bin/time. Run alone with `npx tsx bench/capture.ts [--quick]`.
 *
 */
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, renameSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { formatBytes, formatRate, ratioOf, type BenchRow } from './table.js';
import { commandExists, lastLine, runTimed } from './system.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RUNS = 3;
const CAP_MS = 900_000;
const TARGET_RATIO = 5;
const TARGET_RSS_MIB = 150;

// ---- the generated capture ----------------------------------------------------------------

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

// ---- the measured sides ---------------------------------------------------------------------

interface ChildFigures {
  ms: number;
  frames: number;
  segments: number;
  payloadBytes: number;
  maxRssKiB: number;
}

/**
 * The measured process: reads the whole file through readCapture, taking every item, and prints
 * its figures. Run as `node -e` on the built reader (what users run), or under tsx on the source
 * when no fresh build is there.
 */
const CHILD_SCRIPT = `
const [reader, file] = process.argv.slice(1);
const { readCapture } = await import(reader);
const stats = { compressed: false, frames: 0, bytes: 0 };
const started = performance.now();
let segments = 0;
let payloadBytes = 0;
for await (const item of readCapture(file, { stats })) {
  if (item.kind !== 'tcp') continue;
  segments += 1;
  payloadBytes += item.segment.payloadLength;
}
const ms = performance.now() - started;
process.stdout.write(JSON.stringify({ ms, frames: stats.frames, segments, payloadBytes, maxRssKiB: process.resourceUsage().maxRSS }) + '\\n');
`;

/** The built reader if it is at least as new as every source file of it, else the source (tsx). */
function readerCommand(): string[] {
  const sources = join(ROOT, 'src', 'capture', 'read');
  const built = join(ROOT, 'dist', 'capture', 'read', 'index.js');
  const newestSource = Math.max(...readdirSync(sources).map((name) => statSync(join(sources, name)).mtimeMs));
  if (existsSync(built) && statSync(built).mtimeMs >= newestSource) return [process.execPath, '--input-type=module', '-e', CHILD_SCRIPT, pathToFileURL(built).href];
  return [process.execPath, '--import', 'tsx', '--input-type=module', '-e', CHILD_SCRIPT, pathToFileURL(join(sources, 'index.ts')).href];
}

interface Run {
  wallMs: number;
  peakRssBytes: number;
  insideMs?: number;
  error?: string;
}

async function runOurs(file: string): Promise<Run & { figures?: ChildFigures }> {
  const result = await runTimed([...readerCommand(), file], CAP_MS);
  try {
    const figures = JSON.parse(lastLine(result.stdout, 10_000)) as ChildFigures;
    return { wallMs: result.wallMs, peakRssBytes: figures.maxRssKiB * 1024, insideMs: figures.ms, figures };
  } catch {
    return { wallMs: result.wallMs, peakRssBytes: 0, error: `reader failed: ${lastLine(result.stderr)}` };
  }
}

async function runTshark(file: string): Promise<Run & { ftpLines?: number }> {
  const result = await runTimed(['/usr/bin/time', '-f', 'maxrss-kib %M', 'tshark', '-n', '-r', file, '-Y', 'ftp'], CAP_MS);
  const rss = /maxrss-kib (\d+)/.exec(result.stderr);
  if (result.capped) return { wallMs: result.wallMs, peakRssBytes: 0, error: `capped at ${CAP_MS / 1000} s` };
  if (result.code !== 0) return { wallMs: result.wallMs, peakRssBytes: 0, error: `tshark exit ${result.code}: ${lastLine(result.stderr)}` };
  return { wallMs: result.wallMs, peakRssBytes: Number(rss?.[1] ?? 0) * 1024, ftpLines: result.stdout.split('\n').filter(Boolean).length };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

function spread(values: number[], format: (value: number) => string): string {
  return `${format(Math.min(...values))}–${format(Math.max(...values))}`;
}

export interface CaptureBenchResult {
  capture: GeneratedCapture;
  ours: (Run & { figures?: ChildFigures })[];
  tshark: (Run & { ftpLines?: number })[];
}

export async function benchCapture(quick: boolean): Promise<{ rows: BenchRow[]; result: unknown }> {
  const capture = generateCapture(quick ? 128 * 1024 ** 2 : 1024 ** 3, quick ? 50 : 400);
  const ours: CaptureBenchResult['ours'] = [];
  const tshark: CaptureBenchResult['tshark'] = [];
  const tsharkThere = commandExists('/usr/bin/tshark') || commandExists('/usr/local/bin/tshark');
  // Alternated, so that a burst of load on the shared machine hits both sides alike.
  for (let run = 0; run < RUNS; run += 1) {
    ours.push(await runOurs(capture.file));
    if (tsharkThere && commandExists('/usr/bin/time')) tshark.push(await runTshark(capture.file));
  }
  const result: CaptureBenchResult = { capture, ours, tshark };
  const failed = ours.find((run) => run.error);
  if (failed) return { rows: [{ benchmark: 'capture', measure: 'broken', ours: '-', peer: '-', ratio: null, met: false, note: failed.error! }], result };
  const rate = (run: Run) => capture.bytes / (run.wallMs / 1000);
  const oursRates = ours.map(rate);
  const oursRss = ours.map((run) => run.peakRssBytes);
  const insideRates = ours.map((run) => capture.bytes / ((run.insideMs ?? run.wallMs) / 1000));
  const what = `read a ${formatBytes(capture.bytes)} pcap (${capture.sessions} FTP sessions, ${ours[0]?.figures?.frames ?? '?'} frames), start-up included; median of ${RUNS} (spread)`;
  const rssRow = (peer: string, ratio: number | null): BenchRow => ({
    benchmark: 'capture',
    measure: 'peak resident memory (same file)',
    ours: `${formatBytes(median(oursRss))} (${spread(oursRss, formatBytes)})`,
    peer,
    ratio,
    target: `≤ ${TARGET_RSS_MIB} MiB`,
    met: median(oursRss) <= TARGET_RSS_MIB * 1024 ** 2,
  });
  const oursText = `${formatRate(median(oursRates))} (${spread(oursRates, formatRate)}); ${formatRate(median(insideRates))} reading alone`;
  const tsharkOk = tshark.filter((run) => !run.error);
  if (tsharkOk.length === 0) {
    const reason = tshark[0]?.error ?? 'tshark or /usr/bin/time is not installed (apt-get install tshark time)';
    return { rows: [{ benchmark: 'capture', measure: what, ours: oursText, peer: '-', ratio: null, met: null, note: `peer not run: ${reason}` }, rssRow('-', null)], result };
  }
  const peerRates = tsharkOk.map(rate);
  const peerRss = tsharkOk.map((run) => run.peakRssBytes);
  const ratio = ratioOf(median(oursRates), median(peerRates), 'larger');
  return {
    rows: [
      { benchmark: 'capture', measure: what, ours: oursText, peer: `\`tshark -Y ftp\` ${formatRate(median(peerRates))} (${spread(peerRates, formatRate)})`, ratio, target: `≥ ${TARGET_RATIO}×`, met: ratio !== null && ratio >= TARGET_RATIO },
      rssRow(`tshark ${formatBytes(median(peerRss))}`, ratioOf(median(oursRss), median(peerRss), 'smaller')),
    ],
    result,
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { rows, result } = await benchCapture(process.argv.includes('--quick'));
  process.stdout.write(`${JSON.stringify({ rows, result }, null, 2)}\n`);
}
