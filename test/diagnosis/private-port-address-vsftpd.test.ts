/**
 * A client behind its own NAT in active mode, against a real vsftpd on the real kernel: the
 * catalogue scenario active-client-behind-nat's topology (client 192.168.1.10 masqueraded by the
 * edge, nothing new let back in), vsftpd in the server namespace, the CLI probe in the client's.
 * vsftpd as shipped refuses the foreign PORT address (ACTIVE_REJECTED); with port_promiscuous=YES
 * it accepts it and its connection back never gets through the NAT (ACTIVE_INBOUND_BLOCKED). Both
 * must name the private address sent and send the user to the client side, never to vsftpd's
 * active-mode settings. Needs root, ip, nft and vsftpd; skips saying which is missing.
 */
import { describe, expect, it } from 'vitest';
import { checkNetnsSupport } from '../../src/netns/preflight.js';
import { withNetnsTopology } from '../../src/netns/topology.js';
import type { Finding, ProbeReport } from '../../src/report/model.js';
import { selectScenarios } from '../../src/scenarios/load.js';
import { vsftpdMissingReason, vsftpdOrSkip } from '../peers/vsftpd.js';

const support = await checkNetnsSupport();
const skipReason = support.ok ? vsftpdMissingReason() : support.reason;
const [scenario] = await selectScenarios(['active-client-behind-nat']);
const PRIVATE = '192.168.1.10';
const NOT_THE_SERVER = new Set(['nftables', 'iptables', 'Client', 'Windows Firewall', 'Cloud security group']);

function checkPrivateAddressFinding(finding: Finding | undefined): void {
  expect(finding).toBeDefined();
  expect(finding?.title).toContain(PRIVATE);
  expect(finding?.explanation).toContain(`${PRIVATE}, is private`);
  expect(finding?.evidence.join('\n')).toContain(`address sent: ${PRIVATE} (private)`);
  const remedies = finding?.remedies ?? [];
  expect(remedies.map((remedy) => remedy.product).filter((product) => !NOT_THE_SERVER.has(product))).toEqual([]);
  for (const remedy of remedies) expect(`${remedy.text} ${remedy.commands?.join(' ') ?? ''}`).not.toMatch(/port_enable|port_promiscuous|enable active/i);
}

describe.skipIf(skipReason !== null)(`a private PORT address, real vsftpd, real kernel${skipReason ? ` [skipped: ${skipReason}]` : ''}`, () => {
  for (const promiscuous of [false, true]) {
    const expected = promiscuous ? 'ACTIVE_INBOUND_BLOCKED' : 'ACTIVE_REJECTED';
    it(`port_promiscuous=${promiscuous ? 'YES' : 'NO'}: ${expected} names ${PRIVATE}, client and network remedies only`, async ({ skip }) => {
      await withNetnsTopology(scenario!.topology, async (network) => {
        const peer = await vsftpdOrSkip(skip, { netns: { topology: network }, ...(promiscuous ? { extraConfig: { port_promiscuous: 'YES' } } : {}) });
        try {
          const argv = [process.execPath, '--import', 'tsx', 'src/cli/main.ts', 'probe', `ftp://${network.addresses.server}:${peer.port}/`, '--modes', 'port', '--data-timeout', '3000', '--json'];
          const result = await network.exec('client', argv, { timeoutMs: 90_000, cwd: process.cwd() });
          const report = JSON.parse(result.stdout) as ProbeReport;
          expect(report.server?.product).toBe('vsftpd');
          const codes = report.findings.map((finding) => finding.code);
          expect(codes, result.stdout).toContain(expected);
          checkPrivateAddressFinding(report.findings.find((finding) => finding.code === expected));
        } finally {
          await peer.stop();
        }
      });
    }, 120_000);
  }
});
