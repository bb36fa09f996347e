/**
 * Hostile configuration files for every server and firewall reader: each case ends in one clear
 * error naming the file and line (through the CLI: one line on stderr, exit 2, no stack trace); or,
 * where the file is merely odd but valid (CRLF, a byte order mark, UTF-16 from PowerShell), the
 * same reading as the clean file. Passwords in the files never reach any output. The whole table
 * runs in-process through the reader the CLI uses (readInput); through the CLI itself, every case
 * for one reader and one case for every reader, and the files that are not files. Time is bounded
 * by the test deadline alone: a quadratic reader (a 1 MiB file of long space-filled lines took
 * minutes) fails it by a wide margin.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, open, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FirewallParseError } from '../../src/preflight/firewalls/index.js';
import type { InputKind } from '../../src/preflight/detect.js';
import { preflight } from '../../src/preflight/predict.js';
import { readInput } from '../../src/preflight/read-input.js';
import { renderPreflightTable } from '../../src/report/table.js';
import { ftpDoctor } from '../setup/run-cli.js';

/** Credentials written into the files: none may appear in any output. */
const SECRETS = ['Sql-Secret-4711', 'My-Secret-0815', 'c0ffee1234567890deadbeefcafe5150', 'Zilla-Plain-Pw', 'Salty-Salt-99'];

interface Reader {
  kind: string;
  file: string;
  /** A small valid file; line 2 always holds a setting, so a hostile line 2 can be named. */
  lines: string[];
  /** What the clean file's facts say (the reading an odd-but-valid file must give too). */
  reads: RegExp;
}

const READERS: Reader[] = [
  { kind: 'vsftpd', file: 'vsftpd.conf', lines: ['listen=YES', 'pasv_min_port=50000', 'pasv_max_port=50100'], reads: /passive range 50000-50100/ },
  {
    kind: 'proftpd',
    file: 'proftpd.conf',
    lines: ['ServerType standalone', 'PassivePorts 50000 50100', '<IfModule mod_sql.c>', `  SQLConnectInfo ftpdb@localhost ftpuser ${SECRETS[0]}`, '</IfModule>'],
    reads: /passive range 50000-50100/,
  },
  { kind: 'pure-ftpd-conf', file: 'pure-ftpd.conf', lines: ['ChrootEveryone yes', 'PassivePortRange 30000 30009', `MySQLConfigFile /etc/pure-ftpd/db/mysql.conf`], reads: /passive range 30000-30009/ },
  { kind: 'pure-ftpd-conf', file: 'pureftpd-mysql.conf', lines: ['MYSQLServer localhost', 'PassivePortRange 30000 30009', 'MYSQLUser ftp', `MYSQLPassword ${SECRETS[1]}`], reads: /passive range 30000-30009/ },
  {
    kind: 'filezilla',
    file: 'FileZilla Server.xml',
    lines: [
      '<FileZillaServer><Settings>',
      '<Item name="Use custom PASV ports" type="numeric">1</Item>',
      '<Item name="Custom PASV min port" type="numeric">50000</Item>',
      '<Item name="Custom PASV max port" type="numeric">50100</Item>',
      `</Settings><Users><User Name="bob"><Option Name="Pass">${SECRETS[2]}</Option><Option Name="Salt">${SECRETS[4]}</Option></User></Users></FileZillaServer>`,
    ],
    reads: /passive range 50000-50100/,
  },
  {
    kind: 'filezilla',
    file: 'settings.xml',
    lines: ['<filezilla>', '<passive_mode><port_range><min>50000</min><max>50100</max></port_range></passive_mode>', `<user name="bob"><password index="0"><hash>${SECRETS[2]}</hash><salt>${SECRETS[4]}</salt></password><plain>${SECRETS[3]}</plain></user>`, '</filezilla>'],
    reads: /passive range 50000-50100/,
  },
  {
    kind: 'iis',
    file: 'applicationHost.config',
    lines: ['<configuration><system.applicationHost><sites><site name="ftp" id="2"><bindings><binding protocol="ftp" bindingInformation="*:21:" /></bindings></site></sites></system.applicationHost>', '<system.ftpServer><firewallSupport lowDataChannelPort="50000" highDataChannelPort="50100" /></system.ftpServer>', '</configuration>'],
    reads: /passive range 50000-50100/,
  },
  { kind: 'nftables', file: 'ruleset.nft', lines: ['table inet filter {', '  chain input { type filter hook input priority 0; policy drop;', '    tcp dport 21 accept', '    tcp dport 50000-50100 accept', '  }', '}'], reads: /passive 1024-49999: DROPPED.*passive 50000-50100: open/s },
  {
    kind: 'nftables-json',
    file: 'ruleset.json',
    lines: ['{"nftables": [', '{"table": {"family": "inet", "name": "filter", "handle": 1}},', '{"chain": {"family": "inet", "table": "filter", "name": "input", "handle": 1, "type": "filter", "hook": "input", "prio": 0, "policy": "accept"}}', ']}'],
    reads: /control 21: open/,
  },
  { kind: 'iptables-save', file: 'iptables.rules', lines: ['*filter', ':INPUT DROP [0:0]', '-A INPUT -p tcp --dport 21 -j ACCEPT', '-A INPUT -p tcp --dport 50000:50100 -j ACCEPT', 'COMMIT'], reads: /control 21: open/ },
];

interface Case {
  name: string;
  /** The file's bytes from the reader's clean lines. */
  bytes: (reader: Reader) => Buffer;
  /** An error naming this line (a function of the reader's line count), or the clean reading; 'bounded': either, but promptly. */
  expect: { errorLine: (reader: Reader) => number; says: RegExp } | 'reads' | 'bounded';
}

const joined = (lines: string[], eol = '\n'): string => `${lines.join(eol)}${eol}`;
const withLine2 = (reader: Reader, replace: (line: string) => string): string[] => reader.lines.map((line, index) => (index === 1 ? replace(line) : line));
const line2 = (): number => 2;

const CASES: Case[] = [
  { name: 'a 200,000-character line', bytes: (reader) => Buffer.from(joined(withLine2(reader, (line) => `${line}${' '.repeat(200_000)}`))), expect: { errorLine: line2, says: /line is 200\d{3} characters long \(at most 65536\)/ } },
  { name: 'a NUL byte', bytes: (reader) => Buffer.from(joined(withLine2(reader, (line) => `${line}\0`))), expect: { errorLine: line2, says: /binary data \(byte 0x00\)/ } },
  { name: 'a bell and an escape sequence', bytes: (reader) => Buffer.from(joined(withLine2(reader, (line) => `${line}\x07\x1b[2J`))), expect: { errorLine: line2, says: /binary data \(byte 0x07\)/ } },
  { name: 'invalid UTF-8 in a setting', bytes: (reader) => Buffer.concat([Buffer.from(`${reader.lines[0]}\n`), Buffer.from([0xff, 0xfe, 0x80]), Buffer.from(joined(reader.lines.slice(1)))]), expect: { errorLine: line2, says: /not UTF-8 text \(byte 0xff\): save the file as UTF-8/ } },
  { name: 'a Latin-1 line after the settings', bytes: (reader) => Buffer.concat([Buffer.from(joined(reader.lines)), Buffer.from('# Gr\xf6\xdfe\n', 'latin1')]), expect: { errorLine: (reader) => reader.lines.length + 1, says: /not UTF-8 text \(byte 0xf6\)/ } },
  { name: 'CRLF line ends', bytes: (reader) => Buffer.from(joined(reader.lines, '\r\n')), expect: 'reads' },
  { name: 'a UTF-8 byte order mark', bytes: (reader) => Buffer.from(`\ufeff${joined(reader.lines)}`), expect: 'reads' },
  { name: 'UTF-16LE with its byte order mark (PowerShell >)', bytes: (reader) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(joined(reader.lines, '\r\n'), 'utf16le')]), expect: 'reads' },
  { name: 'a byte order mark, then broken UTF-16', bytes: () => Buffer.from([0xfe, 0xff, 0xd8, 0x00, 0x00, 0x41]), expect: { errorLine: () => 1, says: /starts as UTF-16BE text \(byte order mark\) but is not: save it as UTF-8/ } },
  // 1 MiB of lines just under the line cap, mostly spaces: every reader's regular expressions see them.
  { name: '16 lines of 60,000 spaces and a word', bytes: (reader) => Buffer.from(joined([...reader.lines, ...Array.from({ length: 16 }, () => `${' '.repeat(60_000)}x #`)])), expect: 'bounded' },
  { name: '100,000 backslash-continued lines', bytes: (reader) => Buffer.from(joined([...reader.lines, ...Array.from({ length: 100_000 }, () => 'x \\')])), expect: 'bounded' },
  { name: '225,000 unterminated processing instructions', bytes: (reader) => Buffer.from(joined([...reader.lines, ...Array.from({ length: 15 }, () => '<? >'.repeat(15_000))])), expect: 'bounded' },
  { name: '100,000 unterminated comments', bytes: (reader) => Buffer.from(joined([...reader.lines, ...Array.from({ length: 10 }, () => '<!-- >'.repeat(10_000))])), expect: 'bounded' },
];

function readsOf(text: string, reader: Reader): void {
  expect(text).toMatch(reader.reads);
}

async function inProcess(file: string, bytes: Buffer, kind: string): Promise<{ error?: string; output?: string }> {
  try {
    const read = readInput(file, bytes, kind as InputKind);
    const { report } = await preflight(read.input ? [read.input] : [], read.firewall ? [read.firewall] : [], { client: 'outside', simulate: false });
    return { output: `${renderPreflightTable(report, { color: false, width: 200 })}\n${JSON.stringify(report)}` };
  } catch (error) {
    if (error instanceof FirewallParseError) return { error: error.message };
    throw error;
  }
}

describe('preflight: hostile files, reader by reader (in-process, the reader the CLI uses)', () => {
  it.each(READERS.map((reader) => [reader.kind, reader.file, reader] as const))('the clean %s file (%s) reads, and no password is shown', async (_kind, _file, reader) => {
    const result = await inProcess(reader.file, Buffer.from(joined(reader.lines)), reader.kind);
    expect(result.error).toBeUndefined();
    readsOf(result.output ?? '', reader);
    for (const secret of SECRETS) expect(result.output).not.toContain(secret);
  });

  const table = READERS.flatMap((reader) => CASES.map((hostile) => [reader.kind, reader.file, hostile.name, reader, hostile] as const));
  it.each(table)('%s (%s): %s', { timeout: 60_000 }, async (_kind, _file, _name, reader, hostile) => {
    const result = await inProcess(reader.file, hostile.bytes(reader), reader.kind);
    for (const secret of SECRETS) expect(`${result.output}${result.error}`).not.toContain(secret);
    if (hostile.expect === 'bounded') return;
    if (hostile.expect === 'reads') {
      expect(result.error).toBeUndefined();
      return readsOf(result.output ?? '', reader);
    }
    expect(result.error).toMatch(new RegExp(`^${reader.file.replace(/[.]/g, '\\.')}:${hostile.expect.errorLine(reader)}: `));
    expect(result.error).toMatch(hostile.expect.says);
  });
});

async function expectThroughCli(file: string, kind: string, expected: Case['expect'], reader: Reader): Promise<void> {
  const result = await ftpDoctor(['preflight', '--no-simulate', '--as', `${kind}=${file}`, file], 60_000);
  const output = `${result.stdout}\n${result.stderr}`;
  for (const secret of SECRETS) expect(output).not.toContain(secret);
  expect(result.stderr).not.toMatch(/internal error|\n\s+at |Error:/);
  if (expected === 'bounded') return;
  if (expected === 'reads') {
    expect(result.stderr).toBe('');
    expect([0, 1]).toContain(result.code);
    return readsOf(result.stdout, reader);
  }
  expect({ code: result.code, stderrLines: result.stderr.trimEnd().split('\n').length }).toEqual({ code: 2, stderrLines: 1 });
  expect(result.stderr).toContain(`${file}:${expected.errorLine(reader)}: `);
  expect(result.stderr).toMatch(expected.says);
}

describe('preflight: hostile files through the CLI (exit 2, one line naming file:line, no password)', async () => {
  const directory = await mkdtemp(path.join(os.tmpdir(), 'fd-preflight-hostile-files-'));
  const vsftpd = READERS[0] as Reader;
  const nul = CASES[1] as Case;
  const runs = [...CASES.filter((hostile) => hostile.expect !== 'bounded').map((hostile) => [vsftpd, hostile] as const), ...READERS.slice(1).map((reader) => [reader, nul] as const)];
  it.each(runs.map(([reader, hostile]) => [reader.kind, reader.file, hostile.name, reader, hostile] as const))('%s (%s): %s', { timeout: 90_000 }, async (_kind, _file, _name, reader, hostile) => {
    const sub = path.join(directory, `${READERS.indexOf(reader)}-${CASES.indexOf(hostile)}`);
    await mkdir(sub, { recursive: true });
    const file = path.join(sub, reader.file);
    await writeFile(file, hostile.bytes(reader));
    await expectThroughCli(file, reader.kind, hostile.expect, reader);
  });
});

describe('preflight: files that are not files, through the CLI', async () => {
  const directory = await mkdtemp(path.join(os.tmpdir(), 'fd-preflight-not-files-'));

  const make: [string, () => Promise<string>, RegExp][] = [
    [
      'a 1 GiB sparse file',
      async () => {
        const file = path.join(directory, 'vsftpd.conf');
        const handle = await open(file, 'w');
        await handle.truncate(1024 ** 3);
        await handle.close();
        return file;
      },
      /vsftpd\.conf: is 1024\.0 MiB; data files larger than 1\.0 MiB are refused/,
    ],
    ['/dev/zero', async () => '/dev/zero', /\/dev\/zero: is not a regular file/],
    [
      'a FIFO',
      async () => {
        const file = path.join(directory, 'proftpd.conf');
        execFileSync('mkfifo', [file]);
        return file;
      },
      /proftpd\.conf: is not a regular file/,
    ],
    [
      'a symbolic link loop',
      async () => {
        const file = path.join(directory, 'loop.nft');
        await symlink(path.join(directory, 'loop2.nft'), file);
        await symlink(file, path.join(directory, 'loop2.nft'));
        return file;
      },
      /loop\.nft: a symbolic link loop/,
    ],
    [
      'an empty directory',
      async () => {
        const file = path.join(directory, 'empty.d');
        await mkdir(file);
        return file;
      },
      /empty\.d: a directory with no regular file to read/,
    ],
    [
      'a directory given as a vsftpd.conf',
      async () => {
        const file = path.join(directory, 'etc-vsftpd');
        await mkdir(file);
        await writeFile(path.join(file, 'notes.txt'), 'hello\n');
        return file;
      },
      /notes\.txt: cannot tell what kind of file this is/,
    ],
  ];

  it.runIf(process.platform === 'linux').each(make)('%s: one line naming it, exit 2', { timeout: 60_000 }, async (_name, create, says) => {
    const file = await create();
    for (const args of [[file], ['--as', `vsftpd=${file}`, file]]) {
      const result = await ftpDoctor(['preflight', '--no-simulate', ...args], 60_000);
      expect({ code: result.code, lines: result.stderr.trimEnd().split('\n').length }).toEqual({ code: 2, lines: 1 });
      expect(result.stderr).toMatch(says);
      expect(result.stderr).not.toMatch(/internal error|\n\s+at /);
    }
  });
});
