/**
 * `ftp-doctor explain <log>` as a user runs it: exit 1 with the finding for a failing log, 0 for a
 * healthy one, 2 with one sentence for a file that is no log we know; a password in the log is in
 * no output (stdout, stderr, --json).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fixture } from './helpers.js';
import { ftpDoctor as runCli } from '../setup/run-cli.js';

const ftpDoctor = (args: string[]): ReturnType<typeof runCli> => runCli(args, 60_000);

const directories: string[] = [];
afterAll(async () => {
  for (const directory of directories) await rm(directory, { recursive: true, force: true });
});

describe('ftp-doctor explain <log>', () => {
  it('a failing curl -v log: exit 1, DATA_CHANNEL_REFUSED, the password (shown in clear by curl) in no output', async () => {
    for (const args of [['explain', fixture('curl-pasv-refused.log')], ['explain', '--json', fixture('curl-pasv-refused.log')]]) {
      const result = await ftpDoctor(args);
      expect(result.code).toBe(1);
      expect(result.stdout).toContain('DATA_CHANNEL_REFUSED');
      expect(`${result.stdout}${result.stderr}`).not.toContain('pw123456');
    }
  });

  it('a French FileZilla message log: exit 1, the private address and the blocked data connection', async () => {
    const result = await ftpDoctor(['explain', fixture('filezilla-fr-message-log.txt')]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('PASV_ADDRESS_PRIVATE');
    expect(result.stdout).toContain('DATA_CHANNEL_BLOCKED');
  });

  it('a healthy ftplib log: exit 0', async () => {
    const result = await ftpDoctor(['explain', fixture('ftplib-ok.log')]);
    expect(result.code).toBe(0);
  });

  it('binary garbage: exit 2 naming the file, no stack trace', async () => {
    const directory = await mkdtemp(path.join(os.tmpdir(), 'fd-explain-'));
    directories.push(directory);
    const file = path.join(directory, 'garbage.log');
    await writeFile(file, randomBytes(64 * 1024));
    const result = await ftpDoctor(['explain', file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('garbage.log');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('--format forces a reader: a curl log read as vsftpd is "not a log we know", exit 2', async () => {
    const result = await ftpDoctor(['explain', '--format', 'vsftpd', fixture('curl-epsv-ok.log')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/not a log we know/);
  });
});
