/**
 * The probe against a real, misconfigured Debian vsftpd (a server nobody here wrote) on 127.0.0.1:
 * each misconfiguration must come out as the finding that names it, with the right severity and
 * verdict. Every dial goes through a guard that records it and refuses anything outside
 * 127.0.0.0/8 before a socket exists, so a wrong address policy shows up as a failed assertion,
 * never as a packet to 10.9.9.9.
 */
import { describe, expect, it } from 'vitest';
import { probe, type ProbeRun } from '../../src/probe/engine.js';
import type { ProbeOptions } from '../../src/probe/options.js';
import { probeCommandMain } from '../../src/cli/probe.js';
import type { ProbeReport } from '../../src/report/model.js';
import type { ServerSettings } from '../../src/topology/model.js';
import { freePort } from './free-port.js';
import { expectOtherConfiguredRange, findingCodes, findingOf, loopbackOnly } from './real-peer.js';
import { startVsftpd, vsftpdMissingReason, withExtraConfig, type VsftpdPeer } from '../peers/vsftpd.js';

const missing = vsftpdMissingReason();

async function withVsftpd<T>(settings: ServerSettings, extraConfig: Record<string, string> | undefined, body: (peer: VsftpdPeer) => Promise<T>): Promise<T> {
  const peer = await startVsftpd({ settings: { port: await freePort(), ...settings }, ...(extraConfig ? { extraConfig } : {}) });
  if (!peer) throw new Error('vsftpd did not start');
  try {
    return await body(peer);
  } finally {
    await peer.stop();
  }
}

/** One probe run through the guard; the dialled hosts come back with it. */
async function probeVsftpd(peer: VsftpdPeer, options: Omit<ProbeOptions, 'url'> & { scheme?: string }): Promise<ProbeRun & { dialled: string[] }> {
  const { scheme = 'ftp', ...rest } = options;
  const { network, dialled } = loopbackOnly();
  const run = await probe({ url: `${scheme}://127.0.0.1:${peer.port}/`, connectTimeoutMs: 5000, dataTimeoutMs: 2000, ...rest }, network);
  return { ...run, dialled };
}

const skipText = missing ? ` (skipped: ${missing})` : '';

describe.skipIf(missing !== null)(`probe against a misconfigured real vsftpd: passive address${skipText}`, () => {
  it('pasv_address=10.9.9.9: PASV_ADDRESS_PRIVATE (warning) and HIDDEN_BY_CLIENT; the probe dials the control peer and passes', async () => {
    await withVsftpd({ externalIp: '10.9.9.9' }, undefined, async (peer) => {
      const run = await probeVsftpd(peer, { modes: ['pasv', 'epsv'] });
      const pasv = run.evidence.attempts.find((attempt) => attempt.mode === 'pasv');
      expect(pasv?.advertised?.host).toBe('10.9.9.9');
      expect(pasv?.dialed?.host).toBe('127.0.0.1');
      expect(pasv?.transfer.outcome).toBe('complete');
      expect(run.dialled.every((host) => host === '127.0.0.1')).toBe(true);
      expect(findingOf(run.report, 'PASV_ADDRESS_PRIVATE')).toMatchObject({ severity: 'warning' });
      expect(findingOf(run.report, 'PASV_ADDRESS_PRIVATE').title).toContain('10.9.9.9');
      expect(findingOf(run.report, 'PASV_ADDRESS_HIDDEN_BY_CLIENT')).toMatchObject({ severity: 'info' });
      expect(findingCodes(run.report)).not.toContain('PASV_ADDRESS_MISMATCH');
      expect(run.report.verdict).toBe('pass');
    });
  });

  it('pasv_address=203.0.113.50: reached over loopback it may be the public address (no MISMATCH); with --expect-address 127.0.0.1 it is PASV_ADDRESS_MISMATCH, fail', async () => {
    await withVsftpd({ externalIp: '203.0.113.50' }, undefined, async (peer) => {
      const unguided = await probeVsftpd(peer, { modes: ['pasv'] });
      expect(unguided.evidence.attempts[0]?.advertised?.host).toBe('203.0.113.50');
      expect(findingCodes(unguided.report)).not.toContain('PASV_ADDRESS_MISMATCH');
      expect(findingCodes(unguided.report)).not.toContain('PASV_ADDRESS_PRIVATE');
      expect(findingOf(unguided.report, 'PASV_ADDRESS_HIDDEN_BY_CLIENT').title).toContain('203.0.113.50');
      expect(unguided.report.verdict).toBe('pass');

      const expected = await probeVsftpd(peer, { modes: ['pasv'], expectAddress: '127.0.0.1' });
      const mismatch = findingOf(expected.report, 'PASV_ADDRESS_MISMATCH');
      expect(mismatch.severity).toBe('error');
      expect(mismatch.title).toContain('203.0.113.50');
      expect(mismatch.explanation).toContain('--expect-address');
      // The transfer itself worked: the error is the address others will dial, not this run's data.
      expect(expected.evidence.attempts[0]?.transfer.outcome).toBe('complete');
      expect(expected.report.verdict).toBe('fail');
      expect([...unguided.dialled, ...expected.dialled].every((host) => host === '127.0.0.1')).toBe(true);
    });
  });

  // --use-advertised-address against 10.9.9.9 or 203.0.113.50 would dial them: not run. 127.0.0.2 is
  // loopback (safe) and still another address than the control peer; vsftpd binds its passive
  // listener to the control connection's local address, so following the 227 is refused.
  it('pasv_address=127.0.0.2 with --use-advertised-address: the dial is refused and PASV_ADDRESS_PRIVATE becomes an error, fail; the default policy passes', async () => {
    await withVsftpd({ externalIp: '127.0.0.2' }, undefined, async (peer) => {
      const following = await probeVsftpd(peer, { modes: ['pasv'], useAdvertisedAddress: true });
      const attempt = following.evidence.attempts[0];
      expect(attempt?.dialed?.host).toBe('127.0.0.2');
      expect(attempt?.connect?.outcome).toBe('refused');
      expect(following.evidence.options.addressPolicy).toBe('advertised');
      const privateAddress = findingOf(following.report, 'PASV_ADDRESS_PRIVATE');
      expect(privateAddress.severity).toBe('error');
      expect(privateAddress.explanation).toContain('followed the 227 reply');
      // The address explains the failed connect: no generic "data channel blocked" beside it.
      expect(findingCodes(following.report)).not.toContain('PASV_ADDRESS_HIDDEN_BY_CLIENT');
      expect(findingCodes(following.report)).not.toContain('DATA_CHANNEL_BLOCKED');
      expect(following.report.verdict).toBe('fail');

      const peerPolicy = await probeVsftpd(peer, { modes: ['pasv'] });
      expect(findingOf(peerPolicy.report, 'PASV_ADDRESS_PRIVATE').severity).toBe('warning');
      expect(findingCodes(peerPolicy.report)).toContain('PASV_ADDRESS_HIDDEN_BY_CLIENT');
      expect(peerPolicy.report.verdict).toBe('pass');
    });
  });
});

describe.skipIf(missing !== null)(`probe against a misconfigured real vsftpd: ports and modes${skipText}`, () => {
  it('pasv_min_port/pasv_max_port 40100-40109 against --expect-range 50000-50010: PASV_PORT_OUT_OF_RANGE, read as another range with samples', async () => {
    const serverRange = { from: 40100, to: 40109 };
    await withVsftpd({ pasvRange: '40100-40109' }, undefined, async (peer) => {
      const sampled = await probeVsftpd(peer, { modes: ['pasv', 'epsv'], expectRange: { from: 50000, to: 50010 }, samples: 6 });
      // Nothing filters loopback: the outside ports got through, so it is a warning that says so.
      expectOtherConfiguredRange(sampled, serverRange, 6);
      expect(sampled.report.verdict).toBe('pass');

      // Two ports alone cannot tell a configured range from the OS's ephemeral one: it says so.
      const unsampled = await probeVsftpd(peer, { modes: ['pasv', 'epsv'], expectRange: { from: 50000, to: 50010 }, samples: 0 });
      const guess = findingOf(unsampled.report, 'PASV_PORT_OUT_OF_RANGE');
      expect(guess.explanation).not.toContain('differs from the one expected');
      expect(guess.explanation).toContain('--samples 20');
    });
  });

  it('port_enable=NO with PORT and EPRT asked: ACTIVE_REJECTED, fail; PASV still works', async () => {
    await withVsftpd({ misbehave: { refusePort: true } }, undefined, async (peer) => {
      const run = await probeVsftpd(peer, { modes: ['pasv', 'port', 'eprt'] });
      const byMode = Object.fromEntries(run.evidence.attempts.map((attempt) => [attempt.mode, attempt]));
      expect(byMode.port?.modeReply?.code).toBe(550);
      expect(byMode.eprt?.modeReply?.code).toBe(550);
      expect(byMode.pasv?.transfer.outcome).toBe('complete');
      const rejected = findingOf(run.report, 'ACTIVE_REJECTED');
      expect(rejected.severity).toBe('error');
      expect(rejected.title).toContain('550');
      expect(findingCodes(run.report)).not.toContain('ACTIVE_INBOUND_BLOCKED');
      expect(run.report.verdict).toBe('fail');
    });
  });
});

describe.skipIf(missing !== null)(`probe against a misconfigured real vsftpd: TLS and login${skipText}`, () => {
  it('require_ssl_reuse=YES: without resumption TLS_SESSION_REUSE_REQUIRED (vsftpd\'s 522), fail; with resumption, pass', async () => {
    await withVsftpd({ tls: 'explicit', requireSessionReuse: true }, undefined, async (peer) => {
      const fresh = await probeVsftpd(peer, { scheme: 'ftpes', modes: ['pasv', 'port'], resumeTlsSession: false });
      const overTls = fresh.evidence.attempts.filter((attempt) => attempt.tls);
      expect(overTls.map((attempt) => [attempt.mode, attempt.dataTls?.resumed, attempt.finalReply?.code])).toEqual([
        ['pasv', false, 522],
        ['port', false, 522],
      ]);
      const reuse = findingOf(fresh.report, 'TLS_SESSION_REUSE_REQUIRED');
      expect(reuse.severity).toBe('error');
      expect(reuse.explanation).toContain("vsftpd's wording");
      // The plain twins worked: the failure is the TLS session, not the network.
      expect(fresh.evidence.attempts.filter((attempt) => !attempt.tls).map((attempt) => attempt.transfer.outcome)).toEqual(['complete', 'complete']);
      expect(findingCodes(fresh.report)).not.toContain('DATA_CHANNEL_BLOCKED');
      expect(fresh.report.verdict).toBe('fail');

      const resumed = await probeVsftpd(peer, { scheme: 'ftpes', modes: ['pasv', 'port'] });
      expect(resumed.evidence.attempts.filter((attempt) => attempt.tls).map((attempt) => [attempt.transfer.outcome, attempt.dataTls?.resumed])).toEqual([
        ['complete', true],
        ['complete', true],
      ]);
      expect(findingCodes(resumed.report)).not.toContain('TLS_SESSION_REUSE_REQUIRED');
      // The self-signed test certificate is the one thing left to say, as a warning.
      expect(resumed.report.findings.filter((item) => item.severity === 'error')).toEqual([]);
      expect(resumed.report.verdict).toBe('pass');
    });
  });

  // A failed login costs ~3 s on vsftpd (PAM's fail delay, then delay_failed_login): the reply
  // timeout (the connect timeout) must outlast it, or the login reads as lost, not refused.
  const loginTimeoutMs = 15_000;

  it('anonymous_enable=NO: the anonymous login is refused with 530, LOGIN_FAILED, fail', async () => {
    await withVsftpd({}, { anonymous_enable: 'NO', local_enable: 'YES' }, async (peer) => {
      const run = await probeVsftpd(peer, { connectTimeoutMs: loginTimeoutMs });
      expect(run.evidence.login?.ok).toBe(false);
      const login = findingOf(run.report, 'LOGIN_FAILED');
      expect(login.severity).toBe('error');
      expect(login.title).toMatch(/refused: 530 Login incorrect/);
      expect(run.evidence.attempts).toEqual([]);
      expect(run.report.verdict).toBe('fail');
    });
  }, 30_000);

  it('a local user with a wrong password, through the CLI: 530, LOGIN_FAILED, exit code 1', async () => {
    await withVsftpd({}, { local_enable: 'YES' }, async (peer) => {
      const { network } = loopbackOnly();
      let report: ProbeReport | undefined;
      const code = await probeCommandMain(
        {
          url: `ftp://nobody@127.0.0.1:${peer.port}/`,
          password: 'not-the-password',
          modes: 'epsv,pasv',
          samples: 0,
          connectTimeout: loginTimeoutMs,
          dataTimeout: 2000,
          useAdvertisedAddress: false,
          strictTls: false,
          ccc: false,
          json: true,
          reportDir: 'none',
        },
        { network, env: {}, emit: async (emitted) => void (report = emitted) },
      );
      expect(code).toBe(1);
      expect(report?.verdict).toBe('fail');
      if (!report) return;
      expect(findingOf(report, 'LOGIN_FAILED').title).toMatch(/refused: 530 Login incorrect/);
      expect(JSON.stringify(report)).not.toContain('not-the-password');
    });
  }, 30_000);
});

describe('extra vsftpd.conf lines (pure)', () => {
  it('replace the generated value of a key and add new keys, one line per key', () => {
    const config = withExtraConfig('listen=YES\nanonymous_enable=YES\nlocal_enable=NO\n', { anonymous_enable: 'NO', delay_failed_login: 0 });
    expect(config).toBe('listen=YES\nlocal_enable=NO\nanonymous_enable=NO\ndelay_failed_login=0\n');
  });

  it('refuse what would not be one setting', () => {
    expect(() => withExtraConfig('listen=YES\n', { 'rsa_cert_file=/x\nlisten': 'NO' })).toThrow(/not a vsftpd.conf setting/);
    expect(() => withExtraConfig('listen=YES\n', { banner_file: 'a\nlisten=NO' })).toThrow(/not a vsftpd.conf setting/);
  });
});
