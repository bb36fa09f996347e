import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { realNetwork } from '../../src/net/real.js';
import { probe } from '../../src/probe/engine.js';
import { freePort } from './free-port.js';
import { startVsftpd, vsftpdMissingReason, type VsftpdPeer } from '../peers/vsftpd.js';

const missing = vsftpdMissingReason();

describe.skipIf(missing !== null)(`probe against a real vsftpd${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let plain: VsftpdPeer | null = null;
  let tls: VsftpdPeer | null = null;
  beforeAll(async () => {
    plain = await startVsftpd({ settings: { port: await freePort() } });
    tls = await startVsftpd({ settings: { port: await freePort(), tls: 'explicit' } });
  });
  afterAll(async () => {
    await plain?.stop();
    await tls?.stop();
  });

  it('healthy: all four modes connect and list, active connections come back', async () => {
    const run = await probe({ url: `ftp://127.0.0.1:${plain?.port}/`, modes: ['epsv', 'pasv', 'port', 'eprt'], connectTimeoutMs: 3000, dataTimeoutMs: 2000 }, realNetwork);
    expect(run.evidence.referenceServer).toBe(false);
    expect(run.evidence.attempts.map((attempt) => [attempt.mode, attempt.transfer.outcome])).toEqual([
      ['epsv', 'complete'],
      ['pasv', 'complete'],
      ['port', 'complete'],
      ['eprt', 'complete'],
    ]);
    for (const attempt of run.evidence.attempts.filter((item) => item.mode === 'port' || item.mode === 'eprt')) {
      expect(attempt.inbound).toMatchObject({ arrived: true, from: { host: '127.0.0.1' } });
    }
    expect(run.report.verdict).toBe('pass');
  });

  it('explicit TLS: data connections resume the control session; the plain twin works too', async () => {
    const run = await probe({ url: `ftpes://127.0.0.1:${tls?.port}/`, modes: ['pasv', 'port'], connectTimeoutMs: 3000, dataTimeoutMs: 2000 }, realNetwork);
    const overTls = run.evidence.attempts.filter((attempt) => attempt.tls);
    expect(overTls.map((attempt) => [attempt.mode, attempt.transfer.outcome, attempt.dataTls?.resumed])).toEqual([
      ['pasv', 'complete', true],
      ['port', 'complete', true],
    ]);
    expect(run.evidence.authTls?.certificate?.verifyError).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
    expect(run.evidence.plainLoginAllowed).toBe(true);
  });
});
