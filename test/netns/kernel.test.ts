/**
 * The real kernel: three namespaces, nftables rulesets generated from scenario topologies, plain
 * TCP and then real FTP (vsftpd in the server namespace, curl in the client namespace).
 * Needs root, ip, nft (and vsftpd + curl for the FTP part); skipped with the reason otherwise.
 */
import { describe, expect, it } from 'vitest';
import type { Firewall, Topology } from '../../src/topology/model.js';
import { checkNetnsSupport } from '../../src/netns/preflight.js';
import { run } from '../../src/netns/process.js';
import { createNetnsTopology, NotReproducibleError, withNetnsTopology } from '../../src/netns/topology.js';
import { vsftpdMissingReason, vsftpdOrSkip } from '../peers/vsftpd.js';
import { CURL, curl, noopAfterIdle, startTcpServer, tcpOutcome } from './kernel-helpers.js';

const support = await checkNetnsSupport();
const noNetns = support.ok ? null : support.reason;
const curlMissing = (await run(['curl', '--version']).catch(() => undefined))?.code === 0 ? null : 'curl is not installed';
const noFtp = noNetns ?? vsftpdMissingReason() ?? curlMissing;
const skipNote = (reason: string | null) => (reason ? ` [skipped: ${reason}]` : '');

const PASV = '30000-30009';

function edgeFirewall(rules: Firewall['rules'], extra: Partial<Firewall> = {}): Firewall {
  return { name: 'edge firewall', at: 'edge', policy: 'drop', rules, ...extra };
}

describe(`netns: plain TCP through the edge firewall${skipNote(noNetns)}`, () => {
  it.skipIf(noNetns)('accept connects, reject is refused, policy drop times out; counters name each rule', async () => {
    const topology: Topology = {
      firewalls: [edgeFirewall([
        { direction: 'in', dport: 8021, action: 'accept', comment: 'open 8021' },
        { direction: 'in', dport: 8022, action: 'reject', comment: 'close 8022' },
      ])],
    };
    await withNetnsTopology(topology, async (network) => {
      await startTcpServer(network, 'server', [8021, 8022, 8023]);
      expect(await tcpOutcome(network, 'client', network.addresses.server, 8021)).toBe('connected');
      expect(await tcpOutcome(network, 'client', network.addresses.server, 8022)).toBe('ECONNREFUSED');
      expect(await tcpOutcome(network, 'client', network.addresses.server, 8023)).toBe('timeout');
      const trace = await network.counters();
      const decisions = trace.map((entry) => `${entry.at} ${entry.decision} ${entry.rule}`);
      expect(decisions).toContain('edge accept edge firewall: open 8021');
      expect(decisions).toContain('edge reject edge firewall: close 8022');
      expect(decisions).toContain('edge drop edge firewall: no rule matched, policy drop');
    });
  }, 30_000);

  it.skipIf(noNetns)('a client host firewall without a helper drops the connection back to the client', async () => {
    const topology: Topology = {
      firewalls: [{ name: 'client firewall', at: 'client', policy: 'drop', rules: [{ direction: 'out', action: 'accept' }] }],
    };
    await withNetnsTopology(topology, async (network) => {
      await startTcpServer(network, 'client', [9020]);
      await startTcpServer(network, 'server', [9021]);
      expect(await tcpOutcome(network, 'client', network.addresses.server, 9021)).toBe('connected');
      expect(await tcpOutcome(network, 'server', network.addresses.client, 9020)).toBe('timeout');
      const trace = await network.counters();
      expect(trace).toContainEqual(expect.objectContaining({ at: 'client', decision: 'drop', rule: 'client firewall: no rule matched, policy drop' }));
    });
  }, 30_000);
});

describe(`netns: real FTP (vsftpd + curl) through the real kernel${skipNote(noFtp)}`, () => {
  const controlOnly = [{ direction: 'in' as const, dport: 21, action: 'accept' as const, comment: 'FTP control' }];

  it.skipIf(noFtp)('only port 21 open, no helper: login works, LIST times out at the edge policy', async ({ skip }) => {
    await withNetnsTopology({ firewalls: [edgeFirewall(controlOnly)] }, async (network) => {
      const peer = await vsftpdOrSkip(skip, { netns: { topology: network }, settings: { pasvRange: PASV } });
      const result = await curl(network, ['--disable-epsv', `ftp://${network.addresses.server}/`]);
      expect(result.stderr).toContain('230 Login successful');
      expect(result.code).not.toBe(CURL.ok);
      const trace = await network.counters();
      expect(trace).toContainEqual(expect.objectContaining({ at: 'edge', decision: 'drop', rule: 'edge firewall: no rule matched, policy drop' }));
      await peer?.stop();
    });
  }, 30_000);

  it.skipIf(noFtp)('the same with the FTP helper (ct helper): PASV and EPSV listings work', async ({ skip }) => {
    const firewall = edgeFirewall(controlOnly, { ftpHelper: {} });
    await withNetnsTopology({ firewalls: [firewall] }, async (network) => {
      const peer = await vsftpdOrSkip(skip, { netns: { topology: network }, settings: { pasvRange: PASV } });
      const pasv = await curl(network, ['--disable-epsv', `ftp://${network.addresses.server}/`]);
      expect(pasv.code, pasv.stderr).toBe(CURL.ok);
      expect(pasv.stdout).toContain('hello.txt');
      const epsv = await curl(network, [`ftp://${network.addresses.server}/dir/nested.txt`]);
      expect(epsv.code, epsv.stderr).toBe(CURL.ok);
      expect(epsv.stderr).toContain('229 Entering Extended Passive Mode');
      const trace = await network.counters();
      expect(trace).toContainEqual(expect.objectContaining({ at: 'edge', decision: 'expect' }));
      expect(trace.some((entry) => entry.decision === 'drop')).toBe(false);
      await peer?.stop();
    });
  }, 30_000);

  it.skipIf(noFtp)('DNAT with nf_nat_ftp rewriting: the 227 carries the edge address and PASV works', async ({ skip }) => {
    const topology: Topology = {
      firewalls: [edgeFirewall(controlOnly, { ftpHelper: {} })],
      nat: { forward: [21, PASV], rewriteFtp: true },
    };
    await withNetnsTopology(topology, async (network) => {
      const peer = await vsftpdOrSkip(skip, { netns: { topology: network }, settings: { pasvRange: PASV } });
      const result = await curl(network, ['--disable-epsv', `ftp://${network.addresses.edgeOutside}/hello.txt`]);
      expect(result.code, result.stderr).toBe(CURL.ok);
      expect(result.stdout).toBe('hello from vsftpd\n');
      expect(result.stderr).toMatch(/227 Entering Passive Mode \(198,51,100,1,/);
      const trace = await network.counters();
      expect(trace).toContainEqual(expect.objectContaining({ at: 'nat', decision: 'dnat' }));
      await peer?.stop();
    });
  }, 30_000);

  it.skipIf(noFtp)('DNAT with the helper but without rewriting: the private 227 reaches the client, the pinhole still opens', async ({ skip }) => {
    const topology: Topology = {
      firewalls: [edgeFirewall(controlOnly, { ftpHelper: {} })],
      nat: { forward: [21, PASV], rewriteFtp: false },
    };
    await withNetnsTopology(topology, async (network) => {
      const peer = await vsftpdOrSkip(skip, { netns: { topology: network }, settings: { pasvRange: PASV } });
      // curl ignores the 227 address by default and dials the control peer, as our probe does.
      const result = await curl(network, ['--disable-epsv', `ftp://${network.addresses.edgeOutside}/hello.txt`]);
      expect(result.code, result.stderr).toBe(CURL.ok);
      expect(result.stderr).toMatch(/227 Entering Passive Mode \(10,0,0,5,/);
      const trace = await network.counters();
      expect(trace).toContainEqual(expect.objectContaining({ at: 'edge', decision: 'expect' }));
      await peer?.stop();
    });
  }, 30_000);

  it.skipIf(noFtp)('TLS hides the 227 from the helper: login works, the data connection hits the policy', async ({ skip }) => {
    const firewall = edgeFirewall(controlOnly, { ftpHelper: {} });
    await withNetnsTopology({ firewalls: [firewall] }, async (network) => {
      const peer = await vsftpdOrSkip(skip, { netns: { topology: network }, settings: { pasvRange: PASV, tls: 'explicit' } });
      const tls = await curl(network, ['--ssl-reqd', '-k', '--disable-epsv', `ftp://${network.addresses.server}/`]);
      expect(tls.stderr).toContain('230 Login successful');
      expect(tls.code).toBe(CURL.timeout);
      const trace = await network.counters();
      expect(trace).toContainEqual(expect.objectContaining({ at: 'edge', decision: 'drop', rule: 'edge firewall: no rule matched, policy drop' }));
      expect(trace.some((entry) => entry.decision === 'expect')).toBe(false);
      await peer?.stop();
    });
  }, 30_000);

  it.skipIf(noFtp)('a helper that blocks AUTH TLS resets the control connection; plain FTP still works', async ({ skip }) => {
    const firewall = edgeFirewall(controlOnly, { ftpHelper: { blockAuthTls: true } });
    await withNetnsTopology({ firewalls: [firewall] }, async (network) => {
      const peer = await vsftpdOrSkip(skip, { netns: { topology: network }, settings: { pasvRange: PASV, tls: 'explicit' } });
      const tls = await curl(network, ['--ssl-reqd', '-k', `ftp://${network.addresses.server}/`]);
      // curl tries AUTH SSL first; the reset arrives in answer to it, before any TLS byte.
      expect(tls.stderr).toMatch(/> AUTH (SSL|TLS)\r?\n\* Recv failure: Connection reset by peer/);
      expect(tls.code).toBe(CURL.recvFailure);
      const plain = await curl(network, [`ftp://${network.addresses.server}/`]);
      expect(plain.code, plain.stderr).toBe(CURL.ok);
      const trace = await network.counters();
      expect(trace).toContainEqual(expect.objectContaining({ at: 'edge', decision: 'reject', rule: 'edge firewall: blocks AUTH TLS' }));
      await peer?.stop();
    });
  }, 30_000);

  it.skipIf(noFtp)('a SNAT pool sends the data connection from another address: vsftpd answers 425', async ({ skip }) => {
    const topology: Topology = { nat: { sourcePool: ['10.0.0.20', '10.0.0.21'] } };
    await withNetnsTopology(topology, async (network) => {
      const peer = await vsftpdOrSkip(skip, { netns: { topology: network }, settings: { pasvRange: PASV } });
      const result = await curl(network, ['--disable-epsv', `ftp://${network.addresses.server}/`]);
      expect(result.code).not.toBe(CURL.ok);
      expect(result.stderr).toContain('425 Security: Bad IP connecting');
      const trace = await network.counters();
      expect(trace).toContainEqual(expect.objectContaining({ at: 'nat', decision: 'snat' }));
      await peer?.stop();
    });
  }, 30_000);

  it.skipIf(noFtp)('a conntrack idle timeout on the NAT kills an idle control connection', async ({ skip }) => {
    const topology: Topology = { nat: { forward: [21, PASV], idleTimeoutMs: 1_000 } };
    await withNetnsTopology(topology, async (network) => {
      const peer = await vsftpdOrSkip(skip, { netns: { topology: network }, settings: { pasvRange: PASV } });
      expect(network.rulesets.edge).toContain('policy = { established: 1 }');
      // vsftpd answers NOOP before login with 530: any answer proves the connection is alive.
      expect(await noopAfterIdle(network, network.addresses.edgeOutside, 21, 200)).toEqual(['first:530', 'second:530']);
      expect(await noopAfterIdle(network, network.addresses.edgeOutside, 21, 2_000)).toEqual(['first:530', 'second:silent']);
      const trace = await network.counters();
      expect(trace).toContainEqual(expect.objectContaining({ at: 'nat', decision: 'timeout' }));
      await peer?.stop();
    });
  }, 30_000);

  it.skipIf(noFtp)('active mode: a client firewall drops the connection back; with its FTP helper (EPRT/PORT) it opens', async ({ skip }) => {
    const clientFirewall = (helper: boolean): Firewall => ({
      name: 'client firewall', at: 'client', policy: 'drop', rules: [{ direction: 'out', action: 'accept' }],
      ...(helper ? { ftpHelper: {} } : {}),
    });
    for (const helper of [false, true]) {
      await withNetnsTopology({ firewalls: [clientFirewall(helper)] }, async (network) => {
        const peer = await vsftpdOrSkip(skip, { netns: { topology: network }, settings: { activeSourcePort: 20 } });
        const result = await curl(network, ['-P', network.addresses.client, '--max-time', '3', `ftp://${network.addresses.server}/hello.txt`]);
        const trace = await network.counters();
        if (helper) {
          expect(result.code, result.stderr).toBe(CURL.ok);
          expect(trace).toContainEqual(expect.objectContaining({ at: 'client', decision: 'expect' }));
        } else {
          expect(result.code).toBe(CURL.timeout);
          expect(trace).toContainEqual(expect.objectContaining({ at: 'client', decision: 'drop', rule: 'client firewall: no rule matched, policy drop' }));
        }
        await peer?.stop();
      });
    }
  }, 30_000);
});

describe(`netns: every ruleset variant loads into the kernel${skipNote(noNetns)}`, () => {
  const variants: [string, Topology][] = [
    ['host firewalls with helpers, reject policy, AUTH TLS block', {
      firewalls: [
        { name: 'client firewall', at: 'client', policy: 'reject', ftpHelper: { blockAuthTls: true }, rules: [{ direction: 'out', action: 'accept' }] },
        { name: 'server firewall', at: 'server', policy: 'drop', ftpHelper: { ports: [21, 2121] }, rules: [
          { direction: 'in', dport: 21, state: ['new'], action: 'accept' }, { direction: 'out', sport: 20, action: 'accept' }] },
      ],
    }],
    ['edge with everything conntrack NAT can do', {
      firewalls: [edgeFirewall([{ direction: 'in', src: '198.51.100.0/24', dport: '21', action: 'accept' }], { policy: 'reject', ftpHelper: {} })],
      nat: { forward: [21, PASV], rewriteFtp: true, sourcePool: ['10.0.0.20', '10.0.0.21'], masquerade: true, idleTimeoutMs: 1500 },
    }],
    ['stateless DNAT (helper without rewriting), two edge firewalls', {
      firewalls: [edgeFirewall([], { ftpHelper: {} }), edgeFirewall([{ direction: 'out', action: 'accept' }], { name: 'second', policy: 'accept' })],
      nat: { forward: [21, PASV] },
    }],
    ['custom addresses', { client: { address: '203.0.113.9' }, edge: { outside: '203.0.113.1', inside: '172.16.0.1' }, server: { address: '172.16.9.9' } }],
  ];
  for (const [name, topology] of variants) {
    it.skipIf(noNetns)(name, async () => {
      await withNetnsTopology(topology, async (network) => {
        for (const role of ['client', 'edge', 'server'] as const) {
          const listing = await network.exec(role, ['nft', 'list', 'ruleset']);
          expect(listing.code).toBe(0);
          if (network.rulesets[role]) expect(listing.stdout).toContain('table inet ftpdoctor');
        }
        if (!topology.firewalls) {
          // Routing with arbitrary addresses: /32 links and default routes via the edge.
          await startTcpServer(network, 'server', [8080]);
          expect(await tcpOutcome(network, 'client', network.addresses.server, 8080)).toBe('connected');
        }
      });
    }, 20_000);
  }

  it.skipIf(noNetns)('what the kernel cannot do is refused before anything is created', async () => {
    const topology: Topology = { firewalls: [edgeFirewall([], { ftpHelper: { epsv: false } })] };
    const attempt = createNetnsTopology(topology);
    await expect(attempt).rejects.toBeInstanceOf(NotReproducibleError);
    await expect(attempt).rejects.toThrow(/EPSV-blind/);
  });
});
