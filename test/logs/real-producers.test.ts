/**
 * Real clients and servers write their logs here, and the log readers must find in them what
 * happened: curl -v, lftp debug, CPython ftplib and basic-ftp against the project's own server
 * (healthy, and advertising a private 227 address) and against a scripted server whose 227 offers a
 * port nothing listens on; pyftpdlib's and vsftpd's own logs of the same sessions, matched to the
 * client's by matchSessions. Then `explain <log>` must give the finding codes the probe gives
 * against the same server. Skips name what is missing.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ObservedSession } from '../../src/evidence/observed.js';
import { runExplain } from '../../src/explain/run.js';
import { matchSessions } from '../../src/logs/match.js';
import { realNetwork } from '../../src/net/real.js';
import { pyftpdlibMissingReason, PYFTPDLIB_PYTHON } from '../../src/netns/pyftpdlib.js';
import { probe } from '../../src/probe/engine.js';
import type { Finding } from '../../src/report/model.js';
import { hasCurl, hasLftp, serve, type TestServer } from '../server/helpers.js';
import { vsftpdMissingReason, vsftpdOrSkip } from '../peers/vsftpd.js';
import { events, readLog } from './helpers.js';
import { basicFtpLog, curlLog, deadPortServer, ftpDebugLog, ftplibLog, INETUTILS_FTP, lftpLog, type ScriptedServer, type Target } from './producers.js';

const USER = { user: 'alice', password: 'log-secret-71' };
const curlMissing = hasCurl ? null : 'curl is not installed (/usr/bin/curl)';
const lftpMissing = hasLftp ? null : 'lftp is not installed (/usr/bin/lftp)';
const ftpMissing = existsSync(INETUTILS_FTP) ? null : `inetutils ftp is not installed (${INETUTILS_FTP}; apt-get install inetutils-ftp)`;

let directory = '';
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'ftp-doctor-real-logs-'));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

async function saved(name: string, text: string): Promise<string> {
  const file = join(directory, name);
  await writeFile(file, text);
  return file;
}

const commands = (session: ObservedSession | undefined): string[] => events(session, 'command').map((c) => c.text.split(' ')[0] ?? '');
const errorCodes = (findings: readonly Finding[]): string[] => [...new Set(findings.filter((f) => f.severity === 'error').map((f) => f.code))].sort();
const warningCodes = (findings: readonly Finding[]): string[] => [...new Set(findings.filter((f) => f.severity === 'warning').map((f) => f.code))].sort();

/** The codes `explain` gives for the log's (only) FTP session with a data attempt. */
async function explainCodes(file: string): Promise<Finding[]> {
  const report = await runExplain([file]);
  const withData = report.sessions.filter((session) => session.report.findings.length > 0 || session.verdict === 'pass');
  return withData.flatMap((session) => session.report.findings);
}

describe('against the project\'s server: healthy', () => {
  let server: TestServer;
  let target: Target;
  beforeAll(async () => {
    server = await serve({ anonymous: false, users: [{ name: USER.user, password: USER.password }] });
    target = { port: server.port, ...USER };
  });
  afterAll(async () => {
    await server?.close();
  });

  const clients: [string, string | null, (t: Target) => Promise<string>][] = [
    ['curl', curlMissing, (t) => curlLog(t, { pasv: true })],
    ['lftp', lftpMissing, lftpLog],
    ['ftplib', null, ftplibLog],
    ['basic-ftp', null, basicFtpLog],
    ['ftp-d', ftpMissing, ftpDebugLog],
  ];
  it.for(clients)('%s: one session, logged in, a passive data connection that connected; the password never stored; explain passes', async ([name, missing, produce], context) => {
    if (missing) return context.skip(missing);
    const text = await produce(target);
    const file = await saved(`${name}-healthy.log`, text);
    const reading = await readLog(file);
    expect(reading.format).toBe(name);
    const session = reading.sessions.find((s) => commands(s).includes('USER'));
    expect(commands(session)).toEqual(expect.arrayContaining(['USER', 'PASS']));
    expect(events(session, 'reply').some((r) => r.code === 230)).toBe(true);
    // basic-ftp and ftp -d do not log a data connection that worked; the 150/226 show the transfer.
    if (name !== 'basic-ftp' && name !== 'ftp-d') expect(events(session, 'data').map((d) => d.outcome)).toContain('connected');
    else expect(events(session, 'reply').map((r) => r.code)).toContain(226);
    expect(JSON.stringify(reading)).not.toContain(USER.password);
    const report = await runExplain([file]);
    expect(report.verdict).toBe('pass');
  });
});

describe("against the project's server: active mode (the server connects to the client)", () => {
  let server: TestServer;
  let target: Target;
  beforeAll(async () => {
    server = await serve({ anonymous: false, users: [{ name: USER.user, password: USER.password }] });
    target = { port: server.port, ...USER };
  });
  afterAll(async () => {
    await server?.close();
  });

  const clients: [string, string | null, (t: Target) => Promise<string>][] = [
    ['curl', curlMissing, (t) => curlLog(t, { extra: ['-P', '127.0.0.1'] })],
    ['lftp', lftpMissing, (t) => lftpLog(t, { active: true })],
  ];
  it.for(clients)('%s: PORT/EPRT, then the connection the server made to it, connected; explain passes', async ([name, missing, produce], context) => {
    if (missing) return context.skip(missing);
    const file = await saved(`${name}-active.log`, await produce(target));
    const reading = await readLog(file);
    const [session] = reading.sessions;
    const mode = events(session, 'command').find((c) => /^(PORT|EPRT)\b/.test(c.text));
    expect(mode).toBeDefined();
    expect(events(session, 'data')).toMatchObject([{ openedBy: 'server', outcome: 'connected', to: { host: '127.0.0.1' } }]);
    expect((await runExplain([file])).verdict).toBe('pass');
  });
});

describe('against a scripted server whose 227 offers a port nothing listens on', () => {
  let server: ScriptedServer;
  let target: Target;
  /** The probe's error codes with PASV only (curl --disable-epsv, lftp, ftplib) and with EPSV then PASV (basic-ftp's strategy search). */
  const probeErrors: Record<'pasv' | 'epsv+pasv', string[]> = { pasv: [], 'epsv+pasv': [] };
  beforeAll(async () => {
    server = await deadPortServer();
    target = { port: server.port, ...USER };
    for (const modes of [['pasv'], ['epsv', 'pasv']] as const) {
      const run = await probe({ url: `ftp://127.0.0.1:${server.port}/`, user: USER.user, password: USER.password, modes: [...modes], connectTimeoutMs: 5_000, dataTimeoutMs: 3_000 }, realNetwork);
      probeErrors[modes.length === 1 ? 'pasv' : 'epsv+pasv'] = errorCodes(run.report.findings);
    }
  });
  afterAll(async () => {
    await server?.close();
  });

  it('the probe finds the refusal (the reference for explain below)', () => {
    expect(probeErrors.pasv).toContain('DATA_CHANNEL_REFUSED');
    expect(probeErrors['epsv+pasv']).toContain('DATA_CHANNEL_REFUSED');
  });

  const clients: [string, string | null, (t: Target) => Promise<string>][] = [
    ['curl', curlMissing, (t) => curlLog(t, { pasv: true })],
    ['lftp', lftpMissing, lftpLog],
    ['ftplib', null, ftplibLog],
    ['basic-ftp', null, basicFtpLog],
    ['ftp-d', ftpMissing, ftpDebugLog],
  ];
  it.for(clients)("%s: the data connection to the offered port, refused; explain gives the probe's error codes for the modes the client tried", async ([name, missing, produce], context) => {
    if (missing) return context.skip(missing);
    const file = await saved(`${name}-dead.log`, await produce(target));
    const reading = await readLog(file);
    expect(reading.format).toBe(name);
    const attempts = reading.sessions.flatMap((s) => events(s, 'data'));
    expect(attempts[0]).toMatchObject({ to: { host: '127.0.0.1', port: server.deadPort }, outcome: 'refused' });
    expect(errorCodes(await explainCodes(file))).toEqual(probeErrors[name === 'basic-ftp' ? 'epsv+pasv' : 'pasv']);
  });
});

describe("against the project's server advertising a private address (10.255.255.1) in its 227", () => {
  let server: TestServer;
  let target: Target;
  let probeWarnings: string[] = [];
  beforeAll(async () => {
    server = await serve({ anonymous: false, users: [{ name: USER.user, password: USER.password }], misbehave: { advertiseAddress: '10.255.255.1' } });
    target = { port: server.port, ...USER };
    const run = await probe({ url: `ftp://127.0.0.1:${server.port}/`, user: USER.user, password: USER.password, modes: ['pasv'], connectTimeoutMs: 5_000, dataTimeoutMs: 3_000 }, realNetwork);
    probeWarnings = warningCodes(run.report.findings);
  });
  afterAll(async () => {
    await server?.close();
  });

  it('the probe warns of the private address (the reference)', () => {
    expect(probeWarnings).toContain('PASV_ADDRESS_PRIVATE');
  });

  it.skipIf(curlMissing)('curl: the 227 with 10.255.255.1, curl dialling the control peer instead; explain warns as the probe does', async () => {
    const file = await saved('curl-private.log', await curlLog(target, { pasv: true }));
    const reading = await readLog(file);
    const [session] = reading.sessions;
    expect(events(session, 'reply').find((r) => r.code === 227)?.message).toContain('10,255,255,1');
    expect(events(session, 'note').map((n) => n.meaning)).toContain('unroutable-replaced');
    expect(events(session, 'data')[0]).toMatchObject({ to: { host: '127.0.0.1' }, outcome: 'connected' });
    expect(warningCodes(await explainCodes(file))).toEqual(expect.arrayContaining(probeWarnings));
  });

  it.skipIf(lftpMissing)('lftp: "Address returned by PASV seemed to be incorrect and has been fixed", then connected', async () => {
    const file = await saved('lftp-private.log', await lftpLog(target));
    const reading = await readLog(file);
    const [session] = reading.sessions;
    expect(events(session, 'note').map((n) => n.meaning)).toContain('unroutable-replaced');
    expect(events(session, 'data')[0]).toMatchObject({ to: { host: '127.0.0.1' }, outcome: 'connected' });
    expect(warningCodes(await explainCodes(file))).toEqual(expect.arrayContaining(probeWarnings));
  });
});

describe.skipIf(pyftpdlibMissingReason())("pyftpdlib's own log (-D) beside the client's", () => {
  it.skipIf(curlMissing)('curl and pyftpdlib logs of one session: the same commands on both sides, matched by matchSessions', async () => {
    const root = join(directory, 'pyroot');
    await writeFile(join(directory, 'placeholder'), '');
    await import('node:fs/promises').then((fs) => fs.mkdir(root, { recursive: true }));
    await writeFile(join(root, 'hello.txt'), 'hello\n');
    const child = spawn(PYFTPDLIB_PYTHON, ['-m', 'pyftpdlib', '-D', '-i', '127.0.0.1', '-p', '0', '-d', root, '-u', USER.user, '-P', USER.password], { stdio: ['pipe', 'ignore', 'pipe'] });
    let log = '';
    child.stderr.on('data', (chunk: Buffer) => {
      if (log.length < 1_000_000) log += chunk.toString();
    });
    try {
      const deadline = Date.now() + 20_000;
      let port = 0;
      while (port === 0 && Date.now() < deadline) {
        port = Number(/starting FTP server on 127\.0\.0\.1:(\d+)/.exec(log)?.[1] ?? 0);
        if (port === 0) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(port).toBeGreaterThan(0);
      const clientFile = await saved('curl-pyftpdlib.log', await curlLog({ port, ...USER }, { pasv: true }));
      await new Promise((resolve) => setTimeout(resolve, 300));
      const serverFile = await saved('pyftpdlib.log', log);
      const client = await readLog(clientFile);
      const server = await readLog(serverFile);
      expect(server.format).toBe('pyftpdlib');
      expect(server.source.vantage).toBe('server');
      const serverSession = server.sessions.find((s) => commands(s).includes('PASV'));
      // The server saw every command the client logged, in order (and the QUIT curl does not log).
      expect(commands(serverSession).slice(0, commands(client.sessions[0]).length)).toEqual(commands(client.sessions[0]));
      expect(JSON.stringify(server)).not.toContain(USER.password);
      expect(matchSessions([client, server])).toMatchObject([{ sessions: [{ file: clientFile, id: client.sessions[0]?.id }, { file: serverFile, id: serverSession?.id }] }]);
    } finally {
      child.kill('SIGKILL');
    }
  });
});

describe.skipIf(vsftpdMissingReason() ?? curlMissing)('vsftpd log_ftp_protocol=YES beside curl', () => {
  it('a private pasv_address: the client log shows the attempt to 10.255.255.1, the server log the 227 that offered it; the sessions match', async (context) => {
    const logFile = join(directory, 'vsftpd.log');
    const peer = await vsftpdOrSkip(context.skip, { extraConfig: { xferlog_enable: 'YES', xferlog_std_format: 'NO', log_ftp_protocol: 'YES', vsftpd_log_file: logFile, pasv_address: '10.255.255.1' } });
    try {
      const target = { port: peer.port, user: 'anonymous', password: 'x@example.com' };
      const clientFile = await saved('curl-vsftpd.log', await curlLog(target, { pasv: true, extra: ['--no-ftp-skip-pasv-ip', '--connect-timeout', '3', '--max-time', '8'] }));
      await new Promise((resolve) => setTimeout(resolve, 300));
      const client = await readLog(clientFile);
      const server = await readLog(logFile);
      expect(server.format).toBe('vsftpd');
      const clientSession = client.sessions[0];
      // How the attempt ends depends on this machine's route to 10/8 (a sandbox may even answer it): only where it went is asserted.
      expect(events(clientSession, 'data')[0]).toMatchObject({ to: { host: '10.255.255.1' } });
      const serverSession = server.sessions.find((s) => commands(s).includes('PASV'));
      expect(events(serverSession, 'reply').find((r) => r.code === 227)?.message).toContain('10,255,255,1');
      expect(matchSessions([client, server])[0]?.sessions.map((s) => s.id)).toEqual([clientSession?.id, serverSession?.id]);
      const text = await readFile(logFile, 'utf8');
      expect(text).toContain('FTP command');
    } finally {
      await peer.stop();
    }
  });
});

