/**
 * The cause the evidence shows, named: something that is not FTP on the control port (SSH, HTTP),
 * a host name that does not resolve, a TLS mode that does not match the port (ftps:// against an
 * explicit-TLS server, ftpes:// against an implicit one), a named user without a password. Real
 * sockets on 127.0.0.1 (scripted fakes and the reference server); nothing leaves the host.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { realNetwork } from '../../src/net/real.js';
import { readPeer } from '../../src/diagnosis/peer-kind.js';
import { probe as runProbe } from '../../src/probe/engine.js';
import { startServer, type RunningServer } from '../../src/server/index.js';
import { startFake, type FakeServer } from '../client/fake-ftp.js';
import { codes, find } from './fixtures.js';

const TIMEOUTS = { connectTimeoutMs: 3000, dataTimeoutMs: 2000 };
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function fake(script: Parameters<typeof startFake>[0]): Promise<FakeServer> {
  const server = await startFake(script);
  cleanups.push(() => server.close());
  return server;
}

async function reference(options: Partial<Parameters<typeof startServer>[0]>): Promise<RunningServer> {
  const server = await startServer({ host: '127.0.0.1', port: 0, anonymous: true, log: 'none', ...options }, realNetwork);
  cleanups.push(() => server.close());
  return server;
}

/** A stand-in web server: says nothing first, answers any bytes with an HTTP error (as nginx does). */
async function webServer(): Promise<number> {
  const server = net.createServer((socket) => {
    socket.on('error', () => {});
    socket.once('data', () => socket.end('HTTP/1.1 400 Bad Request\r\nServer: nginx\r\nContent-Length: 0\r\n\r\n'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => server.close(() => resolve())));
  return (server.address() as net.AddressInfo).port;
}

describe('readPeer', () => {
  it.each([
    ['SSH-2.0-OpenSSH_9.2p1 Debian-2\\r\\n', 'ssh'],
    ['HTTP/1.1 400 Bad Request\\r\\n', 'http'],
    ['\\x15\\x03\\x03\\x00\\x02\\x02\\x46', 'tls'],
    ['\\x16\\x03\\x01\\x00\\x5a', 'tls'],
    ['220 (vsFTPd 3.0.5)\\r\\n', 'ftp'],
    ['+OK Dovecot ready.\\r\\n', 'mail'],
    ['hello\\r\\n', 'unknown'],
  ])('%s → %s', (received, kind) => {
    expect(readPeer(received).kind).toBe(kind);
  });
});

describe('something that is not FTP on the control port', () => {
  it('an SSH banner is CONTROL_GREETING_FAILED naming SSH, not an unexplained failure', async () => {
    const server = await fake(async (connection) => {
      connection.send('SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n');
      await connection.command(5000).catch(() => undefined);
    });
    const run = await runProbe({ url: `ftp://127.0.0.1:${server.port}/`, ...TIMEOUTS }, realNetwork);
    expect(codes(run.report.findings)).toEqual(['CONTROL_GREETING_FAILED']);
    const finding = find(run.report.findings, 'CONTROL_GREETING_FAILED');
    expect(finding.title).toMatch(/SSH server/);
    expect(finding.title).toContain('SSH-2.0-OpenSSH_9.2p1');
    expect(finding.remedies.map((remedy) => remedy.text).join(' ')).toMatch(/SFTP/);
  });

  it('a web server that only answers when spoken to is named from its HTTP reply', async () => {
    const port = await webServer();
    const run = await runProbe({ url: `ftp://127.0.0.1:${port}/`, connectTimeoutMs: 800, dataTimeoutMs: 800 }, realNetwork);
    const finding = find(run.report.findings, 'CONTROL_GREETING_FAILED');
    expect(finding.title).toMatch(/web server \(HTTP\)/);
    expect(finding.title).toContain('HTTP/1.1 400 Bad Request');
    expect(codes(run.report.findings)).not.toContain('UNEXPLAINED_FAILURE');
  });
});

describe('a TLS mode that does not match the port', () => {
  it('ftps:// against an explicit-TLS server: the plain 220 inside the handshake says use ftpes://', async () => {
    const server = await reference({ tls: 'explicit' });
    const run = await runProbe({ url: `ftps://127.0.0.1:${server.port}/`, ...TIMEOUTS }, realNetwork);
    expect(codes(run.report.findings)).toEqual(['TLS_MODE_MISMATCH']);
    const finding = find(run.report.findings, 'TLS_MODE_MISMATCH');
    expect(finding.title).toMatch(/use ftpes:\/\//);
    expect(finding.title).toContain('220 ftp-doctor reference server ready.');
    expect(finding.remedies[0]?.commands).toContain(`ftp-doctor probe ftpes://127.0.0.1:${server.port}/`);
    expect(`${finding.title} ${finding.explanation}`).not.toMatch(/try implicit TLS/);
    expect(finding.evidence.join('\n')).toContain('* TLS handshake: failed (ERR_SSL_WRONG_VERSION_NUMBER)');
    expect(run.report.steps.find((step) => step.id === 'auth-tls')?.detail).toBe('"220 ftp-doctor reference server ready." arrived in clear text during the TLS handshake: not an implicit-TLS port (use ftpes://)');
  });

  it('ftpes:// against an implicit-TLS server: silence, then a completed handshake, says use ftps://', async () => {
    const server = await reference({ tls: 'implicit' });
    const run = await runProbe({ url: `ftpes://127.0.0.1:${server.port}/`, connectTimeoutMs: 1000, dataTimeoutMs: 1000 }, realNetwork);
    expect(codes(run.report.findings)).toEqual(['TLS_MODE_MISMATCH']);
    const finding = find(run.report.findings, 'TLS_MODE_MISMATCH');
    expect(finding.title).toMatch(/use ftps:\/\//);
    expect(finding.explanation).toContain('greeted inside TLS ("220 ftp-doctor reference server ready.")');
    expect(run.report.steps.find((step) => step.id === 'greeting')?.detail).toMatch(/completed a TLS handshake: implicit TLS \(use ftps:\/\/\)$/);
  });

  it('ftp:// against an implicit-TLS server says the same', async () => {
    const server = await reference({ tls: 'implicit' });
    const run = await runProbe({ url: `ftp://127.0.0.1:${server.port}/`, connectTimeoutMs: 1000, dataTimeoutMs: 1000 }, realNetwork);
    expect(find(run.report.findings, 'TLS_MODE_MISMATCH').title).toMatch(/use ftps:\/\/, not ftp:\/\//);
  });
});

describe('a host name that does not resolve', () => {
  it('is CONTROL_RESOLVE_FAILED with DNS remedies, not CONTROL_UNREACHABLE (injected resolver)', async () => {
    const resolve = async (host: string): Promise<string> => {
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    };
    const run = await runProbe({ url: 'ftp://ftp.example.invalid/', resolve, ...TIMEOUTS }, realNetwork);
    expect(codes(run.report.findings)).toEqual(['CONTROL_RESOLVE_FAILED']);
    const finding = find(run.report.findings, 'CONTROL_RESOLVE_FAILED');
    expect(finding.title).toBe('The host name ftp.example.invalid does not resolve: no such name in DNS');
    expect(finding.remedies.flatMap((remedy) => remedy.commands ?? [])).toContain('getent hosts ftp.example.invalid');
    expect(JSON.stringify(finding.remedies)).not.toMatch(/open|port 21/i);
  });

  it('a name under .invalid through the system resolver (RFC 6761: never resolves)', async () => {
    const run = await runProbe({ url: 'ftp://no-such-host.invalid/', ...TIMEOUTS }, realNetwork);
    expect(codes(run.report.findings)).toEqual(['CONTROL_RESOLVE_FAILED']);
  });

  it('a resolver that never answers is bounded by the connect timeout', async () => {
    const resolve = (): Promise<string> => new Promise(() => {});
    const run = await runProbe({ url: 'ftp://slow.example.invalid/', resolve, connectTimeoutMs: 300, dataTimeoutMs: 300 }, realNetwork);
    expect(find(run.report.findings, 'CONTROL_RESOLVE_FAILED').title).toMatch(/could not be resolved/);
  });
});

describe('a named user without a password', () => {
  it('says "no password given (FTP_PASSWORD)" and sends nothing', async () => {
    let connections = 0;
    const server = await fake(async (connection) => {
      connections += 1;
      connection.send('220 hello\r\n');
      await connection.command(2000).catch(() => undefined);
    });
    const run = await runProbe({ url: `ftp://deploy@127.0.0.1:${server.port}/`, ...TIMEOUTS }, realNetwork);
    expect(codes(run.report.findings)).toEqual(['LOGIN_PASSWORD_MISSING']);
    expect(find(run.report.findings, 'LOGIN_PASSWORD_MISSING').title).toContain('No password given for deploy (FTP_PASSWORD)');
    expect(connections).toBe(0);
    expect(run.report.connections).toHaveLength(0);
  });

  it('anonymous needs none, and an explicitly empty password is sent', async () => {
    const server = await reference({ users: [{ name: 'deploy', password: 'secret' }] });
    const anonymous = await runProbe({ url: `ftp://127.0.0.1:${server.port}/`, ...TIMEOUTS }, realNetwork);
    expect(codes(anonymous.report.findings)).not.toContain('LOGIN_PASSWORD_MISSING');
    const empty = await runProbe({ url: `ftp://deploy@127.0.0.1:${server.port}/`, password: '', ...TIMEOUTS }, realNetwork);
    expect(codes(empty.report.findings)).toContain('LOGIN_FAILED');
  });
});

describe('--samples against the reference server', () => {
  it('the report and the step say what was asked and what came back', async () => {
    const server = await reference({});
    const run = await runProbe({ url: `ftp://127.0.0.1:${server.port}/`, samples: 3, ...TIMEOUTS }, realNetwork);
    expect(run.report.samples).toMatchObject({ asked: 3, modes: ['epsv', 'pasv'], replies: 6 });
    const step = run.report.steps.find((candidate) => candidate.id === 'sample');
    expect(step?.name).toBe('Passive port samples (--samples 3: 3 × EPSV and PASV)');
    expect(step?.detail).toMatch(/^6 of 6 replies asked \(3 × EPSV and PASV\)/);
    // 6 from the samples and one from each data session.
    expect(run.report.passivePorts).toHaveLength(8);
  });
});
