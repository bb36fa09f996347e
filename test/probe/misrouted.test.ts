/**
 * DATA_MISROUTED from a real setup: a port forward that sends the server's passive ports to
 * another host. The control connection reaches our reference server; the data connection reaches
 * a different listener (real sockets on loopback), which answers with a listing of its own. Only
 * the token our server puts on its data connections can tell the two apart.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Network } from '../../src/net/network.js';
import { realNetwork } from '../../src/net/real.js';
import { probe } from '../../src/probe/engine.js';
import { startServer, type RunningServer } from '../../src/server/index.js';

let server: RunningServer | undefined;
let otherHost: net.Server | undefined;

afterEach(async () => {
  await server?.close();
  await new Promise((resolve) => (otherHost ? otherHost.close(resolve) : resolve(undefined)));
  server = undefined;
  otherHost = undefined;
});

/** The "wrong host": accepts anything and sends a plausible listing, as another FTP server might. */
async function startOtherHost(): Promise<number> {
  otherHost = net.createServer((socket) => {
    socket.on('error', () => {});
    socket.end('-rw-r--r-- 1 ftp ftp 12 Jan 01 00:00 somebody-elses-file.txt\r\n');
  });
  await new Promise<void>((resolve) => otherHost!.listen(0, '127.0.0.1', resolve));
  return (otherHost.address() as net.AddressInfo).port;
}

/** A NAT port forward gone wrong: every port but the control port goes to the other host. */
function misforwarding(controlPort: number, otherPort: number): Network {
  return {
    name: 'misforwarding-nat',
    connect: (request) => realNetwork.connect(request.port === controlPort ? request : { ...request, port: otherPort }),
    listen: (request, onConnection) => realNetwork.listen(request, onConnection),
  };
}

describe('a data port forwarded to the wrong host', () => {
  it('is reported as DATA_MISROUTED, proved by the missing token', async () => {
    server = await startServer({ host: '127.0.0.1', port: 0, anonymous: true, log: 'none', limits: { pasvAcceptTimeoutMs: 300 } }, realNetwork);
    const otherPort = await startOtherHost();
    const run = await probe({ url: `ftp://127.0.0.1:${server.port}/`, modes: ['pasv'], connectTimeoutMs: 2000, dataTimeoutMs: 1000 }, misforwarding(server.port, otherPort));
    const attempt = run.evidence.attempts.find((candidate) => candidate.mode === 'pasv');
    expect(attempt?.connect?.outcome).toBe('connected');
    expect(attempt?.token?.matches).toBe(false);
    const codes = run.report.findings.map((finding) => finding.code);
    expect(codes).toContain('DATA_MISROUTED');
    expect(codes).not.toContain('DATA_CHANNEL_BLOCKED');
    expect(run.report.verdict).toBe('fail');
  });

  it('the same forward to the right host passes (the token matches)', async () => {
    server = await startServer({ host: '127.0.0.1', port: 0, anonymous: true, log: 'none' }, realNetwork);
    const run = await probe({ url: `ftp://127.0.0.1:${server.port}/`, modes: ['pasv'], connectTimeoutMs: 2000, dataTimeoutMs: 1000 }, realNetwork);
    expect(run.evidence.attempts[0]?.token?.matches).toBe(true);
    expect(run.report.verdict).toBe('pass');
  });
});
