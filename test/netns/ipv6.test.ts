/**
 * Dual stack on the netns backend: the generated rulesets (pure), then the real kernel: IPv6
 * addresses and routes in the namespaces, an IPv4-only rule that leaves IPv6 to the policy, and
 * the kernel counters and attribution naming the rule for an IPv6 connection.
 * The kernel part needs root, ip and nft; it is skipped with the reason otherwise.
 */
import { describe, expect, it } from 'vitest';
import { resolveAddresses } from '../../src/netns/addresses.js';
import { blameConnection } from '../../src/netns/attribution.js';
import { checkNetnsSupport } from '../../src/netns/preflight.js';
import { buildRuleset } from '../../src/netns/ruleset.js';
import { vsftpdConfig } from '../../src/netns/vsftpd-config.js';
import { withNetnsTopology, type NetnsTopology } from '../../src/netns/topology.js';
import type { Firewall, Topology } from '../../src/topology/model.js';
import { startTcpServer, tcpOutcome } from './kernel-helpers.js';

const support = await checkNetnsSupport();
const noNetns = support.ok ? null : support.reason;

const NAMES = { edgeOutside: 'outside0', edgeInside: 'inside0' };
const CLIENT6 = '2001:db8:1::10';
const SERVER6 = '2001:db8:2::5';

const edge: Firewall = {
  name: 'edge firewall',
  at: 'edge',
  policy: 'drop',
  rules: [
    { comment: 'control', direction: 'in', dport: 8021, action: 'accept' },
    { comment: 'data, IPv4 only', direction: 'in', family: 4, dport: 8022, action: 'accept' },
    { comment: 'reject v6 net', direction: 'in', src: '2001:db8:1::/48', dport: 8023, action: 'reject' },
    { comment: 'replies', state: ['established'], action: 'accept' },
  ],
};
const dualStack: Topology = { server: { address6: SERVER6 }, firewalls: [edge], nat: { masquerade: true } };

describe('dual-stack rulesets', () => {
  it('resolves IPv6 addresses with defaults only for a dual-stack topology', () => {
    expect(resolveAddresses({}).v6).toBeUndefined();
    expect(resolveAddresses(dualStack).v6).toEqual({ client: CLIENT6, edgeOutside: '2001:db8:1::1', edgeInside: '2001:db8:2::1', server: SERVER6 });
  });

  it('writes family as meta nfproto, IPv6 CIDRs with ip6, accepts ICMPv6 and keeps NAT to IPv4', () => {
    const script = buildRuleset(dualStack, NAMES).edge;
    expect(script).toContain('meta nfproto ipv4 meta l4proto tcp tcp dport 8022 counter accept');
    expect(script).toContain('ip6 saddr 2001:db8:1::/48 tcp dport 8023 counter reject with tcp reset');
    expect(script).toContain('meta l4proto ipv6-icmp counter accept');
    expect(script).toMatch(/meta nfproto ipv4 iifname "outside0" oifname "inside0" counter masquerade/);
  });

  it('declares the FTP helper for both families on a dual-stack topology, for IPv4 only otherwise', () => {
    const helper = (topology: Topology) => buildRuleset({ ...topology, firewalls: [{ ...edge, ftpHelper: {} }] }, NAMES).edge;
    expect(helper(dualStack)).toContain('l3proto inet');
    expect(helper({})).toContain('l3proto ip\n');
    expect(helper({})).not.toContain('ipv6-icmp');
  });

  it('vsftpd on a dual-stack server host listens on an IPv6 socket (which takes IPv4 too)', () => {
    const paths = { root: '/srv/ftp', emptyDir: '/var/empty' };
    const dual = vsftpdConfig({}, '::', paths).config;
    expect(dual).toMatch(/^listen=NO$/m);
    expect(dual).toMatch(/^listen_ipv6=YES$/m);
    expect(dual).not.toMatch(/^listen_address/m);
    expect(vsftpdConfig({}, SERVER6, paths).config).toMatch(new RegExp(`^listen_address6=${SERVER6}$`, 'm'));
    expect(vsftpdConfig({}, '10.0.0.5', paths).config).toMatch(/^listen=YES$[\s\S]*^listen_address=10\.0\.0\.5$/m);
  });

  it('attribution follows an IPv6 connection: the IPv4-only rule does not match it, the policy does', () => {
    const counters = [
      { scope: 'edge', kind: 'rule:2', text: 'edge firewall: data, IPv4 only', packets: 1, bytes: 60 },
      { scope: 'edge', kind: 'policy', text: 'edge firewall: no rule matched, policy drop', packets: 3, bytes: 240 },
    ];
    expect(blameConnection(dualStack, counters, { kind: 'passive', to: `[${SERVER6}]:8022` })).toEqual({ hop: 'edge firewall', rule: 'policy drop' });
    expect(blameConnection(dualStack, counters, { kind: 'passive', to: '10.0.0.5:8022' })).toBeUndefined();
  });
});

/** Port 8021 on '::' answers every connection with the peer address it saw. */
async function startPeerEcho(network: NetnsTopology): Promise<void> {
  const script = `require('net').createServer((socket) => { socket.on('error', () => {}); socket.end(socket.remoteAddress + '\\n'); })
    .listen(8021, '::', () => console.log('ready'));`;
  const child = network.spawn('server', ['node', '-e', script]);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('peer echo did not start within 5 s')), 5_000);
    child.stdout?.once('data', () => (clearTimeout(timer), resolve()));
  });
}

describe(`netns: IPv6 through the edge firewall${noNetns ? ` [skipped: ${noNetns}]` : ''}`, () => {
  it.skipIf(noNetns)('every host has its IPv6 address; the IPv4-only rule accepts IPv4 and drops IPv6; reject by IPv6 CIDR', async () => {
    await withNetnsTopology(dualStack, async (network) => {
      const shown = await network.exec('server', ['ip', '-6', 'addr', 'show', 'dev', network.names.interfaces.server]);
      expect(shown.stdout).toContain(`${SERVER6}/128`);
      expect(network.addresses.v6?.client).toBe(CLIENT6);
      await startTcpServer(network, 'server', [8022, 8023], '::');
      await startPeerEcho(network);
      expect(await tcpOutcome(network, 'client', SERVER6, 8021)).toBe('connected');
      expect(await tcpOutcome(network, 'client', '10.0.0.5', 8022)).toBe('connected');
      expect(await tcpOutcome(network, 'client', SERVER6, 8022)).toBe('timeout');
      expect(await tcpOutcome(network, 'client', SERVER6, 8023)).toBe('ECONNREFUSED');
      const counters = await network.counterRules();
      const packets = (kind: string) => counters.find((rule) => rule.scope === 'edge' && rule.kind === kind)?.packets ?? 0;
      expect(packets('rule:1')).toBeGreaterThan(0);
      expect(packets('rule:3')).toBeGreaterThan(0);
      expect(packets('policy')).toBeGreaterThan(0);
      expect(blameConnection(dualStack, counters, { kind: 'passive', to: `[${SERVER6}]:8022` })).toEqual({ hop: 'edge firewall', rule: 'policy drop' });
      // Masquerade is IPv4 only: the server sees the client's own IPv6 address (and the edge's for IPv4).
      const fetchPeer = `const s = require('net').connect({ host: process.argv[1], port: 8021 }); let text = '';
        const timer = setTimeout(() => process.exit(1), 3000);
        s.on('data', (chunk) => { text += chunk; }); s.on('end', () => { clearTimeout(timer); console.log(text.trim()); });`;
      const peerSeen = async (host: string) => (await network.exec('client', ['node', '-e', fetchPeer, host], { timeoutMs: 8_000 })).stdout.trim();
      expect(await peerSeen(SERVER6)).toBe(CLIENT6);
      expect(await peerSeen('10.0.0.5')).toBe('::ffff:10.0.0.1');
    });
  }, 60_000);
});
