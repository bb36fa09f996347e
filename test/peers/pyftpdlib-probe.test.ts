/**
 * The probe against a real pyftpdlib 1.5.7 (Debian's python3-pyftpdlib, TLS through
 * python3-openssl) on 127.0.0.1: healthy anonymous and with a user, a passive range other than
 * --expect-range, masquerade_address, explicit TLS optional and required. Every dial goes through
 * a guard that refuses anything off 127.0.0.0/8.
 */
import { describe, expect, it } from 'vitest';
import { loopbackFreeRange } from '../../src/netns/peer-launch.js';
import { pyftpdlibConfig, pyftpdlibMissingReason, pyftpdlibTlsMissingReason, startPyftpdlib, type PyftpdlibPeer, type PyftpdlibSettings } from '../../src/netns/pyftpdlib.js';
import { expectOtherConfiguredRange, findingCodes as codes } from '../probe/real-peer.js';
import { ALL_MODES, disjointRange, expectAdvertisedAddressNotDialled, expectHealthyAllModes, probePeer, withPeer } from './probe-checks.js';

const missing = pyftpdlibMissingReason();
const tlsMissing = missing ?? pyftpdlibTlsMissingReason();
if (missing) console.warn(`pyftpdlib probe tests skipped: ${missing}`);
else if (tlsMissing) console.warn(`pyftpdlib TLS probe tests skipped: ${tlsMissing}`);
const skipText = missing ? ` (skipped: ${missing})` : '';
const tlsSkipText = tlsMissing ? ` (skipped: ${tlsMissing})` : '';

const withPyftpdlib = <T>(settings: PyftpdlibSettings, body: (peer: PyftpdlibPeer) => Promise<T>): Promise<T> => withPeer('pyftpdlib', () => startPyftpdlib({ settings }), body);

describe.skipIf(missing !== null)(`probe against a real pyftpdlib${skipText}`, () => {
  it('healthy, anonymous and with a user, all four modes: every attempt complete, pass, no findings', async () => {
    await withPyftpdlib({}, async (peer) => {
      for (const anonymous of [true, false]) expectHealthyAllModes(await probePeer(peer, { modes: [...ALL_MODES], anonymous }), 'pyftpdlib');
    });
  });

  it('passive_ports other than --expect-range, with samples: PASV_PORT_OUT_OF_RANGE, read as another configured range', async () => {
    const serverRange = await loopbackFreeRange(20);
    await withPyftpdlib({ passivePorts: serverRange }, async (peer) => {
      const run = await probePeer(peer, { modes: ['pasv', 'epsv'], expectRange: disjointRange(serverRange), samples: 6 });
      expectOtherConfiguredRange(run, serverRange, 6);
      expect(run.evidence.attempts.map((attempt) => attempt.transfer.outcome)).toEqual(['complete', 'complete']);
      expect(run.report.verdict).toBe('pass');
    });
  });

  it('masquerade_address 203.0.113.61: the 227 advertises it, the probe dials the control peer only, PASV_ADDRESS_HIDDEN_BY_CLIENT (info), pass', async () => {
    await withPyftpdlib({ masqueradeAddress: '203.0.113.61' }, async (peer) => {
      expectAdvertisedAddressNotDialled(await probePeer(peer, { modes: ['pasv', 'epsv'] }), '203.0.113.61');
    });
  });
});

describe.skipIf(tlsMissing !== null)(`probe against a real pyftpdlib: explicit TLS (TLS_FTPHandler)${tlsSkipText}`, () => {
  it('TLS optional: all four modes complete over TLS, the data sessions resumed, only the self-signed warning, pass', async () => {
    await withPyftpdlib({ tls: 'optional' }, async (peer) => {
      const run = await probePeer(peer, { scheme: 'ftpes', modes: [...ALL_MODES] });
      expect(run.evidence.attempts.filter((attempt) => attempt.tls).map((attempt) => [attempt.mode, attempt.transfer.outcome, attempt.finalReply?.code, attempt.dataTls?.resumed])).toEqual(
        ALL_MODES.map((mode) => [mode, 'complete', 226, true]),
      );
      expect(run.evidence.authTls?.certificate?.verifyError).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
      expect(codes(run.report)).toEqual(['TLS_CERTIFICATE_SELF_SIGNED']);
      expect(run.report.verdict).toBe('pass');
    });
  });

  it('TLS required (tls_control_required, tls_data_required), anonymous plain twin: TLS completes, the plain login is refused, pass', async () => {
    await withPyftpdlib({ tls: 'required' }, async (peer) => {
      const run = await probePeer(peer, { scheme: 'ftpes', modes: ['pasv', 'port'], anonymous: true });
      expect(run.evidence.attempts.filter((attempt) => attempt.tls).map((attempt) => [attempt.mode, attempt.transfer.outcome])).toEqual([
        ['pasv', 'complete'],
        ['port', 'complete'],
      ]);
      expect(run.evidence.plainLoginAllowed).toBe(false);
      expect(run.report.verdict).toBe('pass');
    });
  });
});

describe('pyftpdlib script config (pure)', () => {
  const user = { name: 'probe', password: 'pw' };
  it('carries the settings, loopback only', () => {
    expect(pyftpdlibConfig({ passivePorts: { from: 40200, to: 40219 }, masqueradeAddress: '203.0.113.61' }, { root: '/r' }, user)).toEqual({
      host: '127.0.0.1',
      root: '/r',
      tls: 'none',
      user: 'probe',
      password: 'pw',
      passivePorts: { from: 40200, to: 40219 },
      masqueradeAddress: '203.0.113.61',
    });
  });

  it.each([
    [{ tls: 'optional' }, /certificate/],
    [{ passivePorts: { from: 40210, to: 40200 } }, /not a range/],
    [{ masqueradeAddress: 'nat.example' }, /must be IPv4/],
  ] as [PyftpdlibSettings, RegExp][])('refuses %j', (settings, message) => {
    expect(() => pyftpdlibConfig(settings, { root: '/r' }, user)).toThrow(message);
  });
});
