/**
 * Test helper: tshark (Wireshark's decoder, Debian package) as an independent reader of the same
 * file, and our reader's view in the same shape, to be compared frame by frame.
 */
import { spawnSync } from 'node:child_process';
import { readCapture } from '../../../src/capture/read/index.js';

export function tsharkMissingReason(): string | null {
  const probe = spawnSync('tshark', ['--version'], { encoding: 'utf8', timeout: 60_000 });
  return probe.status === 0 ? null : 'tshark is not installed (apt-get install tshark)';
}

/** One TCP segment as both decoders must see it. */
export interface Row {
  frame: number;
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  /** tcp.flags' low 5 bits (FIN SYN RST PSH ACK). */
  flags: number;
  seq: number;
  payloadLength: number;
  timeUs: number;
}

export interface View {
  frames: number;
  streams: number;
  rows: Row[];
}

function tshark(file: string, args: string[]): string {
  const result = spawnSync('tshark', ['-n', '-r', file, ...args], { encoding: 'utf8', timeout: 120_000, maxBuffer: 256 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`tshark failed on ${file}: ${result.stderr}`);
  return result.stdout;
}

/** "1764900000.123456789" → µs, truncated as our reader folds ns to µs. */
function epochToUs(epoch: string): number {
  const [seconds, fraction = ''] = epoch.split('.');
  return Number(seconds) * 1e6 + Number(fraction.padEnd(6, '0').slice(0, 6));
}

export function tsharkView(file: string): View {
  // One pass over every frame; ICMP errors quote a TCP header, which tshark shows as tcp.*: those frames are not segments.
  const fields = ['frame.number', 'frame.protocols', 'ip.src', 'ipv6.src', 'ip.dst', 'ipv6.dst', 'tcp.srcport', 'tcp.dstport', 'tcp.flags', 'tcp.seq_raw', 'tcp.len', 'tcp.stream', 'frame.time_epoch'];
  const lines = tshark(file, ['-T', 'fields', '-E', 'separator=/t', ...fields.flatMap((field) => ['-e', field])]).split('\n').filter(Boolean);
  const streams = new Set<string>();
  const rows: Row[] = [];
  for (const line of lines) {
    const [frame, protocols, src4, src6, dst4, dst6, srcPort, dstPort, flags, seq, length, stream, epoch] = line.split('\t');
    if (!srcPort || !protocols || /:icmp(v6)?(:|$)/.test(protocols)) continue;
    streams.add(stream!);
    rows.push({ frame: Number(frame), src: src4 || src6!, dst: dst4 || dst6!, srcPort: Number(srcPort), dstPort: Number(dstPort), flags: Number(flags) & 0x1f, seq: Number(seq), payloadLength: Number(length), timeUs: epochToUs(epoch!) });
  }
  const frames = lines.length;
  return { frames, streams: streams.size, rows };
}

export async function ourView(file: string): Promise<View> {
  const stats = { compressed: false, frames: 0, bytes: 0 };
  const rows: Row[] = [];
  const streams = new Set<string>();
  for await (const item of readCapture(file, { stats })) {
    if (item.kind !== 'tcp') continue;
    const s = item.segment;
    const f = s.flags;
    rows.push({ frame: s.frame, src: s.src, dst: s.dst, srcPort: s.srcPort, dstPort: s.dstPort, flags: (f.fin ? 1 : 0) | (f.syn ? 2 : 0) | (f.rst ? 4 : 0) | (f.psh ? 8 : 0) | (f.ack ? 16 : 0), seq: s.seq, payloadLength: s.payloadLength, timeUs: s.timeUs });
    const ends = [`${s.src} ${s.srcPort}`, `${s.dst} ${s.dstPort}`].sort();
    streams.add(ends.join(' '));
  }
  return { frames: stats.frames, streams: streams.size, rows };
}
