/**
 * The probe against a real ProFTPD 1.3.8 (Debian, mod_tls) on 127.0.0.1: healthy plain and TLS,
 * TLS session reuse (required by ProFTPD's default), CCC, PassivePorts and MasqueradeAddress.
 * Every dial goes through a guard that records it and refuses anything outside 127.0.0.0/8
 * before a socket exists, so the masquerade address is never dialled.
 */
import { describe, expect, it } from 'vitest';
import net from 'node:net';
import { probe, type ProbeRun } from '../../src/probe/engine.js';
import type { ProbeOptions } from '../../src/probe/options.js';
import { proftpdConfig, proftpdMissingReason, proftpdTlsMissingReason, startProftpd, type ProftpdPeer, type ProftpdSettings } from '../../src/netns/proftpd.js';
import { expectOtherConfiguredRange, findingCodes as codes, findingOf as finding, loopbackOnly } from './real-peer.js';

const missing = proftpdMissingReason();
const tlsMissing = missing ?? proftpdTlsMissingReason();
const skipText = missing ? ` (skipped: ${missing})` : '';
const tlsSkipText = tlsMissing ? ` (skipped: ${tlsMissing})` : '';

async function withProftpd<T>(settings: ProftpdSettings, body: (peer: ProftpdPeer) => Promise<T>): Promise<T> {
  const peer = await startProftpd({ settings });
  if (!peer) throw new Error('ProFTPD did not start');
  try {
    return await body(peer);
  } catch (error) {
    // The server's side of a failure (mod_tls refusals, CCC) is in its logs: show them.
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n--- ProFTPD output ---\n${peer.output().slice(-6000)}`, { cause: error });
  } finally {
    await peer.stop();
  }
}

async function probeProftpd(peer: ProftpdPeer, options: Omit<ProbeOptions, 'url'> & { scheme?: string }): Promise<ProbeRun & { dialled: string[] }> {
  const { scheme = 'ftp', ...rest } = options;
  const { network, dialled } = loopbackOnly();
  const run = await probe({ url: `${scheme}://127.0.0.1:${peer.port}/`, connectTimeoutMs: 5000, dataTimeoutMs: 2000, ...rest }, network);
  return { ...run, dialled };
}

const ALL = ['epsv', 'pasv', 'port', 'eprt'] as const;

describe.skipIf(missing !== null)(`probe against a real ProFTPD: plain${skipText}`, () => {
  it('healthy anonymous, all four modes: every attempt complete, active connections come back, pass, no findings', async () => {
    await withProftpd({}, async (peer) => {
      const run = await probeProftpd(peer, { modes: [...ALL] });
      expect(run.evidence.referenceServer).toBe(false);
      expect(run.evidence.greeting).toMatchObject({ code: 220 });
      expect(run.evidence.attempts.map((attempt) => [attempt.mode, attempt.transfer.outcome, attempt.finalReply?.code])).toEqual([
        ['epsv', 'complete', 226],
        ['pasv', 'complete', 226],
        ['port', 'complete', 226],
        ['eprt', 'complete', 226],
      ]);
      for (const attempt of run.evidence.attempts.filter((item) => item.mode === 'port' || item.mode === 'eprt')) {
        expect(attempt.inbound).toMatchObject({ arrived: true, from: { host: '127.0.0.1' } });
      }
      expect(run.report.findings).toEqual([]);
      expect(run.report.verdict).toBe('pass');
      expect(run.dialled.every((host) => host === '127.0.0.1')).toBe(true);
    });
  });

  it('PassivePorts 32200-32209 against --expect-range 50000-50010 with samples: PASV_PORT_OUT_OF_RANGE, read as another configured range', async () => {
    const serverRange = { from: 32200, to: 32209 };
    await withProftpd({ passivePorts: serverRange }, async (peer) => {
      const run = await probeProftpd(peer, { modes: ['pasv', 'epsv'], expectRange: { from: 50000, to: 50010 }, samples: 6 });
      expectOtherConfiguredRange(run, serverRange, 6);
      expect(run.evidence.attempts.map((attempt) => attempt.transfer.outcome)).toEqual(['complete', 'complete']);
      expect(run.report.verdict).toBe('pass');
    });
  });

  it('MasqueradeAddress 203.0.113.60: the 227 advertises it, the probe dials the control peer only, PASV_ADDRESS_HIDDEN_BY_CLIENT (info), pass', async () => {
    await withProftpd({ masqueradeAddress: '203.0.113.60' }, async (peer) => {
      const run = await probeProftpd(peer, { modes: ['pasv', 'epsv'] });
      const pasv = run.evidence.attempts.find((attempt) => attempt.mode === 'pasv');
      expect(pasv?.advertised?.host).toBe('203.0.113.60');
      expect(pasv?.dialed?.host).toBe('127.0.0.1');
      expect(pasv?.transfer.outcome).toBe('complete');
      expect(run.evidence.attempts.find((attempt) => attempt.mode === 'epsv')?.transfer.outcome).toBe('complete');
      expect(run.dialled.length).toBeGreaterThan(0);
      expect(run.dialled.every((host) => host === '127.0.0.1')).toBe(true);
      const hidden = finding(run.report, 'PASV_ADDRESS_HIDDEN_BY_CLIENT');
      expect(hidden.severity).toBe('info');
      expect(hidden.title).toContain('203.0.113.60');
      // A documentation (public-looking) address reached over loopback may be the NAT's: no mismatch claimed.
      expect(codes(run.report)).not.toContain('PASV_ADDRESS_MISMATCH');
      expect(codes(run.report)).not.toContain('PASV_ADDRESS_PRIVATE');
      expect(run.report.verdict).toBe('pass');
    });
  });
});

describe.skipIf(tlsMissing !== null)(`probe against a real ProFTPD: explicit TLS (mod_tls)${tlsSkipText}`, () => {
  it('TLSOptions NoSessionReuseRequired: all four modes complete over TLS, only the self-signed warning, pass', async () => {
    await withProftpd({ tls: 'explicit', requireSessionReuse: false }, async (peer) => {
      const run = await probeProftpd(peer, { scheme: 'ftpes', modes: [...ALL] });
      expect(run.evidence.attempts.filter((attempt) => attempt.tls).map((attempt) => [attempt.mode, attempt.transfer.outcome])).toEqual([
        ['epsv', 'complete'],
        ['pasv', 'complete'],
        ['port', 'complete'],
        ['eprt', 'complete'],
      ]);
      expect(run.evidence.authTls?.certificate?.verifyError).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
      // TLSRequired on: the plain twin's login is refused, so there are no plain attempts.
      expect(run.evidence.plainLoginAllowed).toBe(false);
      expect(codes(run.report)).toEqual(['TLS_CERTIFICATE_SELF_SIGNED']);
      expect(run.report.verdict).toBe('pass');
    });
  });

  it("ProFTPD's default (reuse required): resumed, pass; without resumption its 425 \"Operation not permitted\" is TLS_SESSION_REUSE_REQUIRED, fail", async () => {
    await withProftpd({ tls: 'explicit' }, async (peer) => {
      const resumed = await probeProftpd(peer, { scheme: 'ftpes', modes: ['pasv', 'port'] });
      expect(resumed.evidence.attempts.filter((attempt) => attempt.tls).map((attempt) => [attempt.mode, attempt.transfer.outcome, attempt.dataTls?.resumed])).toEqual([
        ['pasv', 'complete', true],
        ['port', 'complete', true],
      ]);
      expect(codes(resumed.report)).not.toContain('TLS_SESSION_REUSE_REQUIRED');
      expect(resumed.report.verdict).toBe('pass');

      const fresh = await probeProftpd(peer, { scheme: 'ftpes', modes: ['pasv', 'port'], resumeTlsSession: false });
      expect(fresh.evidence.attempts.filter((attempt) => attempt.tls).map((attempt) => [attempt.mode, attempt.dataTls?.resumed, attempt.finalReply?.code])).toEqual([
        ['pasv', false, 425],
        ['port', false, 425],
      ]);
      const reuse = finding(fresh.report, 'TLS_SESSION_REUSE_REQUIRED');
      expect(reuse.severity).toBe('error');
      expect(reuse.explanation).toContain('started a new session instead of resuming');
      expect(codes(fresh.report)).not.toContain('DATA_CHANNEL_BLOCKED');
      expect(fresh.report.verdict).toBe('fail');
      expect(peer.output()).toContain('NoSessionReuseRequired');
    });
  });

  it('CCC with TLSRequired auth+data: ProFTPD clears the control channel, the listing still completes over resumed TLS, pass', async () => {
    await withProftpd({ tls: 'explicit', tlsRequired: 'auth+data' }, async (peer) => {
      const run = await probeProftpd(peer, { scheme: 'ftpes', modes: [...ALL], ccc: true });
      const overTls = run.evidence.attempts.filter((attempt) => attempt.tls);
      expect(overTls.map((attempt) => [attempt.mode, attempt.transfer.outcome, attempt.dataTls?.resumed])).toEqual([
        ['epsv', 'complete', true],
        ['pasv', 'complete', true],
        ['port', 'complete', true],
        ['eprt', 'complete', true],
      ]);
      const tlsSteps = run.report.steps.filter((step) => step.id.startsWith('data:') && step.tls);
      expect(tlsSteps).toHaveLength(4);
      for (const step of tlsSteps) {
        expect(step.result).toBe('ok');
        expect(step.detail).toMatch(/^CCC accepted \(200 [^)]*\): control channel in clear text, data still TLS; /);
      }
      expect(peer.output()).toContain('received CCC, clearing control channel protection');
      expect(codes(run.report)).toEqual(['TLS_CERTIFICATE_SELF_SIGNED']);
      expect(run.report.verdict).toBe('pass');
    });
  });

  it('CCC with TLSRequired on: ProFTPD refuses it, the probe says so and goes on encrypted, pass', async () => {
    await withProftpd({ tls: 'explicit', tlsRequired: 'on' }, async (peer) => {
      const run = await probeProftpd(peer, { scheme: 'ftpes', modes: ['pasv'], ccc: true });
      const step = run.report.steps.find((item) => item.id.startsWith('data:') && item.tls);
      expect(step?.detail).toMatch(/^CCC refused \(5\d\d [^)]*\): control stays encrypted; /);
      expect(run.evidence.attempts.filter((attempt) => attempt.tls).map((attempt) => attempt.transfer.outcome)).toEqual(['complete']);
      expect(run.report.verdict).toBe('pass');
    });
  });
});

describe.skipIf(missing !== null)(`ProFTPD launcher${skipText}`, () => {
  it('a server that cannot bind its port fails to start with its log, within the start timeout', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      await expect(startProftpd({ port, startTimeoutMs: 3000 })).rejects.toThrow(/ProFTPD did not start on 127\.0\.0\.1:\d+ \(it exited\):[\s\S]*Address already in use/);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});

describe('proftpd.conf for a test server (pure)', () => {
  const paths = { directory: '/tmp/x', root: '/tmp/x/root', certFile: '/tmp/x/cert.pem', keyFile: '/tmp/x/key.pem' };
  const lines = (settings: ProftpdSettings): string[] => proftpdConfig(settings, '127.0.0.1', 2121, paths).split('\n').map((line) => line.trim());

  it('binds only the given address and keeps its state in the temp dir', () => {
    const config = lines({});
    expect(config).toEqual(expect.arrayContaining(['Port 2121', 'DefaultAddress 127.0.0.1', 'SocketBindTight on', 'UseIPv6 off', 'ScoreboardFile /tmp/x/scoreboard', 'UseFtpUsers off', '<Anonymous /tmp/x/root>', 'UserAlias anonymous nobody']));
    expect(config.some((line) => line.startsWith('LoadModule'))).toBe(false);
    expect(config.some((line) => line.startsWith('PassivePorts') || line.startsWith('MasqueradeAddress'))).toBe(false);
  });

  it.each([
    [{ tls: 'explicit' }, ['LoadModule mod_tls.c', 'TLSRequired on'], ['TLSOptions NoSessionReuseRequired']],
    [{ tls: 'explicit', requireSessionReuse: false, tlsRequired: 'auth+data' }, ['TLSRequired auth+data', 'TLSOptions NoSessionReuseRequired'], []],
    [{ passivePorts: { from: 32200, to: 32209 }, masqueradeAddress: '203.0.113.60' }, ['PassivePorts 32200 32209', 'MasqueradeAddress 203.0.113.60'], ['TLSEngine on']],
  ] as [ProftpdSettings, string[], string[]][])('%j', (settings, present, absent) => {
    const config = lines(settings);
    expect(config).toEqual(expect.arrayContaining(present));
    for (const line of absent) expect(config).not.toContain(line);
  });

  it('refuses what would not be one directive', () => {
    expect(() => lines({ masqueradeAddress: '203.0.113.60\nPort 21' })).toThrow(/MasqueradeAddress/);
    expect(() => lines({ passivePorts: { from: 32209, to: 32200 } })).toThrow(/PassivePorts/);
    expect(() => lines({ passivePorts: { from: 0, to: 70000 } })).toThrow(/not a port/);
    expect(() => proftpdConfig({}, 'localhost', 2121, paths)).toThrow(/IPv4/);
    expect(() => proftpdConfig({ tls: 'explicit' }, '127.0.0.1', 2121, { directory: '/tmp/x', root: '/tmp/x/root' })).toThrow(/certificate/);
  });
});
