/**
 * A data SYN nothing answered, read from a capture: the client's wait is measured to the moment it
 * gave up (control closed, its next command), not to the end of the file; and a capture that ends
 * right after the SYN — before it could be answered or sent again, the client not seen giving up —
 * is no drop: its outcome is not in the capture (a limit and a note, no failure, exit 0).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { readUnanswered, unansweredSynGraceMs } from '../../src/capture/data-wait.js';
import { readCaptureFile } from '../../src/capture/reader.js';
import type { ObservedDataConnection, ObservedSession } from '../../src/evidence/observed.js';
import { runExplain } from '../../src/explain/run.js';
import { FIRST_SYN_RETRANSMISSION_MS } from '../../src/client/early-verdict.js';
import { ftpDoctor } from '../setup/run-cli.js';
import { removeTempCaptures, tempCapture } from './read/collect.js';
import { droppedSession, pcapOf, type DroppedSessionSpec } from './dropped-session.js';
import { tsharkFrames, tsharkSkipReason } from './tcpdump.js';

afterAll(removeTempCaptures);

const START = 1_764_950_000_000_000;
const PORT = 50208;
const dataOf = (session: ObservedSession | undefined): ObservedDataConnection[] => (session?.events ?? []).filter((event): event is ObservedDataConnection => event.kind === 'data');
const notesOf = (session: ObservedSession | undefined): string[] => (session?.events ?? []).flatMap((event) => (event.kind === 'note' ? [event.text] : []));

/** The session's pcap, cut (like `editcap -r … 1-N`) to the packets up to `untilUs` after the first SYN. */
function capture(spec: Omit<DroppedSessionSpec, 'startUs' | 'passivePort'>, name: string, untilUs?: number): string {
  const { packets, firstSynUs } = droppedSession({ startUs: START, passivePort: PORT, ...spec });
  const kept = untilUs === undefined ? packets : packets.filter((packet) => packet.timeUs <= firstSynUs + untilUs);
  return tempCapture(pcapOf(kept), name);
}

describe('readUnanswered (pure)', () => {
  it.each([
    ['4 SYNs, control closed at 4.0 s', { firstSynMs: 0, lastSynMs: 3060, syns: 4, gaveUp: { atMs: 4000, what: 'the client closed the control connection' }, endMs: 12_400 }, 'dropped', 4000, '4 SYNs over 3.06 s, no answer; the client gave up at 4.00 s (the client closed the control connection)'],
    ['SYNs still going when the client gave up', { firstSynMs: 0, lastSynMs: 3000, syns: 4, gaveUp: { atMs: 2500, what: 'next command: ABOR' }, endMs: 9000 }, 'dropped', 3000, 'the client gave up at 3.00 s'],
    ['1 SYN, the capture ends 40 ms later', { firstSynMs: 0, lastSynMs: 0, syns: 1, endMs: 40, rttMs: 0.1 }, 'not-in-capture', 40, 'the capture ends 40 ms after this SYN: its outcome is not in the capture'],
    ['1 SYN, the capture ends 0 ms later', { firstSynMs: 0, lastSynMs: 0, syns: 1, endMs: 0 }, 'not-in-capture', 0, 'the capture ends 0 ms after this SYN'],
    ['2 SYNs and the capture ends: the kernel resent it, a drop', { firstSynMs: 0, lastSynMs: 1000, syns: 2, endMs: 1100 }, 'dropped', 1000, '2 SYNs over 1.00 s, no answer; the client was still trying at 1.00 s'],
    ['1 SYN, the client quit 40 ms later: it gave up, a drop', { firstSynMs: 0, lastSynMs: 0, syns: 1, gaveUp: { atMs: 40, what: 'next command: QUIT' }, endMs: 60 }, 'dropped', 40, '1 SYN, no answer; the client gave up at 0.04 s (next command: QUIT)'],
    ['1 SYN and silence well past a retransmission', { firstSynMs: 0, lastSynMs: 0, syns: 1, endMs: 5000, rttMs: 1 }, 'dropped', 5000, 'none sent again in the 5.00 s'],
  ] as const)('%s', (_name, input, kind, ms, words) => {
    const reading = readUnanswered(input);
    expect(reading.kind).toBe(kind);
    expect(reading.kind === 'dropped' ? reading.waitedMs : reading.sinceSynMs).toBe(ms);
    expect(reading.words).toContain(words);
  });

  it('the grace period is the probe\'s: one SYN retransmission plus round trips and a margin', () => {
    expect(unansweredSynGraceMs(0)).toBeGreaterThan(FIRST_SYN_RETRANSMISSION_MS);
    expect(unansweredSynGraceMs(50)).toBeGreaterThan(unansweredSynGraceMs(0));
  });
});

describe('a dropped data connection in a capture: the wait the client saw', () => {
  it('4 SYNs, the client closes control at 4 s, the capture runs on to 12.4 s: waited 4 s, and the note says what bounds it', async () => {
    const reading = await readCaptureFile(capture({ syns: 4, gaveUp: { afterUs: 4_000_000, how: 'close' }, trailingUs: 12_400_000 }, 'close'), 'pcap');
    const [data] = dataOf(reading.sessions[0]);
    expect(data?.outcome).toBe('no-answer');
    expect(data?.waitedMs).toBe(4000);
    expect(notesOf(reading.sessions[0])).toContain('data connection: 4 SYNs over 3.00 s, no answer; the client gave up at 4.00 s (the client closed the control connection)');
  });

  it('the next command on control bounds the wait too; explain says 4000 ms in the finding', async () => {
    const report = await runExplain([capture({ syns: 4, gaveUp: { afterUs: 4_000_000, how: 'command' }, trailingUs: 12_400_000 }, 'command')]);
    const session = report.sessions[0];
    expect(session?.verdict).toBe('fail');
    const finding = session?.report.findings.find((item) => item.code === 'DATA_CHANNEL_BLOCKED');
    expect(finding?.explanation).toContain('timed out after 4000 ms');
    expect(finding?.evidence.join('\n')).toContain(`connect ${'198.51.100.9'}:${PORT}: timeout after 4000 ms`);
    expect(session?.report.transcript.map((line) => line.text).join('\n')).toContain('the client gave up at 4.00 s (next command: PASV)');
  });

  it('FTPS (implicit, nothing readable on control): the wait ends when the control connection closes', async () => {
    const reading = await readCaptureFile(capture({ syns: 3, implicitTls: true, gaveUp: { afterUs: 3_000_000, how: 'close' }, trailingUs: 11_000_000 }, 'ftps'), 'pcap');
    const [data] = dataOf(reading.sessions[0]);
    expect(data?.outcome).toBe('no-answer');
    expect(data?.waitedMs).toBe(3000);
    expect(notesOf(reading.sessions[0]).join('\n')).toContain('3 SYNs over 2.00 s, no answer; the client gave up at 3.00 s (the client closed the control connection)');
  });

  it('the capture ends after 2 SYNs, the client not seen giving up: still a drop, measured to its last SYN', async () => {
    const report = await runExplain([capture({ syns: 4 }, 'two-syns', 1_100_000)]);
    const finding = report.sessions[0]?.report.findings.find((item) => item.code === 'DATA_CHANNEL_BLOCKED');
    expect(finding?.explanation).toContain('timed out after 1000 ms');
  });

  it('tshark counts the same SYNs the note says', async (context) => {
    if (tsharkSkipReason) return context.skip(tsharkSkipReason);
    const file = capture({ syns: 4, gaveUp: { afterUs: 4_000_000, how: 'close' }, trailingUs: 12_400_000 }, 'tshark');
    const syns = tsharkFrames(file, `tcp.dstport==${PORT} && tcp.flags.syn==1 && tcp.flags.ack==0`);
    const reading = await readCaptureFile(file, 'pcap');
    expect(notesOf(reading.sessions[0]).join('\n')).toContain(`${syns.length} SYNs over`);
    expect(dataOf(reading.sessions[0])[0]?.at).toMatchObject({ frame: syns[0] });
  });
});

describe('a capture that ends right after a data SYN', () => {
  it('40 ms after the SYN, no retransmission, control still open: not judged, a limit and a note say so', async () => {
    const report = await runExplain([capture({ syns: 4, gaveUp: { afterUs: 4_000_000, how: 'close' } }, 'ends-40', 40_000)]);
    const session = report.sessions[0];
    expect(session?.verdict).not.toBe('fail');
    expect(session?.report.findings.map((item) => item.code)).not.toContain('DATA_CHANNEL_BLOCKED');
    expect(session?.report.transcript.map((line) => line.text).join('\n')).toContain(`data connection to 198.51.100.9:${PORT}: the capture ends 40 ms after this SYN: its outcome is not in the capture`);
    expect(report.inputs[0]?.limits.join('\n')).toMatch(/The capture ends too soon after a data connection was opened/);
  });

  it('the CLI: exit 0, no DATA_CHANNEL_BLOCKED, the text says the outcome is not in the capture', async () => {
    const file = capture({ syns: 4 }, 'cli-ends', 0);
    const result = await ftpDoctor(['explain', file]);
    const flat = result.stdout.replace(/\s+/g, ' ');
    expect(flat).not.toContain('DATA_CHANNEL_BLOCKED');
    expect(flat).toContain('the capture ends 0 ms after this SYN: its outcome is not in the capture');
    expect(result.code).toBe(0);
  });

  it('the CLI on a full capture: DATA_CHANNEL_BLOCKED after 4000 ms, not to the end of the file', async () => {
    const result = await ftpDoctor(['explain', capture({ syns: 4, gaveUp: { afterUs: 4_000_000, how: 'close' }, trailingUs: 12_400_000 }, 'cli-full')]);
    const flat = result.stdout.replace(/\s+/g, ' ');
    expect(result.code).toBe(1);
    expect(flat).toContain('DATA_CHANNEL_BLOCKED');
    expect(flat).toContain('timed out after 4000 ms');
    expect(flat).not.toContain('12400 ms');
  });
});
