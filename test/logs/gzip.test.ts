/**
 * gzip'd logs (what logrotate leaves: vsftpd.log.2.gz, messages.3.gz): told by their magic bytes,
 * detected by what they inflate to, read as the plain log would be with the same line numbers;
 * concatenated members are one stream; a truncated or damaged stream is read to its last whole line
 * and says where it stopped; a gzip bomb stops at the limit, having held no more than a piece of
 * it. Fixtures are the committed logs, compressed here.
 */
import { open, readFile } from 'node:fs/promises';
import path from 'node:path';
import { constants as zlibConstants, gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { chooseReader } from '../../src/explain/detect.js';
import { READERS } from '../../src/explain/readers.js';
import { DecompressedTooLarge, gunzipFile, inflateHead } from '../../src/io/gzip.js';
import { LogFormatError } from '../../src/logs/errors.js';
import { readLogLines, type LogLine, type LogReadStats } from '../../src/logs/line-reader.js';
import { fixture, readLog, scratchDirectory } from './helpers.js';

const { write } = scratchDirectory('fd-gzip-logs-');

async function lines(file: string, stats?: LogReadStats, maxBytes?: number): Promise<LogLine[]> {
  const out: LogLine[] = [];
  for await (const line of readLogLines(file, { ...(stats ? { stats } : {}), ...(maxBytes !== undefined ? { maxBytes } : {}) })) out.push(line);
  return out;
}

/** The first bytes of a file, as explain's detection sees them. */
async function head(file: string): Promise<Buffer> {
  return (await readFile(file)).subarray(0, 64 * 1024);
}

describe('gzip\'d logs: detection by content', () => {
  it.each([
    ['vsftpd-protocol.log', 'vsftpd.log.2.gz', 'vsftpd'],
    ['vsftpd-xferlog', 'xferlog.2.gz', 'xferlog'],
    ['proftpd-syslog.log', 'proftpd.log-20261201.gz', 'proftpd'],
    ['ufw-kern.log', 'syslog.2.gz', 'firewall'],
    ['pure-ftpd-syslog.log', 'messages.3.gz', 'pure-ftpd'],
    ['curl-epsv-timeout.log', 'curl.log.gz', 'curl'],
  ])('%s gzip\'d as %s is detected as %s, as the plain file is', async (name, gzName, format) => {
    const plain = fixture(name);
    const compressed = await write(gzName, gzipSync(await readFile(plain)));
    expect(chooseReader(READERS, plain, await head(plain)).format).toBe(format);
    expect(chooseReader(READERS, compressed, await head(compressed)).format).toBe(format);
  });

  it('the name does not decide: a gzip\'d log named .log and a plain log named .gz are both read by content', async () => {
    const text = await readFile(fixture('vsftpd-protocol.log'));
    const disguised = await write('vsftpd-today.log', gzipSync(text));
    const plainNamedGz = await write('vsftpd-plain.log.gz', text);
    expect(chooseReader(READERS, disguised, await head(disguised)).format).toBe('vsftpd');
    expect(chooseReader(READERS, plainNamedGz, await head(plainNamedGz)).format).toBe('vsftpd');
    expect((await readLog(disguised)).sessions).toHaveLength((await readLog(fixture('vsftpd-protocol.log'))).sessions.length);
  });

  it('a head that inflates to far more than the detection looks at is still inflated (its beginning, bounded)', () => {
    const text = Buffer.from('Sat Dec  5 04:59:56 2026 [pid 1] CONNECT: Client "127.0.0.1"\n'.repeat(200_000));
    const compressed = gzipSync(text);
    const inflated = inflateHead(compressed.subarray(0, 64 * 1024), 64 * 1024);
    expect(inflated).toBeDefined();
    expect(inflated!.length).toBeGreaterThan(1024);
    expect(inflated!.length).toBeLessThanOrEqual(64 * 1024);
    expect(text.subarray(0, inflated!.length).equals(inflated!)).toBe(true);
  });
});

/** Every chunk gunzipFile hands out, joined, and what it threw at the end. */
async function gunzipAll(file: string, options: { maxBytes?: number; readBytes?: number } = {}): Promise<{ data: Buffer; error?: unknown }> {
  const handle = await open(file, 'r');
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of gunzipFile(handle, options)) chunks.push(Buffer.from(chunk));
    return { data: Buffer.concat(chunks) };
  } catch (error) {
    return { data: Buffer.concat(chunks), error };
  } finally {
    await handle.close();
  }
}

describe('src/io/gzip: gunzipFile', () => {
  const text = Buffer.from(Array.from({ length: 60_000 }, (_, index) => `line ${index} of a log that compresses ${index * 7}`).join('\n'));

  it('a whole stream: every byte, through pieces and reads of any size', async () => {
    const file = await write('whole.gz', gzipSync(text));
    for (const readBytes of [1000, 64 * 1024, 1024 * 1024]) expect((await gunzipAll(file, { readBytes })).data.equals(text)).toBe(true);
  });

  it.each([0.3, 0.5, 0.999])('a stream cut at %d of its length: every byte zlib can inflate is handed out before the error', async (fraction) => {
    const compressed = gzipSync(text);
    const cut = compressed.subarray(0, Math.floor(compressed.length * fraction));
    const file = await write(`cut-${fraction}.gz`, cut);
    const { data, error } = await gunzipAll(file);
    expect((error as NodeJS.ErrnoException).code).toBe('Z_BUF_ERROR');
    expect(data.equals(gunzipSync(cut, { finishFlush: zlibConstants.Z_SYNC_FLUSH }))).toBe(true);
  });

  it('a hundred concatenated members are one stream', async () => {
    const members = Array.from({ length: 100 }, (_, index) => text.subarray(index * 1000, (index + 1) * 1000));
    const file = await write('members.gz', Buffer.concat(members.map((member) => gzipSync(member))));
    expect((await gunzipAll(file)).data.equals(Buffer.concat(members))).toBe(true);
  });

  it('past maxBytes: DecompressedTooLarge, and no more than maxBytes handed out', async () => {
    const file = await write('zeros.gz', gzipSync(Buffer.alloc(32 * 1024 * 1024)));
    const { data, error } = await gunzipAll(file, { maxBytes: 1024 * 1024 });
    expect(error).toBeInstanceOf(DecompressedTooLarge);
    expect(data.length).toBeLessThanOrEqual(1024 * 1024);
  });
});

describe('gzip\'d captures: the same head inflater', () => {
  it('a gzip\'d pcap whose first 64 KiB inflate to more than 64 KiB is still detected as a pcap', async () => {
    const pcap = await readFile(path.join(import.meta.dirname, '..', 'fixtures', 'capture', 'ftp-ethernet-le.pcap'));
    // The records again and again: a capture that compresses well, as long FTP transfers do.
    const big = Buffer.concat([pcap, ...Array.from({ length: 100 }, () => pcap.subarray(24))]);
    const file = await write('big.pcap.gz', gzipSync(big));
    expect(chooseReader(READERS, file, await head(file)).format).toBe('pcap');
  });
});

describe('gzip\'d logs: reading', () => {
  it('the same lines, with the same numbers, as the plain log; provenance cites the .gz and the decompressed line', async () => {
    const plain = fixture('vsftpd-protocol.log');
    const compressed = await write('vsftpd.log.2.gz', gzipSync(await readFile(plain)));
    const stats: LogReadStats = { compressed: false, bytes: 0 };
    expect(await lines(compressed, stats)).toEqual(await lines(plain));
    expect(stats.compressed).toBe(true);
    const reading = await readLog(compressed);
    const reply425 = reading.sessions.flatMap((session) => session.events).find((event) => event.kind === 'reply' && event.code === 425);
    expect(reply425?.at).toMatchObject({ source: 'log', file: compressed, line: 40 });
  });

  it('concatenated members (cat a.gz b.gz) are one stream, even with a line split across the members', async () => {
    const text = (await readFile(fixture('vsftpd-protocol.log'))).toString('utf8');
    const cut = text.indexOf('FTP command', text.indexOf('\n', 1000));
    const joined = await write('joined.gz', Buffer.concat([gzipSync(text.slice(0, cut)), gzipSync(text.slice(cut))]));
    const plain = await write('joined.log', text);
    expect(await lines(joined)).toEqual(await lines(plain));
  });

  it('a truncated file: every whole line before the cut is read, and the stats say after which line it stopped', async () => {
    const text = (await readFile(fixture('vsftpd-protocol.log'))).toString('utf8');
    // Flushed every line, so the stream's first half holds whole lines; cut in the middle of one.
    const compressed = gzipSync(text, { level: 0 });
    const truncated = await write('vsftpd.log.3.gz', compressed.subarray(0, Math.floor(compressed.length / 2)));
    const stats: LogReadStats = { compressed: false, bytes: 0 };
    const read = await lines(truncated, stats);
    const plain = text.split('\n');
    expect(read.length).toBeGreaterThan(5);
    expect(read.map((line) => line.text)).toEqual(plain.slice(0, read.length));
    // The partial line the data stopped in is not handed out.
    expect(stats.bytes).toBeGreaterThan(plain.slice(0, read.length).join('\n').length + 1);
    expect(stats.cutShort).toEqual({ line: read.length, code: 'Z_BUF_ERROR', reason: 'unexpected end of file' });
  });

  it('a truncated .gz read by explain\'s reader: the sessions before the cut, and a limit naming the line', async () => {
    const text = (await readFile(fixture('vsftpd-protocol.log'))).toString('utf8');
    const compressed = gzipSync(text, { level: 0 });
    const truncated = await write('vsftpd.log.4.gz', compressed.subarray(0, Math.floor(compressed.length * 0.6)));
    const reading = await readLog(truncated);
    expect(reading.sessions.length).toBeGreaterThan(0);
    const cut = reading.limits.find((limit) => limit.includes('cut short'));
    expect(cut).toMatch(/^the gzip data is cut short \(the file ends before the compressed stream does\) after line \d+: lines 1-\d+ were read/);
  });

  it('damaged data: the lines before the damage are read and the limit says it is damaged, no exception escapes', async () => {
    const text = (await readFile(fixture('vsftpd-protocol.log'))).toString('utf8').repeat(20);
    const damaged = Buffer.from(gzipSync(text));
    // The CRC at the end no longer matches: zlib says so after inflating everything.
    damaged[damaged.length - 8] = (damaged[damaged.length - 8] ?? 0) ^ 0xff;
    const file = await write('vsftpd.log.5.gz', damaged);
    const reading = await readLog(file, 'vsftpd');
    expect(reading.limits.join('\n')).toMatch(/the gzip data is damaged \(incorrect data check\) after line \d+/);
  });

  it('a file that is not gzip past its magic: a LogFormatError naming the file, not a zlib stack', async () => {
    const file = await write('fake.gz', Buffer.concat([Buffer.from([0x1f, 0x8b]), Buffer.from('not really gzip at all\n'.repeat(10))]));
    await expect(lines(file)).rejects.toThrow(LogFormatError);
    await expect(lines(file)).rejects.toThrow(/fake\.gz: the gzip data is damaged or cut short before the first whole line/);
  });

  it('a gzip bomb stops at the limit with a LogFormatError naming the file, having decompressed no more than the limit', async () => {
    // 64 MiB of log-like text per member, 8 members: 512 MiB decompressed from ~0.5 MB; the limit is 4 MiB.
    const member = gzipSync(Buffer.from('Sat Dec  5 04:59:56 2026 [pid 1] CONNECT: Client "127.0.0.1"\n'.repeat(1_100_000)), { level: zlibConstants.Z_BEST_COMPRESSION });
    const bomb = await write('bomb.log.gz', Buffer.concat(Array.from({ length: 8 }, () => member)));
    const stats: LogReadStats = { compressed: false, bytes: 0 };
    const limit = 4 * 1024 * 1024;
    const error = await lines(bomb, stats, limit).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(LogFormatError);
    expect(String((error as Error).message)).toMatch(/bomb\.log\.gz: decompresses to more than the limit of 4194304 bytes/);
    // What was handed to the line reader: the limit at most (the chunk that passed it was dropped, not buffered).
    expect(stats.bytes).toBeLessThanOrEqual(limit);
    expect(stats.bytes).toBeGreaterThan(limit - 256 * 1024);
  });
});
