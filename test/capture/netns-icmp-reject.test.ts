/**
 * The real kernel's ICMP reject, captured and explained: vsftpd in the server namespace, curl in
 * the client namespace, and on the edge between them an nftables rule `reject with icmpx
 * admin-prohibited` on the passive data ports (the classic firewall that refuses rather than drops).
 * tcpdump at the client captures the data SYN and the edge's ICMP type 3 code 13; `explain` must
 * say that a firewall — the edge, by its address — rejected the data connection as
 * administratively prohibited, and quote the ICMP's frame. Needs root, ip, nft, vsftpd, curl and
 * tcpdump; skipped with the reason otherwise.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runExplain } from '../../src/explain/run.js';
import { checkNetnsSupport } from '../../src/netns/preflight.js';
import { run } from '../../src/netns/process.js';
import { withNetnsTopology } from '../../src/netns/topology.js';
import { vsftpdMissingReason, vsftpdOrSkip } from '../peers/vsftpd.js';
import { curl } from '../netns/kernel-helpers.js';
import { captureSkipReason, startCapture } from './tcpdump.js';

const support = await checkNetnsSupport();
const curlMissing = (await run(['curl', '--version']).catch(() => undefined))?.code === 0 ? null : 'curl is not installed';
const skipReason = (support.ok ? null : support.reason) ?? captureSkipReason ?? vsftpdMissingReason() ?? curlMissing;
const PASV = { from: 30010, to: 30019 };

let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(path.join(os.tmpdir(), 'ftp-doctor-netns-icmp-'));
});
afterAll(async () => {
  if (directory) await rm(directory, { recursive: true, force: true });
});

/** A table of its own on the edge: forwarded SYNs to the passive range are rejected with ICMP admin-prohibited. */
const REJECT_RULESET = `table inet ftp_doctor_icmp_reject {
  chain forward {
    type filter hook forward priority -10; policy accept;
    tcp dport ${PASV.from}-${PASV.to} reject with icmpx admin-prohibited
  }
}
`;

describe.skipIf(skipReason)(`a real nftables 'reject with icmpx admin-prohibited', captured and explained${skipReason ? ` [skipped: ${skipReason}]` : ''}`, () => {
  it('the report names the edge firewall by its address and says administratively prohibited', async ({ skip }) => {
    await withNetnsTopology({}, async (network) => {
      const peer = await vsftpdOrSkip(skip, { netns: { topology: network }, settings: { pasvRange: `${PASV.from}-${PASV.to}` } });
      const loaded = await network.exec('edge', ['nft', '-f', '-'], { input: REJECT_RULESET });
      expect(loaded.code, loaded.stderr).toBe(0);
      const file = path.join(directory, 'icmp-reject-client.pcap');
      const capture = await startCapture(file, 'tcp or icmp', { interfaceName: network.names.interfaces.client, launch: (argv) => network.spawn('client', argv) });
      let result;
      try {
        result = await curl(network, ['--disable-epsv', `ftp://${network.addresses.server}/`]);
      } finally {
        await capture.stop();
      }
      expect(result.code).not.toBe(0);
      const report = await runExplain([file]);
      const finding = report.sessions[0]?.report.findings.find((candidate) => candidate.code === 'DATA_CHANNEL_REFUSED');
      const edge = network.addresses.edgeOutside;
      expect(finding?.title).toMatch(new RegExp(`^Data connections to ${network.addresses.server.replace(/\./g, '\\.')}:300\\d\\d are rejected as administratively prohibited by a firewall \\(${edge.replace(/\./g, '\\.')}\\)$`));
      expect(finding?.explanation).toContain(`was rejected by a firewall at ${edge} as administratively prohibited (ICMP type 3 code 13 "communication administratively prohibited", frame `);
      expect(finding?.evidence.join('\n')).toMatch(new RegExp(`— ICMP type 3 code 13 "communication administratively prohibited" from ${edge.replace(/\./g, '\\.')} at ${file.replace(/[.\\/]/g, '\\$&')} frame \\d+`));
      await peer?.stop();
    });
  }, 90_000);
});
