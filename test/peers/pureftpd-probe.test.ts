/**
 * The probe against a real Pure-FTPd 1.0.50 (Debian, unpacked as .ci/run does) on 127.0.0.1:
 * healthy plain and explicit TLS, a passive range other than --expect-range, TLS required, and a
 * forced passive address. Every dial goes through a guard that refuses anything off 127.0.0.0/8.
 * Pure-FTPd admits half as many clients as its passive range has ports, so ranges here have 20.
 */
import { describe, expect, it } from 'vitest';
import { probe, type ProbeRun } from '../../src/probe/engine.js';
import type { ProbeOptions } from '../../src/probe/options.js';
import { loopbackFreeRange } from '../../src/netns/peer-launch.js';
import { pureftpdArgs, pureftpdMissingReason, startPureftpd, type PureftpdPeer, type PureftpdSettings } from '../../src/netns/pureftpd.js';
import { expectOtherConfiguredRange, findingCodes as codes, findingOf as finding, loopbackOnly } from '../probe/real-peer.js';

const missing = pureftpdMissingReason();
if (missing) console.warn(`Pure-FTPd probe tests skipped: ${missing}`);
const skipText = missing ? ` (skipped: ${missing})` : '';
const ALL = ['epsv', 'pasv', 'port', 'eprt'] as const;
// Generous: a busy 2-core machine must not turn a slow listing into a finding.
const PATIENT = { connectTimeoutMs: 10_000, dataTimeoutMs: 5_000 };

async function withPureftpd<T>(settings: PureftpdSettings, body: (peer: PureftpdPeer) => Promise<T>): Promise<T> {
  const peer = await startPureftpd({ settings: { passivePorts: await loopbackFreeRange(20), ...settings } });
  if (!peer) throw new Error('Pure-FTPd did not start');
  try {
    return await body(peer);
  } catch (error) {
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n--- Pure-FTPd output ---\n${peer.output().slice(-6000)}`, { cause: error });
  } finally {
    await peer.stop();
  }
}

async function probePureftpd(peer: PureftpdPeer, options: Omit<ProbeOptions, 'url'> & { scheme?: string }): Promise<ProbeRun & { dialled: string[] }> {
  const { scheme = 'ftp', ...rest } = options;
  const { network, dialled } = loopbackOnly();
  const run = await probe({ url: `${scheme}://127.0.0.1:${peer.port}/`, user: peer.user.name, password: peer.user.password, ...PATIENT, ...rest }, network);
  return { ...run, dialled };
}

describe.skipIf(missing !== null)(`probe against a real Pure-FTPd${skipText}`, () => {
  it('healthy, all four modes: every attempt complete, active connections come back, pass, no findings', async () => {
    await withPureftpd({}, async (peer) => {
      const run = await probePureftpd(peer, { modes: [...ALL] });
      expect(run.evidence.referenceServer).toBe(false);
      expect(run.evidence.greeting).toMatchObject({ code: 220, message: expect.stringContaining('Pure-FTPd') });
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

  it('a passive range other than --expect-range, with samples: PASV_PORT_OUT_OF_RANGE, read as another configured range', async () => {
    const serverRange = await loopbackFreeRange(20);
    // Disjoint from the server's, inside the ports the probe accepts.
    const expected = serverRange.from > 40_000 ? { from: 10_000, to: 10_010 } : { from: 50_000, to: 50_010 };
    await withPureftpd({ passivePorts: serverRange }, async (peer) => {
      const run = await probePureftpd(peer, { modes: ['pasv', 'epsv'], expectRange: expected, samples: 6 });
      expectOtherConfiguredRange(run, serverRange, 6);
      expect(run.evidence.attempts.map((attempt) => attempt.transfer.outcome)).toEqual(['complete', 'complete']);
      expect(run.report.verdict).toBe('pass');
    });
  });

  it('forced passive address 203.0.113.60 (-P): the 227 advertises it, the probe dials the control peer only, PASV_ADDRESS_HIDDEN_BY_CLIENT (info), pass', async () => {
    await withPureftpd({ forcePassiveIp: '203.0.113.60' }, async (peer) => {
      const run = await probePureftpd(peer, { modes: ['pasv', 'epsv'] });
      const pasv = run.evidence.attempts.find((attempt) => attempt.mode === 'pasv');
      expect(pasv?.advertised?.host).toBe('203.0.113.60');
      expect(pasv?.dialed?.host).toBe('127.0.0.1');
      expect(pasv?.transfer.outcome).toBe('complete');
      expect(run.dialled.every((host) => host === '127.0.0.1')).toBe(true);
      expect(finding(run.report, 'PASV_ADDRESS_HIDDEN_BY_CLIENT').severity).toBe('info');
      expect(run.report.verdict).toBe('pass');
    });
  });
});

describe.skipIf(missing !== null)(`probe against a real Pure-FTPd: explicit TLS${skipText}`, () => {
  it('TLS optional (-Y 1): all four modes complete over TLS, only the self-signed warning, pass', async () => {
    await withPureftpd({ tls: 'optional' }, async (peer) => {
      const run = await probePureftpd(peer, { scheme: 'ftpes', modes: [...ALL] });
      expect(run.evidence.attempts.filter((attempt) => attempt.tls).map((attempt) => [attempt.mode, attempt.transfer.outcome, attempt.finalReply?.code])).toEqual([
        ['epsv', 'complete', 226],
        ['pasv', 'complete', 226],
        ['port', 'complete', 226],
        ['eprt', 'complete', 226],
      ]);
      expect(run.evidence.authTls?.certificate?.verifyError).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
      expect(codes(run.report)).toEqual(['TLS_CERTIFICATE_SELF_SIGNED']);
      expect(run.report.verdict).toBe('pass');
    });
  });

  it('TLS required (-Y 2), plain twin asked for: the data completes over TLS, the plain login is refused, pass', async () => {
    await withPureftpd({ tls: 'required' }, async (peer) => {
      const run = await probePureftpd(peer, { scheme: 'ftpes', modes: ['pasv', 'port'], plainTwin: true });
      expect(run.evidence.attempts.filter((attempt) => attempt.tls).map((attempt) => [attempt.mode, attempt.transfer.outcome])).toEqual([
        ['pasv', 'complete'],
        ['port', 'complete'],
      ]);
      expect(run.evidence.plainLoginAllowed).toBe(false);
      expect(run.report.verdict).toBe('pass');
    });
  });
});

describe('Pure-FTPd command line for a test server (pure)', () => {
  const paths = { passwordDb: '/tmp/x/pureftpd.pdb', transferLog: '/tmp/x/xfer.log', certFile: '/tmp/x/cert.pem', keyFile: '/tmp/x/key.pem' };

  it('binds only the given address, virtual users only, no syslog', () => {
    const args = pureftpdArgs({}, '127.0.0.1', 2121, paths);
    expect(args).toEqual(expect.arrayContaining(['--bind=127.0.0.1,2121', '--login=puredb:/tmp/x/pureftpd.pdb', '--noanonymous', '--chrooteveryone', '--syslogfacility=none']));
    expect(args.some((arg) => arg.startsWith('--tls') || arg.startsWith('--passiveportrange') || arg.startsWith('--forcepassiveip'))).toBe(false);
  });

  it.each([
    [{ tls: 'optional' }, ['--tls=1', '--certfile=/tmp/x/cert.pem,/tmp/x/key.pem']],
    [{ tls: 'required' }, ['--tls=2']],
    [{ passivePorts: { from: 40200, to: 40219 }, forcePassiveIp: '203.0.113.60' }, ['--passiveportrange=40200:40219', '--forcepassiveip=203.0.113.60']],
  ] as [PureftpdSettings, string[]][])('%j', (settings, present) => {
    expect(pureftpdArgs(settings, '127.0.0.1', 2121, paths)).toEqual(expect.arrayContaining(present));
  });

  it.each([
    [{ passivePorts: { from: 40210, to: 40200 } }, /40210 > 40200/],
    [{ passivePorts: { from: 0, to: 10 } }, /not a port: 0/],
    [{ forcePassiveIp: 'example.com' }, /must be IPv4/],
  ] as [PureftpdSettings, RegExp][])('refuses %j', (settings, message) => {
    expect(() => pureftpdArgs(settings, '127.0.0.1', 2121, paths)).toThrow(message);
  });

  it('TLS without a certificate is refused', () => {
    expect(() => pureftpdArgs({ tls: 'optional' }, '127.0.0.1', 2121, { passwordDb: 'x', transferLog: 'y' })).toThrow(/certificate/);
  });
});
