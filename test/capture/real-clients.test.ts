/**
 * Real clients (curl, lftp, CPython ftplib) against real servers on 127.0.0.1 while tcpdump
 * captures lo; the capture is read back through the pcap reader and the analysis, and must show
 * the commands, replies and data outcomes that happened. tshark decodes the same file
 * independently: every FTP request and response it sees, we see too, in the same frame.
 * Skips with its reason when tcpdump, root or tshark is missing.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCaptureFile } from '../../src/capture/reader.js';
import type { ObservedDataConnection, ObservedSession } from '../../src/evidence/observed.js';
import type { SourceReading } from '../../src/evidence/source.js';
import { hasCurl, hasLftp, run, serve, type TestServer } from '../server/helpers.js';
import { captureSkipReason, startCapture, tsharkFrames, tsharkFtpLines, tsharkSkipReason } from './tcpdump.js';

/** This file's passive band (test/port-bands.ts); a port in it that nothing ever listens on. */
const PASSIVE = { from: 24000, to: 24019 };
const CLOSED_PORT = 24050;
const USER = { name: 'alice', password: 'capture-secret-9' };

const commandsOf = (session: ObservedSession): string[] => session.events.flatMap((event) => (event.kind === 'command' ? [event.text] : []));
const codesOf = (session: ObservedSession): number[] => session.events.flatMap((event) => (event.kind === 'reply' ? [event.code] : []));
const dataOf = (session: ObservedSession): ObservedDataConnection[] => session.events.filter((event): event is ObservedDataConnection => event.kind === 'data');

/** Every (frame, verb) and (frame, code) of the reading, as tshark prints them. */
function ourFtpLines(reading: SourceReading): { requests: Set<string>; responses: Set<string> } {
  const requests = new Set<string>();
  const responses = new Set<string>();
  for (const event of reading.sessions.flatMap((session) => session.events)) {
    if (event.at.source !== 'capture') continue;
    if (event.kind === 'command') requests.add(`${event.at.frame} ${event.text.split(' ')[0]?.toUpperCase()}`);
    if (event.kind === 'reply') responses.add(`${event.at.frame} ${event.code}`);
  }
  return { requests, responses };
}

/** A control server that offers a passive port nothing listens on: the client's SYN gets RST. */
async function closedPortServer(): Promise<net.Server> {
  const server = net.createServer((socket) => {
    socket.on('error', () => undefined);
    socket.write('220 closed-port test server\r\n');
    let buffered = '';
    socket.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('latin1');
      // Bounded: lines are consumed as they complete; a test client sends a handful.
      for (let newline = buffered.indexOf('\n'); newline >= 0; newline = buffered.indexOf('\n')) {
        const verb = buffered.slice(0, newline).trim().split(' ')[0]?.toUpperCase();
        buffered = buffered.slice(newline + 1);
        const reply: Record<string, string> = {
          USER: '331 password please',
          PASS: '230 logged in',
          PWD: '257 "/"',
          TYPE: '200 ok',
          EPSV: '500 EPSV not understood',
          PASV: `227 Entering Passive Mode (127,0,0,1,${CLOSED_PORT >> 8},${CLOSED_PORT & 0xff})`,
          QUIT: '221 bye',
        };
        socket.write(`${reply[verb ?? ''] ?? '502 not implemented'}\r\n`);
        if (verb === 'QUIT') socket.end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

const portOf = (server: net.Server): number => (server.address() as net.AddressInfo).port;

describe.skipIf(captureSkipReason)(`real clients captured with tcpdump${captureSkipReason ? ` (skipped: ${captureSkipReason})` : ''}`, () => {
  let directory: string;
  let server: TestServer;
  let refusing: net.Server;

  beforeAll(async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), 'ftp-doctor-capture-'));
    server = await serve({ pasvRange: { from: 24000, to: 24009 }, users: [USER], anonymous: false, evidence: true });
    refusing = await closedPortServer();
  });

  afterAll(async () => {
    await server?.close();
    await new Promise((resolve) => refusing?.close(resolve));
    if (directory && !process.env.KEEP_CAPTURES) await rm(directory, { recursive: true, force: true });
  });

  /** Captures lo while `clients` run; the filter keeps other tests' loopback traffic out. */
  async function captured(name: string, controlPort: number, clients: () => Promise<void>): Promise<{ file: string; reading: SourceReading }> {
    const file = path.join(directory, name);
    const capture = await startCapture(file, `tcp and host 127.0.0.1 and (port ${controlPort} or portrange ${PASSIVE.from}-${CLOSED_PORT})`);
    try {
      await clients();
    } finally {
      await capture.stop();
    }
    return { file, reading: await readCaptureFile(file, 'pcap') };
  }

  it.skipIf(!hasCurl)('curl: a passive LIST against serve, its data connection connected; tshark sees the same FTP lines', async (context) => {
    const port = server.port;
    const { file, reading } = await captured('curl.pcap', port, async () => {
      const list = await run('curl', ['-sS', '--max-time', '30', `ftp://${USER.name}:${USER.password}@127.0.0.1:${port}/`]);
      expect(list.code, list.stderr).toBe(0);
    });
    expect(reading.sessions).toHaveLength(1);
    const [session] = reading.sessions as [ObservedSession];
    expect(session.server).toEqual({ host: '127.0.0.1', port });
    expect(commandsOf(session)).toEqual(expect.arrayContaining(['USER alice', 'PASS ****', 'EPSV', 'LIST']));
    expect(codesOf(session)).toEqual(expect.arrayContaining([220, 331, 230, 229, 150, 226]));
    expect(dataOf(session).map((data) => [data.outcome, data.openedBy])).toEqual([['connected', 'client']]);
    expect(dataOf(session)[0]?.bytes).toBeGreaterThan(0);
    expect(reading.source).toMatchObject({ kind: 'capture', packets: true, vantage: 'both' });
    expect(JSON.stringify(reading)).not.toContain(USER.password);
    if (tsharkSkipReason) return context.skip(tsharkSkipReason);
    const tshark = tsharkFtpLines(file, port);
    const ours = ourFtpLines(reading);
    expect(tshark.requests.length).toBeGreaterThan(3);
    // The same capture as pcapng (Wireshark's editcap) reads to the same sessions.
    const converted = `${file}ng`;
    const editcap = await run('editcap', ['-F', 'pcapng', file, converted]);
    if (editcap.code === 0) {
      const again = await readCaptureFile(converted, 'pcapng');
      expect(again.sessions.map((item) => item.events.map((event) => [event.kind, event.at.source === 'capture' ? event.at.frame : 0]))).toEqual(
        reading.sessions.map((item) => item.events.map((event) => [event.kind, event.at.source === 'capture' ? event.at.frame : 0])),
      );
    }
    expect(tshark.requests.filter((line) => !ours.requests.has(line))).toEqual([]);
    expect(tshark.responses.filter((line) => !ours.responses.has(line))).toEqual([]);
  });

  it.skipIf(!hasCurl)('curl in active mode (EPRT/PORT on ports of this band): the server dials the client, matched by what the client announced', async () => {
    const port = server.port;
    const { file, reading } = await captured('active.pcap', port, async () => {
      const result = await run('curl', ['-sS', '--max-time', '30', '--ftp-port', '127.0.0.1:24030-24039', `ftp://${USER.name}:${USER.password}@127.0.0.1:${port}/`]);
      expect(result.code, result.stderr).toBe(0);
    });
    const [session] = reading.sessions as [ObservedSession];
    expect(commandsOf(session).some((text) => /^(EPRT|PORT) /.test(text))).toBe(true);
    const [data] = dataOf(session);
    expect(data).toMatchObject({ openedBy: 'server', outcome: 'connected', to: { host: '127.0.0.1' } });
    expect(data?.to.port).toBeGreaterThanOrEqual(24030);
    if (!tsharkSkipReason) {
      const tshark = tsharkFtpLines(file, port);
      const ours = ourFtpLines(reading);
      expect(tshark.requests.filter((line) => !ours.requests.has(line))).toEqual([]);
      expect(tshark.responses.filter((line) => !ours.responses.has(line))).toEqual([]);
    }
  });

  it('python ftplib: PASV LIST and RETR, two data connections, both connected with their bytes', async () => {
    const port = server.port;
    const script = [
      'import ftplib, sys',
      'f = ftplib.FTP()',
      'f.connect("127.0.0.1", int(sys.argv[1]), timeout=30)',
      'f.login(sys.argv[2], sys.argv[3])',
      'f.set_pasv(True)',
      'f.sendcmd("EPRT |9|x|1|") if False else None',
      'lines = []',
      'f.retrlines("LIST", lines.append)',
      // The smallest file: a busy machine's capture can lose packets of a bulk transfer, and the test is about the control lines.
      'files = sorted((int(l.split()[4]), l.split()[-1]) for l in lines if not l.startswith("d"))',
      'f.retrbinary("RETR " + files[0][1], lambda b: None) if files else f.retrlines("NLST")',
      'f.quit()',
    ].join('\n');
    const { file, reading } = await captured('ftplib.pcap', port, async () => {
      const result = await run('python3', ['-c', script, String(port), USER.name, USER.password]);
      expect(result.code, result.stderr).toBe(0);
    });
    const [session] = reading.sessions as [ObservedSession];
    expect(commandsOf(session).filter((text) => text === 'PASV')).toHaveLength(2);
    expect(dataOf(session).map((data) => data.outcome)).toEqual(['connected', 'connected']);
    expect(codesOf(session).filter((code) => code === 226)).toHaveLength(2);
    if (!tsharkSkipReason) {
      const tshark = tsharkFtpLines(file, port);
      const ours = ourFtpLines(reading);
      expect(tshark.requests.filter((line) => !ours.requests.has(line))).toEqual([]);
      expect(tshark.responses.filter((line) => !ours.responses.has(line))).toEqual([]);
    }
  });

  it.skipIf(!hasLftp)('lftp: passive listing, the session and its data connection', async () => {
    const port = server.port;
    const { reading } = await captured('lftp.pcap', port, async () => {
      const commands = 'set ftp:ssl-allow no; set net:max-retries 1; set net:timeout 20; set ftp:passive-mode on; cls; bye';
      const result = await run('lftp', ['-u', `${USER.name},${USER.password}`, '-p', String(port), '-e', commands, '127.0.0.1'], 60_000);
      expect(result.code, result.stderr).toBe(0);
    });
    const [session] = reading.sessions as [ObservedSession];
    expect(commandsOf(session)).toEqual(expect.arrayContaining(['USER alice', 'PASS ****']));
    expect(dataOf(session).length).toBeGreaterThan(0);
    expect(dataOf(session).every((data) => data.outcome === 'connected')).toBe(true);
  });

  it.skipIf(!hasCurl)('curl over explicit TLS (AUTH TLS): encrypted from the 234, the data connection matched by addresses and said to be', async () => {
    const tlsServer = await serve({ pasvRange: { from: 24010, to: 24019 }, users: [USER], anonymous: false, tls: 'explicit' });
    try {
      const port = tlsServer.port;
      const { reading } = await captured('tls.pcap', port, async () => {
        const result = await run('curl', ['-sS', '-k', '--ssl-reqd', '--max-time', '30', `ftp://${USER.name}:${USER.password}@127.0.0.1:${port}/`]);
        expect(result.code, result.stderr).toBe(0);
      });
      const [session] = reading.sessions as [ObservedSession];
      expect(commandsOf(session)).toEqual(['AUTH SSL']);
      expect(codesOf(session)).toEqual([220, 234]);
      expect(session.encryptedFrom).toMatchObject({ source: 'capture' });
      expect(dataOf(session).map((data) => data.outcome)).toEqual(['connected']);
      expect(session.events.filter((event) => event.kind === 'tls' && event.channel === 'data')).toEqual([expect.objectContaining({ handshake: 'ok' })]);
      expect(session.events.some((event) => event.kind === 'note' && /matched to the session by time and addresses/.test(event.text))).toBe(true);
      expect(reading.limits.join('\n')).toContain('switched to TLS');
    } finally {
      await tlsServer.close();
    }
  });

  it.skipIf(!hasLftp)('lftp with CCC after an explicit TLS login: the PASV and 227 after CCC are read, the data connection matched by them', async () => {
    const tlsServer = await serve({ pasvRange: { from: 24040, to: 24049 }, users: [USER], anonymous: false, tls: 'explicit', allowCcc: true });
    try {
      const port = tlsServer.port;
      const { reading } = await captured('ccc.pcap', port, async () => {
        const commands = 'set ssl:verify-certificate no; set ftp:ssl-force yes; set ftp:ssl-protect-data no; set ftp:ssl-use-ccc yes; set net:max-retries 1; set net:timeout 20; set ftp:passive-mode on; set ftp:prefer-epsv no; cls; bye';
        const result = await run('lftp', ['-u', `${USER.name},${USER.password}`, '-p', String(port), '-e', commands, '127.0.0.1'], 60_000);
        expect(result.code, result.stderr).toBe(0);
      });
      const [session] = reading.sessions as [ObservedSession];
      expect(session.encryptedFrom).toBeDefined();
      expect(commandsOf(session)).toContain('PASV');
      expect(codesOf(session)).toContain(227);
      expect(dataOf(session).map((data) => data.outcome)).toEqual(['connected']);
      expect(JSON.stringify(reading)).not.toContain(USER.password);
    } finally {
      await tlsServer.close();
    }
  });

  it.skipIf(!hasCurl)('curl against a passive port nothing listens on: the data connection is refused (RST), in the frame tshark shows', async (context) => {
    const port = portOf(refusing);
    const { file, reading } = await captured('refused.pcap', port, async () => {
      const result = await run('curl', ['-sS', '--max-time', '30', `ftp://u:p4ssword@127.0.0.1:${port}/`]);
      expect(result.code).not.toBe(0);
    });
    const [session] = reading.sessions as [ObservedSession];
    expect(codesOf(session)).toEqual(expect.arrayContaining([220, 227]));
    const [data] = dataOf(session);
    expect(data).toMatchObject({ outcome: 'refused', openedBy: 'client', to: { host: '127.0.0.1', port: CLOSED_PORT } });
    expect(JSON.stringify(reading)).not.toContain('p4ssword');
    if (tsharkSkipReason) return context.skip(tsharkSkipReason);
    const resets = tsharkFrames(file, `tcp.flags.reset == 1 && tcp.srcport == ${CLOSED_PORT}`);
    expect(data?.answeredAt).toMatchObject({ source: 'capture', frame: resets[0] });
  });
});
