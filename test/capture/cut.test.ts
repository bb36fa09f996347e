/**
 * Captures cut short (tcpdump killed, a full disk, a file copied while being written): every
 * complete record is read and diagnosed, and the report says where the file was cut — in its
 * limits, in the text and the JSON — the way Wireshark reads such a file. The cut falls inside a
 * pcap record header, inside packet data, inside a pcapng block, inside a gzip stream; a file
 * whose own header is cut, or that stops before its first frame, is still refused (exit 2).
 */
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { CaptureFormatError } from '../../src/capture/read/index.js';
import { readCaptureFile } from '../../src/capture/reader.js';
import { runExplain } from '../../src/explain/run.js';
import { ftpDoctor } from '../setup/run-cli.js';
import { readAll, readError, removeTempCaptures, tempCapture } from './read/collect.js';
import { ftpSession, type Packet } from './read/conversation.js';
import { pcapFile, pcapngBlocks } from './read/files.js';
import { ETHERTYPE, ethernet } from './read/writer.js';
import { rejectedSession } from './rejected-session.js';

afterAll(removeTempCaptures);

const START = 1_764_900_000_000_000;
/** First a session whose data SYN a firewall rejects (a failure to diagnose), then a good one that the cut falls into. */
const rejected = rejectedSession({ client: '192.0.2.10', server: '198.51.100.7', reporter: '192.0.2.1', code: 13, passivePort: 40000, startUs: START });
const good = ftpSession({ client: '10.1.1.20', server: '203.0.113.5', clientPort: 51001, dataClientPort: 51002, passivePort: 40100, startUs: START + 10_000_000, bulkBytes: 30_000 }, 2);
const packets: Packet[] = [...rejected, ...good];
const frames = packets.map((packet) => ethernet(packet.version === 4 ? ETHERTYPE.ipv4 : ETHERTYPE.ipv6, packet.ip));
const pcap = pcapFile({ linkType: 1, records: packets.map((packet, index) => ({ timeUs: packet.timeUs, data: frames[index]! })) });

const ng = pcapngBlocks();
const ngHead = Buffer.concat([ng.section(), ng.interface(1)]);
const ngBlocks = packets.map((packet, index) => ng.enhanced(0, BigInt(packet.timeUs), frames[index]!));
const pcapng = Buffer.concat([ngHead, ...ngBlocks]);

/** Offset of record `index` (0-based) in the pcap / pcapng file. */
const pcapRecordAt = (index: number): number => 24 + frames.slice(0, index).reduce((sum, frame) => sum + 16 + frame.length, 0);
const ngBlockAt = (index: number): number => ngHead.length + ngBlocks.slice(0, index).reduce((sum, block) => sum + block.length, 0);

/** A record in the middle of the good session's data transfer. */
const MIDDLE = rejected.length + 30;

interface Cut {
  name: string;
  bytes: Buffer;
  gzip?: boolean;
  /** Complete frames before the cut. */
  frames: number;
  /** Where the incomplete record starts (decompressed offset for gzip). */
  offset: number;
  record?: { needed: number; present: number };
}

const cuts: Cut[] = [
  { name: 'inside a pcap record header', bytes: pcap.subarray(0, pcapRecordAt(MIDDLE) + 7), frames: MIDDLE, offset: pcapRecordAt(MIDDLE), record: { needed: 16, present: 7 } },
  {
    name: 'inside packet data',
    bytes: pcap.subarray(0, pcapRecordAt(MIDDLE) + 16 + 30),
    frames: MIDDLE,
    offset: pcapRecordAt(MIDDLE),
    record: { needed: 16 + frames[MIDDLE]!.length, present: 46 },
  },
  {
    name: 'inside a pcapng block',
    bytes: pcapng.subarray(0, ngBlockAt(MIDDLE) + 20),
    frames: MIDDLE,
    offset: ngBlockAt(MIDDLE),
    record: { needed: ngBlocks[MIDDLE]!.length, present: 20 },
  },
];
// A gzip stream cut in its middle inflates to some prefix of the capture: its size is read back, then checked against the records.
const gzipped = gzipSync(pcap);
const gzipCut = { name: 'inside a gzip stream', bytes: gzipped.subarray(0, Math.floor(gzipped.length * 0.6)), gzip: true };

describe('the reader reads a cut capture up to the cut', () => {
  it.each(cuts)('$name: every complete frame, then where the cut is', async (cut) => {
    const { items, stats } = await readAll(tempCapture(cut.bytes, 'cut'));
    expect(stats.cut).toEqual({ offset: cut.offset, frames: cut.frames, record: cut.record });
    expect(stats.frames).toBe(cut.frames);
    expect(Math.max(...items.map((item) => (item.kind === 'tcp' ? item.segment.frame : item.kind === 'unreachable' ? item.unreachable.frame : item.frame)))).toBe(cut.frames);
  });

  it('a gzip stream cut short: what inflated is read, and the cut says how much came out', async () => {
    const { stats } = await readAll(tempCapture(gzipCut.bytes, 'cut.gz'));
    const inflated = stats.cut?.gzip?.bytes ?? 0;
    // Whole records inside what inflated, counted from the uncompressed file.
    let whole = 0;
    while (whole < frames.length && pcapRecordAt(whole + 1) <= inflated) whole += 1;
    expect(inflated).toBeGreaterThan(pcapRecordAt(rejected.length));
    expect(inflated).toBeLessThan(pcap.length);
    expect(stats.frames).toBe(whole);
    expect(stats.cut).toMatchObject({ frames: whole, offset: pcapRecordAt(whole), gzip: { bytes: inflated } });
    expect(stats.compressed).toBe(true);
  });

  it('a whole file, plain and gzip\'d, is not cut', async () => {
    expect((await readAll(tempCapture(pcap, 'whole'))).stats.cut).toBeUndefined();
    expect((await readAll(tempCapture(pcap, 'whole.gz', true))).stats.cut).toBeUndefined();
  });

  it('the cut is found with small read chunks too (the record spans reads)', async () => {
    const { stats } = await readAll(tempCapture(cuts[1]!.bytes, 'cut-chunks'), { chunkBytes: 64 });
    expect(stats.cut).toEqual({ offset: cuts[1]!.offset, frames: MIDDLE, record: cuts[1]!.record });
  });

  it.each([
    ['a pcap file header cut', pcap.subarray(0, 20), 0, "the file ends inside the capture's header: 24 bytes needed, 20 left (truncated capture)"],
    ['a pcapng section header cut', pcapng.subarray(0, 20), 0, `the file ends inside the capture's header: ${ng.section().length} bytes needed, 20 left (truncated capture)`],
    ['a pcap cut inside its first record', pcap.subarray(0, 24 + 10), 24, 'the file ends before its first complete frame: 16 bytes needed, 10 left (truncated capture)'],
    ['a pcapng cut inside its interface block', pcapng.subarray(0, ng.section().length + 14), ng.section().length, `the file ends before its first complete frame: ${ng.interface(1).length} bytes needed, 14 left (truncated capture)`],
  ])('%s: still refused, with the place', async (_name, bytes, offset, reason) => {
    const error = await readError(tempCapture(bytes, 'header-cut'));
    expect(error).toBeInstanceOf(CaptureFormatError);
    expect(error).toMatchObject({ offset, reason });
  });

  it('a gzip stream cut before any capture data came out is refused', async () => {
    const error = await readError(tempCapture(gzipped.subarray(0, 12), 'gzip-head'));
    expect(error).toBeInstanceOf(CaptureFormatError);
    expect(error).toMatchObject({ offset: 0, reason: expect.stringMatching(/^gzip: only \d bytes? of capture data inflate from it, too few for a capture's header \(the gzip stream ends early/) });
  });
});

describe('explain on a cut capture', () => {
  it('a session that closed before the cut gets no note; one still open at it does, and its transfer under way is not judged', async () => {
    const reading = await readCaptureFile(tempCapture(cuts[1]!.bytes, 'notes'), 'pcap');
    const cutNotes = reading.sessions.map((session) => session.events.filter((event) => event.kind === 'note' && event.meaning === 'source-cut').length);
    expect(cutNotes).toEqual([0, 1]);
    const whole = await readCaptureFile(tempCapture(pcap, 'notes-whole'), 'pcap');
    expect(whole.sessions.flatMap((session) => session.events).filter((event) => event.kind === 'note' && event.meaning === 'source-cut')).toEqual([]);
  });

  it.each([...cuts.map((cut) => ({ ...cut, gzip: false })), { ...gzipCut, frames: undefined, offset: undefined }])('$name: the complete part is diagnosed and the limits say where the file was cut', async (cut) => {
    const report = await runExplain([tempCapture(cut.bytes, cut.gzip ? 'explain.gz' : 'explain')]);
    const [first] = report.sessions;
    expect(report.sessions).toHaveLength(2);
    expect(first?.verdict).toBe('fail');
    expect(first?.report.findings.map((finding) => finding.code)).toContain('DATA_CHANNEL_REFUSED');
    // The good session was cut in the middle of its transfer: not called failed, and its transcript says it was cut.
    const second = report.sessions[1];
    expect(second?.verdict).toBe('pass');
    expect(second?.report.findings.map((finding) => finding.code)).not.toContain('DATA_TRANSFER_FAILED');
    expect(second?.report.transcript.map((line) => line.text).join('\n')).toMatch(/the capture file was cut short after frame \d+, with this session still open/);
    const note = report.inputs[0]?.limits[0] ?? '';
    expect(note).toMatch(/^The file was cut short: /);
    if (cut.frames !== undefined) expect(note).toContain(`at byte ${cut.offset.toLocaleString('en-US')}, after frame ${cut.frames}`);
    if (cut.gzip) expect(note).toContain('its gzip stream ends early');
  });
});

describe('the CLI on a cut capture', () => {
  it('exits with the diagnosis (1), not 2, and both the text and the JSON say where the file was cut', async () => {
    const file = tempCapture(cuts[1]!.bytes, 'cli');
    const text = await ftpDoctor(['explain', file]);
    expect(text.stderr).not.toContain('truncated capture');
    expect(text.code).toBe(1);
    const flat = text.stdout.replace(/\s+/g, ' ');
    expect(flat).toContain(`The file was cut short: it ends inside a record at byte ${cuts[1]!.offset.toLocaleString('en-US')}, after frame ${MIDDLE}`);
    expect(flat).toContain('DATA_CHANNEL_REFUSED');
    const json = await ftpDoctor(['explain', '--json', file]);
    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout) as { inputs: { limits: string[] }[] };
    expect(report.inputs[0]?.limits[0]).toContain(`after frame ${MIDDLE}`);
  }, 120_000);

  it('a capture whose header is cut still exits 2 with the file and the place', async () => {
    const file = tempCapture(pcap.subarray(0, 20), 'cli-header');
    const result = await ftpDoctor(['explain', file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${file}: byte 0: the file ends inside the capture's header`);
  }, 120_000);
});
