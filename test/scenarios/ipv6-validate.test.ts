/**
 * The dual-stack fields of the scenario format: each mistake is reported on the field that holds
 * it, and the two IPv6 catalogue scenarios load.
 */
import { describe, expect, it } from 'vitest';
import { CATALOGUE_DIR, loadScenarioFile } from '../../src/scenarios/load.js';
import { validateScenario } from '../../src/scenarios/validate.js';

function scenario(topology: Record<string, unknown>, client: Record<string, unknown> = {}): unknown {
  return { id: 'mine', title: 'Mine', description: 'Mine.', source: 'RFC 2428', topology, client: { modes: ['epsv'], ...client }, expect: { verdict: 'pass' } };
}

function problems(data: unknown): string[] {
  const result = validateScenario(data);
  return result.ok ? [] : result.problems.map((problem) => `${problem.path}: ${problem.message}`);
}

const rule = (extra: Record<string, unknown>) => ({ firewalls: [{ name: 'edge', at: 'edge', policy: 'drop', rules: [{ action: 'accept', ...extra }] }] });
const v6 = { server: { address6: '2001:db8:2::5' } };

describe('dual-stack scenario fields', () => {
  it.each([
    ['IPv6 addresses on every host', scenario({ client: { address6: '2001:db8:1::10' }, edge: { outside6: '2001:db8:1::1', inside6: '2001:db8:2::1' }, ...v6 }, { family: 6 })],
    ['family 4 with an IPv4-only topology', scenario({}, { family: 4 })],
    ['an IPv4-only rule', scenario(rule({ family: 4, dport: '5500-5525' }))],
    ['an IPv6-only rule with an IPv6 CIDR', scenario(rule({ family: 6, src: '2001:db8::/32' }))],
  ])('accepts %s', (_name, data) => {
    expect(problems(data)).toEqual([]);
  });

  it.each([
    ['an IPv4 address as address6', scenario({ server: { address6: '10.0.0.5' } }), 'topology.server.address6: must be an IPv6 address'],
    ['a non-address as outside6', scenario({ edge: { outside6: 'edge.example' } }), 'topology.edge.outside6: must be an IPv6 address'],
    ['family 5', scenario({}, { family: 5 }), 'client.family: must be 4 (IPv4) or 6 (IPv6)'],
    ['family "6" as text', scenario(v6, { family: '6' }), 'client.family: must be 4 (IPv4) or 6 (IPv6)'],
    ['family 6 without IPv6 addresses', scenario({}, { family: 6 }), 'client.family: 6 needs a dual-stack topology'],
    ['family 6 dialling the edge', scenario({ ...v6, nat: { forward: [21] } }, { family: 6, dial: 'edge' }), 'client.dial: "edge" reaches the server through IPv4 NAT only'],
    ['a rule family of 7', scenario(rule({ family: 7 })), 'topology.firewalls[0].rules[0].family: must be 4 (IPv4) or 6 (IPv6)'],
    ['a rule family contradicting its address', scenario(rule({ family: 6, dst: '10.0.0.0/8' })), 'topology.firewalls[0].rules[0].family: 6 contradicts dst 10.0.0.0/8'],
  ])('rejects %s, naming the field', (_name, data, expected) => {
    const found = problems(data);
    expect(found.some((problem) => problem.startsWith(expected)), found.join('\n')).toBe(true);
  });

  it('loads the IPv6 catalogue scenarios', async () => {
    const broken = await loadScenarioFile(`${CATALOGUE_DIR}/ipv6-passive-range-missing.yaml`);
    const fixed = await loadScenarioFile(`${CATALOGUE_DIR}/ipv6-dual-stack-open.yaml`);
    expect(broken.client.family).toBe(6);
    expect(broken.pairedWith).toBe(fixed.id);
    expect(broken.topology.firewalls?.[0]?.rules[1]?.family).toBe(4);
  });
});
