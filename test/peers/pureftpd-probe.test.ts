/**
 * The probe against a real Pure-FTPd 1.0.50 (Debian, unpacked as .ci/run does) on 127.0.0.1:
 * healthy plain and explicit TLS, a passive range other than --expect-range, TLS required, and a
 * forced passive address. Every dial goes through a guard that refuses anything off 127.0.0.0/8.
 * Pure-FTPd admits half as many clients as its passive range has ports, so ranges here have 20.
 */
import { describe, expect, it } from 'vitest';
import { loopbackFreeRange } from '../../src/netns/peer-launch.js';
import { pureftpdArgs, pureftpdMissingReason, startPureftpd, type PureftpdPeer, type PureftpdSettings } from '../../src/netns/pureftpd.js';
import { expectOtherConfiguredRange, findingCodes as codes } from '../probe/real-peer.js';
import { ALL_MODES, disjointRange, expectAdvertisedAddressNotDialled, expectHealthyAllModes, probePeer, withPeer } from './probe-checks.js';

const missing = pureftpdMissingReason();
if (missing) console.warn(`Pure-FTPd probe tests skipped: ${missing}`);
const skipText = missing ? ` (skipped: ${missing})` : '';

/** Pure-FTPd with a 20-port passive range unless the settings name one. */
async function withPureftpd<T>(settings: PureftpdSettings, body: (peer: PureftpdPeer) => Promise<T>): Promise<T> {
  const passivePorts = settings.passivePorts ?? (await loopbackFreeRange(20));
  return withPeer('Pure-FTPd', () => startPureftpd({ settings: { ...settings, passivePorts } }), body);
}

describe.skipIf(missing !== null)(`probe against a real Pure-FTPd${skipText}`, () => {
  it('healthy, all four modes: every attempt complete, active connections come back, pass, no findings', async () => {
    await withPureftpd({}, async (peer) => expectHealthyAllModes(await probePeer(peer, { modes: [...ALL_MODES] }), 'Pure-FTPd'));
  });

  it('a passive range other than --expect-range, with samples: PASV_PORT_OUT_OF_RANGE, read as another configured range', async () => {
    const serverRange = await loopbackFreeRange(20);
    await withPureftpd({ passivePorts: serverRange }, async (peer) => {
      const run = await probePeer(peer, { modes: ['pasv', 'epsv'], expectRange: disjointRange(serverRange), samples: 6 });
      expectOtherConfiguredRange(run, serverRange, 6);
      expect(run.evidence.attempts.map((attempt) => attempt.transfer.outcome)).toEqual(['complete', 'complete']);
      expect(run.report.verdict).toBe('pass');
    });
  });

  it('forced passive address 203.0.113.60 (-P): the 227 advertises it, the probe dials the control peer only, PASV_ADDRESS_HIDDEN_BY_CLIENT (info), pass', async () => {
    await withPureftpd({ forcePassiveIp: '203.0.113.60' }, async (peer) => {
      expectAdvertisedAddressNotDialled(await probePeer(peer, { modes: ['pasv', 'epsv'] }), '203.0.113.60');
    });
  });
});

describe.skipIf(missing !== null)(`probe against a real Pure-FTPd: explicit TLS${skipText}`, () => {
  it('TLS optional (-Y 1): all four modes complete over TLS, only the self-signed warning, pass', async () => {
    await withPureftpd({ tls: 'optional' }, async (peer) => {
      const run = await probePeer(peer, { scheme: 'ftpes', modes: [...ALL_MODES] });
      expect(run.evidence.attempts.filter((attempt) => attempt.tls).map((attempt) => [attempt.mode, attempt.transfer.outcome, attempt.finalReply?.code])).toEqual(
        ALL_MODES.map((mode) => [mode, 'complete', 226]),
      );
      expect(run.evidence.authTls?.certificate?.verifyError).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
      expect(codes(run.report)).toEqual(['TLS_CERTIFICATE_SELF_SIGNED']);
      expect(run.report.verdict).toBe('pass');
    });
  });

  it('TLS required (-Y 2), plain twin asked for: the data completes over TLS, the plain login is refused, pass', async () => {
    await withPureftpd({ tls: 'required' }, async (peer) => {
      const run = await probePeer(peer, { scheme: 'ftpes', modes: ['pasv', 'port'], plainTwin: true });
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
