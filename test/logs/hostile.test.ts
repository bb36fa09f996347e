/**
 * Hostile and odd inputs end with sessions or a clear LogFormatError, never a crash, with memory
 * bounded by the line cap (MAX_LINE_CHARS) rather than by the input: huge lines, a file with no
 * newline, binary garbage, a sparse 1 GB file, UTF-16 (PowerShell's `>`), terminal escapes.
 */
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LogFormatError } from '../../src/logs/errors.js';
import { LOG_READERS } from '../../src/logs/index.js';
import { LineSplitter, looksBinary, MAX_LINE_CHARS, readLogLines } from '../../src/logs/line-reader.js';
import { curlReader } from '../../src/logs/clients/curl.js';
import { ftpDebugReader } from '../../src/logs/clients/ftp-d.js';
import { events } from './helpers.js';

let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'ftp-doctor-logs-'));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

async function file(name: string, content: string | Buffer): Promise<string> {
  const path = join(directory, name);
  await writeFile(path, content);
  return path;
}

const CURL_HEAD = '*   Trying 127.0.0.1:21...\n* Connected to 127.0.0.1 (127.0.0.1) port 21 (#0)\n< 220 hi\n> USER bob\n< 331 pw\n';

describe('line splitting', () => {
  it('keeps MAX_LINE_CHARS of a longer line, marks it, and numbers the next line right', () => {
    const splitter = new LineSplitter(10);
    const lines = [...splitter.push('short\r\n'), ...splitter.push('x'.repeat(25)), ...splitter.push('yy\nlast'), ...splitter.end()];
    expect(lines).toEqual([
      { line: 1, text: 'short', truncated: false },
      { line: 2, text: 'xxxxxxxxxx', truncated: true },
      { line: 3, text: 'last', truncated: false },
    ]);
  });

  it('a line of binary bytes is binary; an ABOR after telnet IAC bytes is not', () => {
    expect(looksBinary(randomBytes(200).toString('utf8'))).toBe(true);
    expect(looksBinary('[D 2026-12-05 04:54:03] 127.0.0.1:44904-[alice] <- \ufffd\ufffd\ufffd\ufffdABOR')).toBe(false);
    expect(looksBinary('< 227 Entering Passive Mode (10,0,0,5,195,80).')).toBe(false);
  });
});

describe('hostile files', () => {
  it('a 20 MB line amid a curl log: cut to the cap, said in limits, the rest of the log read', async () => {
    const path = await file('huge-line.log', `${CURL_HEAD}< 230 ${'A'.repeat(20 * 1024 * 1024)}\n> PASV\n< 227 Entering Passive Mode (127,0,0,1,4,1)\n`);
    const reading = await curlReader.read(path, {});
    const [session] = reading.sessions;
    const long = events(session, 'reply').find((r) => r.code === 230);
    expect(long?.message.length).toBeLessThanOrEqual(MAX_LINE_CHARS);
    expect(events(session, 'command').map((c) => c.text)).toEqual(['USER bob', 'PASV']);
    expect(reading.limits.join(' ')).toMatch(/1 line\(s\) longer than 16384 characters were cut/);
  });

  it('a file of one 30 MB line without a newline yields one capped line', async () => {
    const path = await file('no-newline.log', 'B'.repeat(30 * 1024 * 1024));
    const lines = [];
    for await (const line of readLogLines(path)) lines.push(line);
    expect(lines).toHaveLength(1);
    expect(lines[0]?.text.length).toBe(MAX_LINE_CHARS);
    expect(lines[0]?.truncated).toBe(true);
  });

  it('binary garbage: no reader detects it, and reading it anyway says "not a log we know"', async () => {
    const garbage = randomBytes(256 * 1024);
    const path = await file('garbage.bin', garbage);
    for (const reader of LOG_READERS) expect([reader.format, reader.detect(garbage.subarray(0, 65536), path)]).toEqual([reader.format, 0]);
    await expect(curlReader.read(path, {})).rejects.toThrow(LogFormatError);
    await expect(curlReader.read(path, {})).rejects.toThrow(/not a log we know/);
  });

  it('a sparse 1 GB file over the byte limit stops with a clear error, not after reading it all', async () => {
    const path = join(directory, 'sparse-1g.log');
    const handle = await open(path, 'w');
    await handle.truncate(1024 * 1024 * 1024);
    await handle.close();
    await expect(curlReader.read(path, { maxBytes: 8 * 1024 * 1024 })).rejects.toThrow(/larger than the limit of 8388608 bytes/);
  });

  it('an empty file is not a log we know', async () => {
    const path = await file('empty.log', '');
    for (const reader of LOG_READERS) expect(reader.detect(Buffer.alloc(0), path)).toBe(0);
    await expect(curlReader.read(path, {})).rejects.toThrow(/not a log we know/);
  });

  it('UTF-16LE with a BOM (PowerShell `ftp -d > log.txt`) is decoded and detected', async () => {
    const text = '---> USER jan\r\n331 Password required\r\n---> PASV\r\n227 Entering Passive Mode (10,0,0,5,195,80).\r\n';
    const content = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    const path = await file('utf16.log', content);
    expect(ftpDebugReader.detect(content, path)).toBeGreaterThan(0);
    const reading = await ftpDebugReader.read(path, {});
    expect(events(reading.sessions[0], 'reply').map((r) => r.code)).toEqual([331, 227]);
  });

  it('terminal escapes and NULs in a line do not reach a command as control characters', async () => {
    const path = await file('escapes.log', `${CURL_HEAD}> PASV\n< 227 Entering Passive Mode (127,0,0,1,4,1)\x1b[2J\x1b]0;pwned\x07\n`);
    const reading = await curlReader.read(path, {});
    const pasv = events(reading.sessions[0], 'reply').find((r) => r.code === 227);
    // Stored as read: escaping for a terminal is the renderer's job; the reader neither crashes nor drops the reply.
    expect(pasv?.message.startsWith('Entering Passive Mode (127,0,0,1,4,1)')).toBe(true);
  });

  it('sessions past MAX_SESSIONS are left out and the limits say how many', async () => {
    const line = (i: number) => `[I 2026-12-05 04:53:55] 127.0.0.1:${1024 + (i % 60000)}-[] FTP session opened (connect)\n[I 2026-12-05 04:53:55] 127.0.0.1:${1024 + (i % 60000)}-[] FTP session closed (disconnect).\n`;
    const chunks: string[] = [];
    for (let i = 0; i < 6000; i += 1) chunks.push(line(i));
    const path = await file('many.log', chunks.join(''));
    const reader = LOG_READERS.find((r) => r.format === 'pyftpdlib')!;
    const reading = await reader.read(path, {});
    expect(reading.sessions.length).toBe(5000);
    expect(reading.limits.join(' ')).toMatch(/1000 session\(s\) after the first 5000 left out/);
  });
});
