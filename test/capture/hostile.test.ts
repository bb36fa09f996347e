/**
 * Hostile captures through the whole path (file → reader → analysis → SourceReading), generated
 * in the test: 100k connections, a control "line" of 10 MB, a control stream whose segments all
 * arrive out of order. The analysis must stay bounded (its tables and buffers have caps), say what
 * it cut short, and still find the FTP session — no crash.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCaptureFile } from '../../src/capture/reader.js';
import { pcapFile, type Record as PcapRecord } from './read/files.js';
import { ETHERTYPE, ethernet, ipv4, tcp, type TcpSpec } from './read/writer.js';

const CLIENT = '192.168.1.10';
const SERVER = '203.0.113.5';
const START_US = Date.UTC(2026, 11, 5, 12) * 1000;

let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(path.join(os.tmpdir(), 'ftp-doctor-hostile-capture-'));
});
afterAll(async () => {
  if (directory) await rm(directory, { recursive: true, force: true });
});

/** Packets of one TCP connection, sequence numbers kept per side. */
function packets(src: string, dst: string, srcPort: number, dstPort: number) {
  let clientSeq = 1000;
  let serverSeq = 9000;
  const frame = (from: 'client' | 'server', spec: Omit<TcpSpec, 'srcPort' | 'dstPort'>): Buffer => {
    const [a, b, pa, pb] = from === 'client' ? [src, dst, srcPort, dstPort] : [dst, src, dstPort, srcPort];
    return ethernet(ETHERTYPE.ipv4, ipv4(a, b, 6, tcp({ srcPort: pa, dstPort: pb, ...spec })));
  };
  return {
    handshake: (): Buffer[] => {
      const out = [frame('client', { seq: clientSeq, flags: 'S' }), frame('server', { seq: serverSeq, ack: clientSeq + 1, flags: 'SA' })];
      clientSeq += 1;
      serverSeq += 1;
      out.push(frame('client', { seq: clientSeq, ack: serverSeq, flags: 'A' }));
      return out;
    },
    send: (from: 'client' | 'server', text: string | Buffer): Buffer => {
      const payload = typeof text === 'string' ? Buffer.from(text) : text;
      const seq = from === 'client' ? clientSeq : serverSeq;
      const out = frame(from, { seq, ack: from === 'client' ? serverSeq : clientSeq, flags: 'PA', payload });
      if (from === 'client') clientSeq += payload.length;
      else serverSeq += payload.length;
      return out;
    },
  };
}

async function write(name: string, frames: Buffer[]): Promise<string> {
  const records: PcapRecord[] = frames.map((data, index) => ({ timeUs: START_US + index * 10, data }));
  const file = path.join(directory, name);
  await writeFile(file, pcapFile({ linkType: 1, records }));
  return file;
}

describe('hostile captures, end to end', () => {
  it('100k connections besides one FTP session: the session is found, the rest counted and forgotten', async () => {
    const frames: Buffer[] = [];
    const control = packets(CLIENT, SERVER, 40000, 21);
    frames.push(...control.handshake(), control.send('server', '220 hi\r\n'));
    for (let index = 0; index < 100_000; index += 1) {
      frames.push(ethernet(ETHERTYPE.ipv4, ipv4(CLIENT, `198.18.${(index >> 8) & 0xff}.${index & 0xff}`, 6, tcp({ srcPort: 1024 + (index % 60000), dstPort: 443, flags: 'S' }))));
    }
    frames.push(control.send('client', 'USER a\r\n'), control.send('server', '331 ok\r\n'));
    const reading = await readCaptureFile(await write('flood.pcap', frames), 'pcap');
    expect(reading.sessions).toHaveLength(1);
    const session = reading.sessions[0];
    expect(session?.events.filter((event) => event.kind === 'command' || event.kind === 'reply')).toHaveLength(3);
  });

  it('a 10 MB control line: skipped with one note, the next command read', async () => {
    const control = packets(CLIENT, SERVER, 40000, 21);
    const frames = [...control.handshake(), control.send('server', '220 hi\r\n'), control.send('client', 'USER ')];
    const chunk = Buffer.alloc(60_000, 0x41);
    for (let index = 0; index < 175; index += 1) frames.push(control.send('client', chunk));
    frames.push(control.send('client', '\r\nQUIT\r\n'), control.send('server', '221 bye\r\n'));
    const reading = await readCaptureFile(await write('long-line.pcap', frames), 'pcap');
    const events = reading.sessions[0]?.events ?? [];
    expect(events.flatMap((event) => (event.kind === 'command' ? [event.text] : []))).toEqual(['QUIT']);
    expect(events.filter((event) => event.kind === 'note').map((event) => (event.kind === 'note' ? event.text : ''))).toEqual(['1 client control line(s) longer than the reader keeps were skipped']);
  });

  it('a control stream sent backwards (every segment out of order): bounded, gaps said, no crash', async () => {
    const control = packets(CLIENT, SERVER, 40000, 21);
    const head = [...control.handshake(), control.send('server', '220 hi\r\n')];
    const lines = Array.from({ length: 5000 }, (_, index) => control.send('client', `NOOP ${index}\r\n`));
    const reading = await readCaptureFile(await write('backwards.pcap', [...head, ...lines.reverse()]), 'pcap');
    const events = reading.sessions[0]?.events ?? [];
    // All 5000 arrive eventually: the first segment (sent last) releases the waiting ones, up to the bound.
    const commands = events.filter((event) => event.kind === 'command').length;
    const notes = events.filter((event) => event.kind === 'note').length;
    expect(commands).toBeGreaterThan(0);
    expect(notes).toBeGreaterThan(0);
  });
});
