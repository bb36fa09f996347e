/** The nftables scripts generated from topologies: pure, table-tested on the text. */
import { describe, expect, it } from 'vitest';
import type { Firewall, Topology } from '../../src/topology/model.js';
import { portSet, portSpec, resolveAddresses } from '../../src/netns/addresses.js';
import { buildRuleset, comment, kernelLimitations } from '../../src/netns/ruleset.js';

const NAMES = { edgeOutside: 'fdx-eo', edgeInside: 'fdx-ei' };
const edge = (rules: Firewall['rules'], extra: Partial<Firewall> = {}): Firewall => ({
  name: 'edge firewall', at: 'edge', policy: 'drop', rules, ...extra,
});

/** The chain body lines of a script, trimmed, in order. */
function lines(script: string): string[] {
  return script.split('\n').map((line) => line.trim()).filter(Boolean);
}

/** Every rule line inside a chain (not the chain's `type ... policy` header). */
function chainRules(script: string): string[] {
  const rules: string[] = [];
  let inChain = false;
  for (const line of lines(script)) {
    if (line.startsWith('chain ')) inChain = true;
    else if (line === '}') inChain = false;
    else if (inChain && !line.startsWith('type ')) rules.push(line);
  }
  return rules;
}

function ruleLine(script: string, tag: string): string {
  const found = lines(script).filter((line) => line.includes(`comment "${tag} `));
  expect(found, `one rule tagged ${tag}`).toHaveLength(1);
  return found[0] as string;
}

describe('buildRuleset: filter rules', () => {
  const cases: { name: string; rule: Firewall['rules'][number]; expected: string }[] = [
    { name: 'accept in dport', rule: { direction: 'in', dport: 21, action: 'accept' },
      expected: 'iifname "fdx-eo" oifname "fdx-ei" meta l4proto tcp tcp dport 21 counter accept' },
    { name: 'drop out sport range', rule: { direction: 'out', sport: '5500-5525', action: 'drop' },
      expected: 'iifname "fdx-ei" oifname "fdx-eo" meta l4proto tcp tcp sport 5500-5525 counter drop' },
    { name: 'reject is a TCP reset', rule: { dport: '50000-51000', action: 'reject' },
      expected: 'meta l4proto tcp tcp dport 50000-51000 counter reject with tcp reset' },
    { name: 'addresses and state', rule: { src: '198.51.100.0/24', dst: '10.0.0.5', state: ['new', 'related'], action: 'accept' },
      expected: 'meta l4proto tcp ip saddr 198.51.100.0/24 ip daddr 10.0.0.5 ct state { new, related } counter accept' },
  ];
  for (const { name, rule, expected } of cases) {
    it(name, () => {
      const { edge: script } = buildRuleset({ firewalls: [edge([rule])] }, NAMES);
      expect(ruleLine(script, 'edge/rule:1')).toMatch(new RegExp(`^${expected.replace(/[{}()[\]]/g, '\\$&')} comment`));
    });
  }

  it('orders: established, invalid, user rules in order, helper pinhole, policy', () => {
    const firewall = edge([{ dport: 21, action: 'accept' }, { dport: 22, action: 'drop' }], { ftpHelper: {} });
    const body = lines(buildRuleset({ firewalls: [firewall] }, NAMES).edge);
    const start = body.findIndex((line) => line.startsWith('chain filter_forward'));
    const tags = body.slice(start + 2).map((line) => /comment "(\S+)/.exec(line)?.[1]).filter(Boolean);
    expect(tags).toEqual(['edge/established', 'edge/invalid', 'edge/icmp', 'edge/rule:1', 'edge/rule:2', 'edge/expect', 'edge/policy']);
    expect(body[start + 1]).toBe('type filter hook forward priority filter; policy drop;');
  });

  it.each([
    ['accept', ['counter accept comment "edge/policy edge firewall: no rule matched, policy accept"']],
    ['drop', ['counter drop comment "edge/policy edge firewall: no rule matched, policy drop"']],
    ['reject', [
      'meta l4proto tcp counter reject with tcp reset comment "edge/policy edge firewall: no rule matched, policy reject"',
      'counter drop comment "edge/policy edge firewall: no rule matched, policy reject"',
    ]],
  ] as const)('policy %s is a final counted rule', (policy, expected) => {
    const script = buildRuleset({ firewalls: [edge([], { policy })] }, NAMES).edge;
    expect(lines(script).filter((line) => line.includes('edge/policy'))).toEqual(expected);
  });

  it('every rule has a counter and a comment', () => {
    const topology: Topology = {
      firewalls: [edge([{ dport: 21, action: 'accept' }], { ftpHelper: { blockAuthTls: true } }),
        { name: 'server firewall', at: 'server', policy: 'drop', rules: [{ direction: 'in', dport: 21, action: 'accept' }] }],
      nat: { forward: [21], rewriteFtp: true, masquerade: true, idleTimeoutMs: 1500 },
    };
    const scripts = buildRuleset(topology, NAMES);
    for (const script of [scripts.edge, scripts.server]) {
      const rules = chainRules(script);
      expect(rules.length).toBeGreaterThan(8);
      for (const rule of rules) expect(rule).toMatch(/(^| )counter .*comment "(edge|nat|server)\/\S+ /);
    }
  });

  it('hosts: in rules go to input, out rules to output, rules without direction to both', () => {
    const firewall: Firewall = {
      name: 'client firewall', at: 'client', policy: 'drop',
      rules: [{ direction: 'out', action: 'accept' }, { direction: 'in', sport: 20, action: 'reject' }, { dport: 9, action: 'drop' }],
    };
    const script = buildRuleset({ firewalls: [firewall] }, NAMES).client;
    const input = script.slice(script.indexOf('chain filter_input'), script.indexOf('chain filter_output'));
    const output = script.slice(script.indexOf('chain filter_output'));
    expect(input).not.toContain('client/rule:1 ');
    expect(input).toContain('client/rule:2 ');
    expect(input).toContain('client/rule:3 ');
    expect(output).toContain('client/rule:1 ');
    expect(output).not.toContain('client/rule:2 ');
    expect(output).toContain('client/rule:3 ');
    expect(input).toContain('iifname "lo" counter accept');
  });

  it('no firewall and no NAT on a box: empty script', () => {
    expect(buildRuleset({}, NAMES)).toEqual({ edge: '', client: '', server: '' });
  });

  it('scripts are idempotent: the table is declared, deleted, and defined', () => {
    const script = buildRuleset({ firewalls: [edge([])] }, NAMES).edge;
    expect(lines(script).slice(0, 3)).toEqual(['table inet ftpdoctor', 'delete table inet ftpdoctor', 'table inet ftpdoctor {']);
  });

  it('comments cannot break out of their quotes', () => {
    expect(comment('edge', 'rule:1', 'say "hi"\\ now\n')).toBe('comment "edge/rule:1 say  hi   now "');
    expect(comment('edge', 'rule:1', 'x'.repeat(300)).length).toBeLessThanOrEqual(130);
  });
});

describe('buildRuleset: helper, NAT, timeouts', () => {
  it('the FTP helper is a ct helper object attached to new connections on its ports', () => {
    const script = buildRuleset({ firewalls: [edge([], { ftpHelper: { ports: [21, 2121] } })] }, NAMES).edge;
    expect(script).toContain('ct helper ftp_helper {\n    type "ftp" protocol tcp\n    l3proto ip\n  }');
    expect(ruleLine(script, 'edge/helper')).toMatch(/^ct state new tcp dport \{ 21, 2121 \} ct helper set "ftp_helper" counter/);
  });

  it('blockAuthTls matches "AUTH " at the start of the payload, before the established accept', () => {
    const script = buildRuleset({ firewalls: [edge([], { ftpHelper: { blockAuthTls: true } })] }, NAMES).edge;
    expect(ruleLine(script, 'edge/auth-tls')).toMatch(/^tcp dport 21 @ih,0,40 0x4155544820 counter reject with tcp reset/);
    expect(script.indexOf('edge/auth-tls')).toBeLessThan(script.indexOf('edge/established'));
  });

  it('DNAT forwards with rewriting: conntrack NAT (nf_nat_ftp rewrites)', () => {
    const script = buildRuleset({ firewalls: [edge([], { ftpHelper: {} })], nat: { forward: [21, '5500-5525'], rewriteFtp: true } }, NAMES).edge;
    expect(ruleLine(script, 'nat/dnat')).toMatch(
      /^iifname "fdx-eo" ip daddr 198\.51\.100\.1 tcp dport \{ 21, 5500-5525 \} counter dnat ip to 10\.0\.0\.5 /,
    );
    expect(script).not.toContain('stateless');
  });

  it('rewriteFtp without an edge helper still attaches the helper (on the server port)', () => {
    const script = buildRuleset({ server: { port: 2121 }, nat: { forward: [2121], rewriteFtp: true } }, NAMES).edge;
    expect(ruleLine(script, 'edge/helper')).toContain('tcp dport 2121 ct helper set "ftp_helper"');
  });

  it('helper without rewriting: stateless DNAT before conntrack, un-DNAT after', () => {
    const script = buildRuleset({ firewalls: [edge([], { ftpHelper: {} })], nat: { forward: [21], rewriteFtp: false } }, NAMES).edge;
    expect(script).toContain('chain stateless_dnat {\n    type filter hook prerouting priority raw;');
    expect(ruleLine(script, 'nat/dnat')).toContain('ip daddr 198.51.100.1 tcp dport 21 counter ip daddr set 10.0.0.5');
    expect(ruleLine(script, 'nat/undnat')).toContain('oifname "fdx-eo" ip saddr 10.0.0.5 tcp sport 21 counter ip saddr set 198.51.100.1');
    expect(script).not.toContain('dnat ip to');
  });

  it('SNAT pool: round robin per new connection; masquerade', () => {
    const pool = buildRuleset({ nat: { sourcePool: ['10.0.0.20', '10.0.0.21', '10.0.0.22'] } }, NAMES).edge;
    expect(ruleLine(pool, 'nat/snat')).toMatch(
      /^iifname "fdx-eo" oifname "fdx-ei" counter snat ip to numgen inc mod 3 map \{ 0 : 10\.0\.0\.20, 1 : 10\.0\.0\.21, 2 : 10\.0\.0\.22 \} /,
    );
    const masquerade = buildRuleset({ nat: { masquerade: true } }, NAMES).edge;
    expect(ruleLine(masquerade, 'nat/snat')).toMatch(/^iifname "fdx-eo" oifname "fdx-ei" counter masquerade /);
  });

  it.each([
    [1, 1],
    [1000, 1],
    [1001, 2],
    [30_000, 30],
  ])('idle timeout %i ms → established %i s, and invalid packets dropped before routing', (ms, seconds) => {
    const script = buildRuleset({ nat: { idleTimeoutMs: ms } }, NAMES).edge;
    expect(script).toContain(`policy = { established: ${seconds} }`);
    expect(ruleLine(script, 'nat/timeout-set')).toMatch(/^ct state new counter ct timeout set "idle_timeout"/);
    expect(ruleLine(script, 'nat/timeout')).toMatch(/^ct state invalid counter drop/);
  });
});

describe('validation and limitations', () => {
  it.each([
    [{ firewalls: [edge([{ dport: '21; flush ruleset', action: 'accept' }])] }],
    [{ firewalls: [edge([{ src: '1.2.3.4 accept', action: 'accept' }])] }],
    [{ firewalls: [edge([{ dport: '70000', action: 'accept' }])] }],
    [{ client: { address: 'example.com' } }],
    [{ nat: { sourcePool: ['fe80::1'] } }],
  ] as Topology[][])('rejects unsafe or invalid input %#', (topology) => {
    expect(() => buildRuleset(topology, NAMES)).toThrow(/netns backend/);
  });

  it('port specs', () => {
    expect(portSpec(21)).toBe('21');
    expect(portSpec('5500-5525')).toBe('5500-5525');
    expect(portSpec('20-20')).toBe('20');
    expect(() => portSpec('30-20')).toThrow();
    expect(portSet([21])).toBe('21');
    expect(portSet([21, '5500-5525'])).toBe('{ 21, 5500-5525 }');
  });

  it('defaults addresses from DEFAULT_ADDRESSES', () => {
    expect(resolveAddresses({})).toEqual({
      client: '198.51.100.10', edgeOutside: '198.51.100.1', edgeInside: '10.0.0.1', server: '10.0.0.5', sourcePool: [],
    });
  });

  it.each([
    [{ firewalls: [edge([], { ftpHelper: { epsv: false } })] }, /EPSV-blind/],
    [{ firewalls: [edge([], { ftpHelper: {} })], nat: { masquerade: true } }, /source NAT with an FTP helper but without rewriting/],
    [{ nat: { rewriteFtp: true } }, /rewriteFtp without any NAT/],
  ] as [Topology, RegExp][])('kernel limitation %#', (topology, reason) => {
    const limitations = kernelLimitations(topology);
    expect(limitations).toHaveLength(1);
    expect(limitations[0]).toMatch(reason);
  });

  it('reproducible topologies have no limitations', () => {
    expect(kernelLimitations({ firewalls: [edge([], { ftpHelper: { epsv: true } })], nat: { forward: [21], masquerade: true, rewriteFtp: true } })).toEqual([]);
  });
});
