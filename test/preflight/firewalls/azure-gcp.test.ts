/**
 * Azure NSG and GCP firewall rule JSON (pure). Neither cloud runs here: the fixtures are written
 * from the documented formats (`az network nsg show`; `gcloud compute firewall-rules list
 * --format=json`).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { evaluateTcp, readFirewallFile, type FirewallFacts } from '../../../src/preflight/firewalls/index.js';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/preflight/firewalls/cloud/${name}`, import.meta.url), 'utf8');
const inbound = (facts: FirewallFacts, dport: number, src = '198.51.100.10') => evaluateTcp(facts, { direction: 'in', src, dst: '10.0.0.5', dport, state: 'new' });

describe('Azure NSG', () => {
  const nsg = readFirewallFile('nsg.json', fixture('azure-nsg.json'));

  it('is detected, understood, and its rules are in priority order', () => {
    expect(nsg.kind).toBe('azure-nsg');
    expect(nsg.notUnderstood).toEqual([]);
    expect(nsg.firewalls[0]?.chains[0]?.rules.map((rule) => rule.at.text)).toEqual([
      'network security group ftp-nsg',
      'ftp-nsg rule deny-scanner priority 100',
      'ftp-nsg rule allow-ftp-control priority 110',
      'ftp-nsg rule allow-ftp-passive priority 120',
      'ftp-nsg rule allow-storage priority 130',
      'Azure default rule AllowVnetInBound (priority 65000)',
      'Azure default rule AllowAzureLoadBalancerInBound (priority 65001)',
      'Azure default rule DenyAllInBound (priority 65500)',
    ]);
  });

  it.each([
    [21, '198.51.100.10', 'accept', 'ftp-nsg rule allow-ftp-control priority 110'],
    [21, '203.0.113.9', 'drop', 'ftp-nsg rule deny-scanner priority 100'],
    [21, '10.1.2.3', 'accept', 'Azure default rule AllowVnetInBound (priority 65000)'], // not "Internet", but inside the VNet
    [50050, '198.51.100.10', 'accept', 'ftp-nsg rule allow-ftp-passive priority 120'],
    [50051, '198.51.100.10', 'drop', 'Azure default rule DenyAllInBound (priority 65500)'],
    [990, '198.51.100.10', 'accept', 'ftp-nsg rule allow-ftp-passive priority 120'],
  ] as const)('port %d from %s: %s', (port, src, verdict, by) => {
    const result = inbound(nsg, port, src);
    expect(result.verdict).toBe(verdict);
    expect(result.by === 'policy' ? 'policy' : result.by.text).toBe(by);
  });

  it('a service tag other than Internet/VirtualNetwork is uncertain for its port', () => {
    expect(inbound(nsg, 8080)).toMatchObject({ verdict: 'unknown', reason: expect.stringContaining('service tag Storage') });
  });

  it('an ARM template resource reads the same rules', () => {
    const nsgJson = JSON.parse(fixture('azure-nsg.json')) as { securityRules: { name: string }[] };
    const arm = { resources: [{ type: 'Microsoft.Network/networkSecurityGroups', name: 'ftp-nsg', properties: { securityRules: nsgJson.securityRules.map(({ name, ...properties }) => ({ name, properties })) } }] };
    const facts = readFirewallFile('template.json', JSON.stringify(arm, null, 2));
    for (const port of [21, 50050, 50051, 990]) expect(inbound(facts, port).verdict).toBe(inbound(nsg, port).verdict);
  });

  it.each([
    ['destinationPortRange', '70000', 'port 70000 in "70000" is above 65535'],
    ['destinationPortRange', '50100-50000', 'port range "50100-50000" runs backwards (50100 > 50000)'],
    ['priority', 5, 'priority 5 is not 100-4096 (or a default rule\'s)'],
    ['access', 'Perhaps', 'access "Perhaps" is not Allow or Deny'],
  ])('%s %s → said with its line', (key, value, reason) => {
    const rule = { name: 'r', priority: 100, direction: 'Inbound', access: 'Allow', protocol: 'Tcp', sourceAddressPrefix: '*', destinationAddressPrefix: '*', destinationPortRange: '21', [key]: value };
    const facts = readFirewallFile('nsg.json', JSON.stringify({ name: 'n', securityRules: [rule] }, null, 2), 'azure-nsg');
    expect(facts.notUnderstood).toEqual([{ at: expect.objectContaining({ line: 4 }), reason }]);
  });
});

describe('GCP firewall rules', () => {
  const gcp = readFirewallFile('rules.json', fixture('gcp-firewall-rules.json'));

  it('is detected and understood; one firewall per VPC network', () => {
    expect(gcp.kind).toBe('gcp-firewall');
    expect(gcp.notUnderstood).toEqual([]);
    expect(gcp.firewalls.map((firewall) => firewall.name)).toEqual(['GCP VPC network default firewall']);
  });

  it.each([
    [21, 'accept', 2],
    [50049, 'accept', 2],
    [50050, 'drop', 17], // deny beats allow at the same priority
    [2121, 'drop', 'policy'], // the allowing rule is disabled; implied deny
  ] as const)('port %d: %s (line %s)', (port, verdict, line) => {
    const result = inbound(gcp, port);
    expect(result.verdict).toBe(verdict);
    expect(result.by === 'policy' ? 'policy' : result.by.line).toBe(line);
  });

  it('a rule for tagged instances is uncertain: it applies only if the server has the tag', () => {
    expect(inbound(gcp, 990)).toMatchObject({ verdict: 'unknown', reason: expect.stringContaining('ftps') });
  });

  it('egress is allowed by the implied rule', () => {
    expect(evaluateTcp(gcp, { direction: 'out', dport: 20, state: 'new' }).verdict).toBe('accept');
  });

  it.each([
    [{ allowed: [{ IPProtocol: 'tcp', ports: ['70000'] }] }, 'port 70000 in "70000" is above 65535'],
    [{ allowed: [{ IPProtocol: 'tcp', ports: ['21'] }], priority: 70000 }, 'priority 70000 is not 0-65535'],
    [{ name: 'empty' }, 'a rule with neither "allowed" nor "denied"'],
  ])('%j → said', (rule, reason) => {
    const facts = readFirewallFile('r.json', JSON.stringify([{ name: 'r', kind: 'compute#firewall', ...rule }]), 'gcp-firewall');
    expect(facts.notUnderstood).toEqual([{ at: expect.objectContaining({ line: 1 }), reason }]);
  });

  it('hostile JSON is refused with its line', () => {
    expect(() => readFirewallFile('r.json', '[\n{"allowed": [}]', 'gcp-firewall')).toThrow(/r.json:2: not valid JSON/);
  });
});
