/**
 * The sweep must not cause what it reports. Its sessions compete with each other for the server's
 * passive ports: against a vsftpd with a 6-port range, 16 sessions each holding a listener exhaust
 * it, and vsftpd answers "500 OOPS: vsf_sysutil_bind" and closes the session. That is back-pressure
 * from the sweep itself, not a broken server: the sweep goes on with fewer sessions, and its
 * verdict is the same at --concurrency 16 as at 1. Ranges sit in a band of their own (test/port-bands.ts):
 * this file fills them to the brim, and a port another file held would read as a refusal.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { realNetwork } from '../../src/net/real.js';
import type { SweepReport } from '../../src/report/model.js';
import { runSweep } from '../../src/sweep/index.js';
import { saysOutOfPorts } from '../../src/sweep/sampling.js';
import { RANDOM_BANDS } from '../port-bands.js';
import { someRange } from './helpers.js';
import { vsftpdMissingReason, vsftpdOrSkip, type VsftpdPeer } from '../peers/vsftpd.js';
import { freePort } from '../probe/free-port.js';

describe('saysOutOfPorts: which refusals of PASV/EPSV mean the server has no port to give', () => {
  it.each([
    [425, "Can't open data connection.", true],
    [425, 'every port of 5500-5505 is in use', true],
    [500, 'OOPS: vsf_sysutil_bind', true],
    [500, 'OOPS: vsf_sysutil_listen', true],
    [500, 'bind() failed: Address already in use', true],
    [421, 'Could not create socket: EADDRINUSE', false],
    [500, 'PASV not understood', false],
    [502, 'Command not implemented', false],
    [500, 'OOPS: priv_sock_get_cmd', false],
    [530, 'Please login with USER and PASS', false],
  ])('%i %s → %s', (code, message, expected) => {
    expect(saysOutOfPorts({ code, message })).toBe(expected);
  });
});

let vsftpd: VsftpdPeer | null = null;
afterEach(async () => {
  await vsftpd?.stop();
  vsftpd = null;
});


/** What a sweep concluded, without what concurrency may change (timing, request counts). */
function conclusion(report: SweepReport): unknown {
  return { verdict: report.verdict, spans: report.spans, findings: report.findings.map((finding) => `${finding.code}/${finding.severity}`) };
}

// Generous deadlines: nothing here is dropped, and a busy machine must not turn a slow listing into a finding.
const PATIENT = { connectTimeoutMs: 10_000, dataTimeoutMs: 5_000 };
const missing = vsftpdMissingReason();

describe.skipIf(missing !== null)(`sweep against a real vsftpd with a 6-port passive range${missing ? ` [skipped: ${missing}]` : ''}`, () => {
  it('16 sessions exhaust it (500 OOPS: vsf_sysutil_bind): the sweep sheds sessions and concludes as it does with 1', async ({ skip }) => {
    const range = someRange(6, RANDOM_BANDS['test/sweep/back-pressure.test.ts']);
    vsftpd = await vsftpdOrSkip(skip, { settings: { port: await freePort(), pasvRange: `${range.from}-${range.to}` } });
    // --range twice the server's: the sweep cannot know the server's range, so 12 sessions ask at once.
    const asked = { from: range.from, to: range.to + 6 };
    const url = `ftp://127.0.0.1:${vsftpd?.port}/`;
    const wide = await runSweep({ url, range: asked, concurrency: 16, ...PATIENT }, realNetwork);
    const single = await runSweep({ url, range: asked, concurrency: 1, ...PATIENT }, realNetwork);
    expect(conclusion(wide)).toEqual(conclusion(single));
    expect(single.verdict).toBe('pass');
    expect(wide.spans).toEqual([{ ...range, state: 'open' }]);
    expect(wide.findings.map((finding) => finding.code)).not.toContain('SWEEP_PASSIVE_FAILED');
    // The exhaustion happened and is said as what it is, in the note on how the sweep was done.
    const how = wide.findings.find((finding) => finding.code === 'SWEEP_EXTENSION_UNAVAILABLE');
    expect(how?.explanation).toMatch(/ran out of passive ports for 12 parallel sessions \((500 OOPS: vsf_sysutil_bind|425 [^)]*)\), so the sweep went on with \d+/);
  }, 120_000);

  it('--range exactly the server range at concurrency 16 and 1: the same verdict and spans', async ({ skip }) => {
    const range = someRange(6, RANDOM_BANDS['test/sweep/back-pressure.test.ts']);
    vsftpd = await vsftpdOrSkip(skip, { settings: { port: await freePort(), pasvRange: `${range.from}-${range.to}` } });
    const url = `ftp://127.0.0.1:${vsftpd?.port}/`;
    const wide = await runSweep({ url, range, concurrency: 16, ...PATIENT }, realNetwork);
    const single = await runSweep({ url, range, concurrency: 1, ...PATIENT }, realNetwork);
    expect(conclusion(wide)).toEqual(conclusion(single));
    expect(wide.verdict).toBe('pass');
    expect(wide.spans).toEqual([{ ...range, state: 'open' }]);
  }, 120_000);
});
