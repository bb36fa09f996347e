/**
 * What runExplain makes of the inputs as given, from a newcomer trial:
 * - the same file given twice (`a.log a.log`, `./a.log`, a symbolic link) is read once, and said;
 * - a capture whose link type ftp-doctor does not decode says so (naming the number), not merely
 *   "no FTP control session found" (exit 2: a DataFileError);
 * - `startedAt` is when explain ran; `evidenceSpan` is when the evidence happened.
 */
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PCAP_READER } from '../../src/capture/reader.js';
import { DataFileError } from '../../src/config/data-file-error.js';
import type { ObservedEvent, ObservedSession } from '../../src/evidence/observed.js';
import type { EvidenceReader, SourceReading } from '../../src/evidence/source.js';
import { runExplain } from '../../src/explain/run.js';
import { renderJson } from '../../src/report/json.js';
import { Capture, CLIENT, SERVER, login, pasvReply } from '../capture/conversation.js';
import { pcapFile } from '../capture/read/files.js';
import { captureReader } from './capture-reader.js';

/** "TRANSCRIPT" then one command per line; `@HH:MM:SS` at a line's end gives it a time. One session per file. */
const SCRIPT_READER: EvidenceReader = {
  format: 'test-script',
  description: 'a transcript script for tests',
  detect: (head) => (head.subarray(0, 10).toString() === 'TRANSCRIPT' ? 1 : 0),
  read: async (file): Promise<SourceReading> => {
    const { readFile } = await import('node:fs/promises');
    const lines = (await readFile(file, 'utf8')).split('\n').slice(1);
    const events: ObservedEvent[] = lines.flatMap((line, index): ObservedEvent[] => {
      const [text = '', time] = line.split(' @');
      const at = { source: 'log' as const, file: path.basename(file), line: index + 2, ...(time ? { time } : {}) };
      if (text.startsWith('> ')) return [{ kind: 'command', at, text: text.slice(2) }];
      if (text.startsWith('< ')) return [{ kind: 'reply', at, code: Number(text.slice(2, 5)), message: text.slice(6) }];
      return [];
    });
    const sessions: ObservedSession[] = events.length > 0 ? [{ id: `${path.basename(file)}#1`, server: { host: '203.0.113.5', port: 21 }, events }] : [];
    return {
      file,
      format: 'test-script',
      source: { kind: 'log', label: 'test log', vantage: 'client', controlledExperiment: false, referenceServerProof: false, packets: false, timings: false, actedItself: false },
      sessions,
      limits: [],
    };
  },
};

let dir = '';
const file = async (name: string, content: string | Buffer): Promise<string> => {
  const full = path.join(dir, name);
  await writeFile(full, content);
  return full;
};
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'explain-inputs-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const SESSION = ['TRANSCRIPT', '< 220 hi', '> USER bob', '< 331 pw', '> PASS ****', '< 230 ok', '> QUIT', '< 221 bye'].join('\n');

describe('explain: the same file given more than once', () => {
  it('a.log a.log: read once, its session counted once, and the summary says so', async () => {
    const input = await file('a.log', SESSION);
    const report = await runExplain([input, input], { readers: [SCRIPT_READER] });
    expect(report.sessions).toHaveLength(1);
    expect(report.inputs).toHaveLength(1);
    expect(report.summary).toContain(`${input} was given twice: it was read once, its sessions counted once.`);
  });

  it('the same file by another name (a relative path with ./, a symbolic link) is the same file', async () => {
    const input = await file('b.log', SESSION);
    const link = path.join(dir, 'link.log');
    await symlink(input, link);
    const relative = `.${path.sep}${path.relative(process.cwd(), input)}`;
    const report = await runExplain([input, relative, link], { readers: [SCRIPT_READER] });
    expect(report.sessions).toHaveLength(1);
    expect(report.summary.join('\n')).toContain(`${input} was given 3 times (as ${input}, ${relative} and ${link}): it was read once`);
  });

  it('two different files with the same content are two inputs', async () => {
    const first = await file('c1.log', SESSION);
    const second = await file('c2.log', SESSION);
    const report = await runExplain([first, second], { readers: [SCRIPT_READER] });
    expect(report.sessions).toHaveLength(2);
    expect(report.summary.join('\n')).not.toMatch(/was given/);
  });
});

describe('explain: a capture of a link type ftp-doctor does not decode', () => {
  it('names the link type (999) as the reason nothing was found, and is a data-file error (exit 2)', async () => {
    const frame = Buffer.alloc(60, 0x45);
    const input = await file('lt999.pcap', pcapFile({ linkType: 999, records: [{ timeUs: 1e12, data: frame }, { timeUs: 1e12 + 1000, data: frame }] }));
    const failure = await runExplain([input], { readers: [PCAP_READER] }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(DataFileError);
    const message = (failure as Error).message;
    expect(message).toMatch(/2 of 2 frame\(s\) could not be decoded and were skipped \(2× link type 999 is not supported\); no FTP control session found/);
    expect(message.indexOf('link type 999')).toBeLessThan(message.indexOf('no FTP control session'));
  });
});

describe('explain: when the evidence happened', () => {
  it('evidenceSpan holds the first and last timestamps of the inputs, in the JSON; startedAt stays when explain ran', async () => {
    const capture = new Capture();
    const control = capture.conversation({ host: CLIENT, port: 40000 }, { host: SERVER, port: 21 }).handshake();
    login(control);
    control.data('client', 'PASV\r\n');
    control.data('server', pasvReply(SERVER, 50000));
    capture.wait(90_000);
    control.data('client', 'QUIT\r\n');
    control.close();
    const input = await file('span.pcap', 'stand-in');
    const before = Date.now();
    const report = await runExplain([input], { readers: [captureReader(capture)] });
    expect(report.evidenceSpan?.from).toMatch(/^2026-12-05T12:00:00\.\d{3}Z$/);
    expect(report.evidenceSpan?.to).toMatch(/^2026-12-05T12:01:30\.\d{3}Z$/);
    expect(Date.parse(report.startedAt)).toBeGreaterThanOrEqual(before - 1000);
    expect(JSON.parse(renderJson(report)).evidenceSpan).toEqual(report.evidenceSpan);
  });

  it('logs: the earliest and latest across files, as the logs wrote them; no span when no input has clocks', async () => {
    const early = await file('early.log', ['TRANSCRIPT', '< 220 hi @2026-12-05T07:52:36', '> QUIT @2026-12-05T07:52:40'].join('\n'));
    const late = await file('late.log', ['TRANSCRIPT', '< 220 hi @2026-12-05T09:00:01', '> QUIT @2026-12-05T09:00:02.500'].join('\n'));
    const report = await runExplain([late, early], { readers: [SCRIPT_READER] });
    expect(report.evidenceSpan).toEqual({ from: '2026-12-05T07:52:36', to: '2026-12-05T09:00:02.500' });
    const timeless = await runExplain([await file('timeless.log', SESSION)], { readers: [SCRIPT_READER] });
    expect(timeless.evidenceSpan).toBeUndefined();
    expect(renderJson(timeless)).not.toContain('evidenceSpan');
  });
});
