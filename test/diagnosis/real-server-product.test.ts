/**
 * The server that answered, named from what real servers say (Debian's vsftpd, Pure-FTPd 1.0.50
 * and pyftpdlib 1.5.7 on 127.0.0.1, started by the launchers the peer tests use), and the
 * remedies then shown: that server's plus the network ones. Pure-FTPd without TLS answers AUTH
 * TLS with its own words, which must be named as Pure-FTPd's, not blamed on a firewall. Every dial
 * is guarded to loopback; each server skips with its reason when it is missing.
 */
import { describe, expect, it } from 'vitest';
import { loopbackFreeRange } from '../../src/netns/peer-launch.js';
import { pureftpdMissingReason, startPureftpd } from '../../src/netns/pureftpd.js';
import { pyftpdlibMissingReason, startPyftpdlib } from '../../src/netns/pyftpdlib.js';
import { startVsftpd, vsftpdMissingReason } from '../../src/netns/vsftpd.js';
import type { ProbeReport } from '../../src/report/model.js';
import { shownRemedies } from '../../src/report/remedies-shown.js';
import { renderFindingsText } from '../../src/report/table.js';
import { probePeer, withPeer } from '../peers/probe-checks.js';
import { freePort } from '../probe/free-port.js';
import { findingOf } from '../probe/real-peer.js';

const vsftpdMissing = vsftpdMissingReason();
const pureMissing = pureftpdMissingReason();
const pyMissing = pyftpdlibMissingReason();
const skipText = (reason: string | null): string => (reason ? ` (skipped: ${reason})` : '');

/** A range the server does not use, so the probe reports PASV_PORT_OUT_OF_RANGE with range remedies. */
const ELSEWHERE = { from: 10_000, to: 10_010 };

function expectOnlyProduct(report: ProbeReport, product: string, code: string): void {
  expect(report.server?.product).toBe(product);
  const finding = findingOf(report, code);
  const shown = new Set(shownRemedies(finding).map((remedy) => remedy.product));
  expect(shown.has(product)).toBe(true);
  for (const other of ['IIS', 'vsftpd', 'ProFTPD', 'Pure-FTPd', 'FileZilla Server', 'pyftpdlib', 'ftp-doctor serve'].filter((name) => name !== product)) {
    expect(shown.has(other), other).toBe(false);
  }
  // The report keeps every remedy; the terminal names what it left out.
  expect(finding.remedies.length).toBeGreaterThan(shown.size);
  expect(renderFindingsText([finding], (text) => text, 80)).toContain('--all-remedies');
}

describe.skipIf(vsftpdMissing !== null)(`the server that answered: vsftpd${skipText(vsftpdMissing)}`, () => {
  it('is named from its greeting; its passive-range remedy shows, IIS\'s does not', async () => {
    const range = await loopbackFreeRange(6);
    const peer = await startVsftpd({ settings: { port: await freePort(), pasvRange: `${range.from}-${range.to}` } });
    if (!peer) throw new Error('vsftpd did not start');
    try {
      const run = await probePeer(peer as never, { anonymous: true, modes: ['pasv', 'epsv'], expectRange: ELSEWHERE, samples: 3 });
      expectOnlyProduct(run.report, 'vsftpd', 'PASV_PORT_OUT_OF_RANGE');
      expect(run.report.server?.clue).toMatch(/vsFTPd/);
      expect(run.report.samples).toMatchObject({ asked: 3, modes: ['pasv', 'epsv'], replies: 6 });
    } finally {
      await peer.stop();
    }
  });
});

describe.skipIf(pureMissing !== null)(`the server that answered: Pure-FTPd${skipText(pureMissing)}`, () => {
  it('is named from its greeting; its range remedy shows, the others do not', async () => {
    const passivePorts = await loopbackFreeRange(20);
    await withPeer('Pure-FTPd', () => startPureftpd({ settings: { passivePorts } }), async (peer) => {
      const run = await probePeer(peer, { modes: ['pasv', 'epsv'], expectRange: ELSEWHERE });
      expectOnlyProduct(run.report, 'Pure-FTPd', 'PASV_PORT_OUT_OF_RANGE');
    });
  });

  it('ftpes:// to a Pure-FTPd without TLS: "500 This security scheme is not implemented" is named as Pure-FTPd\'s, with its --tls remedy', async () => {
    const passivePorts = await loopbackFreeRange(20);
    await withPeer('Pure-FTPd', () => startPureftpd({ settings: { passivePorts } }), async (peer) => {
      const run = await probePeer(peer, { scheme: 'ftpes', modes: ['pasv'], plainTwin: false });
      const finding = findingOf(run.report, 'TLS_NEGOTIATION_BLOCKED');
      expect(run.evidence.authTls?.reply?.message).toMatch(/security scheme is not implemented/i);
      expect(finding.title).toMatch(/Pure-FTPd running without TLS/);
      expect(shownRemedies(finding).find((remedy) => remedy.product === 'Pure-FTPd')?.commands?.join(' ')).toMatch(/--tls=1/);
      expect(run.report.server?.product).toBe('Pure-FTPd');
    });
  });
});

describe.skipIf(pyMissing !== null)(`the server that answered: pyftpdlib${skipText(pyMissing)}`, () => {
  it('is named from its greeting; its passive_ports remedy shows, the others do not', async () => {
    const passivePorts = await loopbackFreeRange(10);
    await withPeer('pyftpdlib', () => startPyftpdlib({ settings: { passivePorts } }), async (peer) => {
      const run = await probePeer(peer, { modes: ['pasv', 'epsv'], expectRange: ELSEWHERE });
      expectOnlyProduct(run.report, 'pyftpdlib', 'PASV_PORT_OUT_OF_RANGE');
      const pyftpdlib = shownRemedies(findingOf(run.report, 'PASV_PORT_OUT_OF_RANGE')).find((remedy) => remedy.product === 'pyftpdlib');
      expect(pyftpdlib?.commands?.join(' ')).toMatch(/passive_ports = range\(/);
    });
  });
});
