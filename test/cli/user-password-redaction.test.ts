/**
 * A client logging in through an FTP proxy with the password inside USER
 * (`USER bob:Secret4@ftp.example.net`): no output shows the password — `probe` and `explain` of a
 * capture and of a log (the terminal, --json, and every file --report-dir writes), and `serve`'s log.
 */
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forgetSecrets } from '../../src/report/secrets.js';
import { formatLogJson } from '../../src/server/log.js';
import { serve } from '../server/helpers.js';
import { ftpSession } from '../capture/read/conversation.js';
import { pcapFile } from '../capture/read/files.js';
import { ETHERTYPE, ethernet } from '../capture/read/writer.js';
import { ftpDoctor } from '../setup/run-cli.js';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'ftp-doctor-user-pw-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Same length as what it replaces, so the TCP sequence numbers still hold. */
function replaceBytes(buffer: Buffer, from: string, to: string): Buffer {
  expect(to.length).toBe(from.length);
  const at = buffer.indexOf(from);
  expect(at).toBeGreaterThanOrEqual(0);
  Buffer.from(to).copy(buffer, at);
  return buffer;
}

/** A capture whose USER carries the password, and whose server quotes it back in the 331. */
function proxyLoginCapture(): Buffer {
  const packets = ftpSession({ client: '192.0.2.10', server: '198.51.100.7', clientPort: 50001, dataClientPort: 50002, passivePort: 40000, startUs: 1_764_900_000_000_000, bulkBytes: 2000 });
  const file = pcapFile({ linkType: 1, records: packets.map((packet) => ({ timeUs: packet.timeUs, data: ethernet(ETHERTYPE.ipv4, packet.ip) })) });
  replaceBytes(file, 'USER anonymous', 'USER b:Pw9x@hh');
  return replaceBytes(file, '331 Please specify the password.', '331 Password for b:Pw9x@hh okay.');
}

async function everyOutput(input: string, command = 'explain', extra: string[] = []): Promise<string> {
  const reportDir = path.join(dir, `${path.basename(input).replace(/\W+/g, '-')}-reports`);
  const text = await ftpDoctor([command, input, ...extra, '--report-dir', reportDir]);
  const json = await ftpDoctor([command, input, ...extra, '--json']);
  expect(json.stdout).toContain('"kind"');
  const files = await readdir(reportDir);
  expect(files.sort()).toEqual(['junit.xml', 'report.html', 'report.json', 'report.md']);
  const written = await Promise.all(files.map((file) => readFile(path.join(reportDir, file), 'utf8')));
  return [text.stdout, text.stderr, json.stdout, json.stderr, ...written].join('\n');
}

describe('explain: a password inside USER', () => {
  it('of a capture', async () => {
    const file = path.join(dir, 'proxy-login.pcap');
    await writeFile(file, proxyLoginCapture());
    const output = await everyOutput(file);
    expect(output).toContain('USER b:***@hh');
    expect(output).not.toMatch(/pw9x/i);
  });

  it('of a server log', async () => {
    const fixture = await readFile('test/fixtures/logs/vsftpd-protocol.log', 'utf8');
    const log = fixture.replace(/"USER [^"]*"/g, '"USER bob:Secret4@ftp.example.net"');
    expect(log).toContain('Secret4');
    const file = path.join(dir, 'vsftpd-proxy.log');
    await writeFile(file, log);
    const output = await everyOutput(file);
    expect(output).toContain('bob:***@ftp.example.net');
    expect(output).not.toMatch(/secret4/i);
  });
});

describe('probe and serve: a password inside USER', () => {
  it('the probe\'s outputs, and serve\'s log lines about the failed login', async () => {
    forgetSecrets();
    const server = await serve({ anonymous: false, users: [{ name: 'alice', password: 'right-one' }] });
    try {
      const output = await everyOutput(`ftp://127.0.0.1:${server.port}/`, 'probe', ['--user', 'bob:Secret4@ftp.example.net', '--password', 'wrong-one']);
      expect(output).toContain('LOGIN_FAILED');
      expect(output).not.toMatch(/secret4/i);
      // The login lines on their own, before any line carrying the USER command was written: the
      // server remembered the password when USER arrived.
      const logins = server.logs.filter((entry) => entry.event === 'login');
      expect(logins.length).toBeGreaterThan(0);
      for (const entry of logins) {
        expect(formatLogJson(entry)).not.toMatch(/secret4/i);
        expect(formatLogJson(entry)).toContain('bob:***@ftp.example.net');
      }
      // (The text log is written through the CLI's guarded stderr, which redacts as redactSecrets does.)
      for (const entry of server.logs) expect(formatLogJson(entry)).not.toMatch(/secret4/i);
    } finally {
      await server.close();
      forgetSecrets();
    }
  });
});
