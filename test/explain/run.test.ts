/**
 * runExplain with a stand-in reader (the real capture and log readers have tests of their own):
 * detection, one probe report per session, the summary across sessions, renderers, and the errors
 * a user gets for files that cannot be read.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataFileError } from '../../src/config/data-file-error.js';
import type { ObservedEvent, ObservedSession } from '../../src/evidence/observed.js';
import type { EvidenceReader, SourceReading } from '../../src/evidence/source.js';
import { runExplain } from '../../src/explain/run.js';
import { renderTable } from '../../src/report/table.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { renderHtml } from '../../src/report/html.js';
import { renderJUnit } from '../../src/report/junit.js';

/** A file of "TRANSCRIPT" then lines '> CMD', '< 227 …', 'data HOST:PORT OUTCOME', '---' between sessions. */
function parseScript(file: string, text: string): ObservedSession[] {
  const sessions: ObservedSession[] = [];
  let events: ObservedEvent[] = [];
  const flush = (): void => {
    if (events.length > 0) sessions.push({ id: `${path.basename(file)}#${sessions.length + 1}`, server: { host: '203.0.113.5', port: 21 }, events });
    events = [];
  };
  text.split('\n').forEach((line, index) => {
    const at = { source: 'log' as const, file: path.basename(file), line: index + 1 };
    if (line === '---') flush();
    else if (line.startsWith('> ')) events.push({ kind: 'command', at, text: line.slice(2) });
    else if (line.startsWith('< ')) events.push({ kind: 'reply', at, code: Number(line.slice(2, 5)), message: line.slice(6) });
    else if (line.startsWith('data ')) {
      const [, target = '', outcome = 'connected'] = line.split(' ');
      const colon = target.lastIndexOf(':');
      events.push({ kind: 'data', at, to: { host: target.slice(0, colon), port: Number(target.slice(colon + 1)) }, outcome: outcome as 'connected' });
    }
  });
  flush();
  return sessions;
}

const SCRIPT_READER: EvidenceReader = {
  format: 'test-script',
  description: 'a transcript script for tests',
  detect: (head) => (head.subarray(0, 10).toString() === 'TRANSCRIPT' ? 1 : 0),
  read: async (file): Promise<SourceReading> => {
    const { readFile } = await import('node:fs/promises');
    const text = await readFile(file, 'utf8');
    if (text.includes('BROKEN')) throw new Error(`${file}: line 2: cannot parse this`);
    return {
      file,
      format: 'test-script',
      source: { kind: 'log', label: `test log ${path.basename(file)}`, vantage: 'client', controlledExperiment: false, referenceServerProof: false, packets: false, timings: false, actedItself: false },
      sessions: parseScript(file, text),
      limits: ['a client log cannot tell a dropped SYN from one a firewall between never let through'],
    };
  },
};

const LOGIN = ['< 220 hi', '> USER bob', '< 331 pw', '> PASS ****', '< 230 ok'];
const GOOD = [...LOGIN, '> PASV', '< 227 Entering Passive Mode (203,0,113,5,195,80)', 'data 203.0.113.5:50000 connected', '> LIST', '< 150 here', '< 226 done'];
const BLOCKED = [...LOGIN, '> PASV', '< 227 Entering Passive Mode (203,0,113,5,199,104)', 'data 203.0.113.5:51048 no-answer', '> LIST'];

let dir = '';
const file = async (name: string, text: string): Promise<string> => {
  const full = path.join(dir, name);
  await writeFile(full, text);
  return full;
};
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'explain-run-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('runExplain', () => {
  it('diagnoses each session with the probe rules and sums up across them', async () => {
    const input = await file('two.log', ['TRANSCRIPT', ...GOOD, '---', ...GOOD, '---', ...BLOCKED].join('\n'));
    const report = await runExplain([input], { readers: [SCRIPT_READER] });
    expect(report.kind).toBe('explain');
    expect(report.verdict).toBe('fail');
    expect(report.sessions.map((session) => session.verdict)).toEqual(['pass', 'pass', 'fail']);
    expect(report.sessions[2]?.report.findings.map((finding) => finding.code)).toContain('DATA_CHANNEL_BLOCKED');
    expect(report.sessions[2]?.report.kind).toBe('probe');
    expect(report.summary).toContain('3 FTP sessions, 1 with a failed data connection.');
    expect(report.summary.join('\n')).toMatch(/2 of 3 passive data connections to 50000 and 51048 completed; the one to 51048 got no answer/);
    expect(report.inputs).toEqual([{ file: input, format: 'test-script', kind: 'log', vantage: 'client', sessions: 3, limits: [expect.stringMatching(/client log/)] }]);
    // Proof lines name the log line they came from; explanations say "the client", never "the probe".
    const blocked = report.sessions[2]?.report.findings[0];
    expect(blocked?.evidence.join('\n')).toMatch(/> PASV {3}\[two\.log line \d+\]/);
    expect(blocked?.explanation).not.toMatch(/\bthe probe\b/i);
    for (const render of [(r: typeof report) => renderTable(r, { color: false, width: 100 }), renderMarkdown, renderHtml, renderJUnit]) {
      expect(render(report)).toContain('DATA_CHANNEL_BLOCKED');
    }
  });

  it('--session picks one session; past the last is a clear error', async () => {
    const input = await file('pick.log', ['TRANSCRIPT', ...GOOD, '---', ...BLOCKED].join('\n'));
    const report = await runExplain([input], { readers: [SCRIPT_READER], session: 2 });
    expect(report.sessions.map((session) => session.id)).toEqual(['pick.log#2']);
    await expect(runExplain([input], { readers: [SCRIPT_READER], session: 3 })).rejects.toThrow(/--session 3: only 2 FTP sessions were found/);
  });

  it('names the file for unknown, empty, missing and broken inputs, and for inputs with no FTP', async () => {
    const unknown = await file('random.bin', 'hello world, not ftp');
    await expect(runExplain([unknown], { readers: [SCRIPT_READER] })).rejects.toThrow(new RegExp(`${unknown}: is not a packet capture or a log format ftp-doctor knows`));
    const empty = await file('empty.log', '');
    await expect(runExplain([empty], { readers: [SCRIPT_READER] })).rejects.toThrow(/empty\.log: is empty/);
    await expect(runExplain([path.join(dir, 'missing.log')], { readers: [SCRIPT_READER] })).rejects.toThrow(/missing\.log: cannot be read \(ENOENT\)/);
    const broken = await file('broken.log', 'TRANSCRIPT\nBROKEN');
    await expect(runExplain([broken], { readers: [SCRIPT_READER] })).rejects.toThrow(new RegExp(`^${broken}: line 2: cannot parse this$`));
    const nothing = await file('nothing.log', 'TRANSCRIPT\nhello');
    await expect(runExplain([nothing], { readers: [SCRIPT_READER] })).rejects.toBeInstanceOf(DataFileError);
    await expect(runExplain([nothing], { readers: [SCRIPT_READER], format: 'nope' })).rejects.toThrow(/--format nope is not a format/);
  });
});
