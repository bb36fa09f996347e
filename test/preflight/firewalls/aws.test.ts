/**
 * AWS security groups: describe-security-groups JSON and Terraform (pure). AWS cannot run here:
 * the fixtures are written from the documented formats (EC2 API DescribeSecurityGroups; the
 * Terraform AWS provider's aws_security_group and aws_vpc_security_group_ingress_rule).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { evaluateTcp, FirewallParseError, readFirewallFile, type FirewallFacts } from '../../../src/preflight/firewalls/index.js';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/preflight/firewalls/cloud/${name}`, import.meta.url), 'utf8');
const json = readFirewallFile('sg.json', fixture('describe-security-groups.json'));
const tf = readFirewallFile('main.tf', fixture('security-group.tf'));
const inbound = (facts: FirewallFacts, dport: number, src = '198.51.100.10') => evaluateTcp(facts, { direction: 'in', src, dst: '10.0.0.5', dport, state: 'new' });
const only = (facts: FirewallFacts, name: string): FirewallFacts => ({ ...facts, firewalls: facts.firewalls.filter((firewall) => firewall.name.includes(name)) });

describe('describe-security-groups JSON', () => {
  it('is detected, every member understood, each permission at its line', () => {
    expect(json.kind).toBe('aws-security-groups');
    expect(json.notUnderstood).toEqual([]);
    expect(json.firewalls.map((firewall) => firewall.name)).toEqual(['AWS security group sg-0123456789abcdef0 (ftp)', 'AWS security group sg-0aaaaaaaaaaaaaaaa (admin)']);
    expect(json.firewalls[0]?.chains[0]?.rules[1]?.at).toMatchObject({ file: 'sg.json', line: 7 });
  });

  it.each([
    [21, '203.0.113.9', 'accept'],
    [50000, '198.51.100.10', 'accept'], // group ftp
    [50100, '198.51.100.10', 'accept'], // group admin: the groups are a union
    [50100, '203.0.113.9', 'drop'],
    [50101, '198.51.100.10', 'drop'],
  ] as const)('port %d from %s: %s', (port, src, verdict) => {
    expect(inbound(json, port, src).verdict).toBe(verdict);
  });

  it('one group alone: the other group\'s ports are closed', () => {
    expect(inbound(only(json, '(ftp)'), 50100).verdict).toBe('drop');
  });

  it('a source security group is not in the file: unknown for its port, said', () => {
    expect(inbound(json, 22)).toMatchObject({ verdict: 'unknown', reason: expect.stringContaining('sg-0fedcba9876543210') });
    expect(json.unknowns).toEqual([expect.objectContaining({ ports: [{ from: 22, to: 22 }] })]);
  });

  it('egress: the listed rules (all traffic) or, when empty, nothing', () => {
    expect(evaluateTcp(only(json, '(ftp)'), { direction: 'out', dport: 20, state: 'new' }).verdict).toBe('accept');
    expect(evaluateTcp(only(json, '(admin)'), { direction: 'out', dport: 20, state: 'new' }).verdict).toBe('drop');
  });

  it.each([
    ['FromPort 70000', { FromPort: 70000, ToPort: 70000 }, 'port range 70000-70000 is outside 0-65535'],
    ['a reversed range', { FromPort: 50100, ToPort: 50000 }, 'port range 50100-50000 runs backwards'],
  ])('%s → said with its line, unknown', (_name, ports, reason) => {
    const text = JSON.stringify({ SecurityGroups: [{ GroupId: 'sg-1', IpPermissions: [{ IpProtocol: 'tcp', ...ports, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }] }] }, null, 2);
    const facts = readFirewallFile('sg.json', text);
    expect(facts.notUnderstood).toEqual([{ at: expect.objectContaining({ line: 6 }), reason }]);
    expect(inbound(facts, 21).verdict).toBe('unknown');
  });

  it('hostile JSON is refused with its line', () => {
    expect(() => readFirewallFile('sg.json', `{"SecurityGroups": ${'['.repeat(1000)}`, 'aws-security-groups')).toThrow(/sg.json:1: JSON nested deeper/);
    expect(() => readFirewallFile('sg.json', '{"Reservations": []}', 'aws-security-groups')).toThrow(FirewallParseError);
  });
});

describe('Terraform aws_security_group', () => {
  it('is detected; the same group gives the same verdicts as its JSON', () => {
    expect(tf.kind).toBe('terraform-security-group');
    expect(tf.notUnderstood).toEqual([]);
    const ftpJson = only(json, '(ftp)');
    for (const [port, src] of [[21, '203.0.113.9'], [50000, '198.51.100.10'], [50050, '203.0.113.9'], [50051, '198.51.100.10']] as const) {
      expect(inbound(tf, port, src).verdict, `port ${port}`).toBe(inbound(ftpJson, port, src).verdict);
    }
  });

  it('a rule resource whose source is a variable: unknown for its port, with the line', () => {
    expect(inbound(tf, 990)).toMatchObject({ verdict: 'unknown', by: { line: 36 }, reason: expect.stringContaining('var.office_cidr') });
  });

  it('no egress block: Terraform removed the default, nothing goes out', () => {
    const facts = readFirewallFile('x.tf', 'resource "aws_security_group" "x" {\n  name = "x"\n}\n');
    expect(evaluateTcp(facts, { direction: 'out', dport: 443, state: 'new' }).verdict).toBe('drop');
  });

  it.each([
    ['a dynamic block', 'resource "aws_security_group" "x" {\n  dynamic "ingress" {\n    for_each = var.ports\n  }\n}\n', 2, 'a dynamic block is generated when Terraform runs: its rules are not known'],
    ['an unknown line', 'resource "aws_security_group" "x" {\n  what even\n}\n', 2, 'not understood in HCL'],
    ['another resource', 'resource "aws_instance" "x" {\n  ami = "ami-1"\n}\n', 1, 'resource aws_instance x: not a security group'],
  ])('%s → said with its line', (_name, text, line, reason) => {
    const facts = readFirewallFile('x.tf', text, 'terraform-security-group');
    expect(facts.notUnderstood).toContainEqual({ at: expect.objectContaining({ line }), reason });
  });

  it.each([
    ['an unclosed block', 'resource "aws_security_group" "x" {\n', /x.tf:1: this block is not closed/],
    ['an unclosed list', 'resource "aws_security_group" "x" {\n cidr_blocks = [\n', /x.tf:2: a bracket is never closed/],
    ['a stray brace', '}\n', /x.tf:1: a "}" closes nothing/],
  ])('%s → FirewallParseError', (_name, text, message) => {
    expect(() => readFirewallFile('x.tf', text, 'terraform-security-group')).toThrow(message);
  });
});
