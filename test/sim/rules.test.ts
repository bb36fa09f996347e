import { describe, expect, it } from 'vitest';
import { cidrContains, parseCidr, parsePortSpec, portMatches, sameAddress } from '../../src/net/sim/address.js';
import { compileFirewall, evaluate, type Packet } from '../../src/net/sim/rules.js';
import { renderRule } from '../../src/topology/rule-text.js';
import type { Firewall } from '../../src/topology/model.js';

describe('addresses and CIDR blocks', () => {
  it.each([
    ['10.0.0.0/8', '10.1.2.3', true],
    ['10.0.0.0/8', '11.0.0.1', false],
    ['10.0.0.5', '10.0.0.5', true],
    ['10.0.0.5', '10.0.0.6', false],
    ['0.0.0.0/0', '203.0.113.7', true],
    ['198.51.100.0/24', '198.51.100.255', true],
    ['2001:db8::/32', '2001:db8:1::5', true],
    ['2001:db8::/32', '2001:db9::5', false],
    ['2001:db8::1', '2001:0db8:0:0:0:0:0:1', true],
    ['::/0', '::1', true],
    ['::/0', '10.0.0.5', false],
    ['10.0.0.0/8', '::ffff:10.0.0.5', false],
  ])('%s contains %s: %s', (cidr, address, expected) => {
    expect(cidrContains(parseCidr(cidr), address)).toBe(expected);
  });

  it('compares IPv6 addresses by value', () => {
    expect(sameAddress('2001:db8::1', '2001:DB8:0::1')).toBe(true);
    expect(sameAddress('10.0.0.5', '10.0.0.50')).toBe(false);
  });

  it.each(['10.0.0.0/33', 'nonsense', '10.0.0.0/x', '2001:db8::/129'])('rejects %s', (text) => {
    expect(() => parseCidr(text)).toThrow();
  });

  it.each([
    [21, 21, true],
    ['21', 22, false],
    ['5500-5525', 5500, true],
    ['5500-5525', 5525, true],
    ['5500-5525', 5526, false],
    ['20,21', 20, true],
  ] as const)('port spec %s matches %s: %s', (spec, port, expected) => {
    expect(portMatches(parsePortSpec(spec), port)).toBe(expected);
  });

  it.each(['5525-5500', 'x', '70000'])('rejects port spec %s', (spec) => {
    expect(() => parsePortSpec(spec)).toThrow();
  });
});

const packet = (overrides: Partial<Packet>): Packet => ({
  direction: 'in',
  src: { address: '198.51.100.10', port: 40000 },
  dst: { address: '10.0.0.5', port: 21 },
  state: 'new',
  ...overrides,
});

const edge: Firewall = {
  name: 'edge firewall',
  at: 'edge',
  policy: 'drop',
  rules: [
    { comment: 'allow FTP control', direction: 'in', dport: 21, action: 'accept' },
    { state: ['established', 'related'], action: 'accept' },
    { direction: 'in', src: '203.0.113.0/24', action: 'reject' },
    { direction: 'in', dport: '5500-5525', action: 'accept' },
    { direction: 'out', sport: 20, dst: '198.51.100.0/24', action: 'accept' },
  ],
};

describe('rule matcher', () => {
  const compiled = compileFirewall(edge);

  it.each([
    ['control in', packet({}), 'accept', 'allow FTP control'],
    ['related data', packet({ dst: { address: '10.0.0.5', port: 6000 }, state: 'related' }), 'accept', 'tcp ct state established,related accept'],
    ['passive range', packet({ dst: { address: '10.0.0.5', port: 5510 } }), 'accept', 'in tcp dport 5500-5525 accept'],
    ['outside the range', packet({ dst: { address: '10.0.0.5', port: 5526 } }), 'drop', 'policy drop'],
    ['rejected source (first match wins over the range)', packet({ src: { address: '203.0.113.9', port: 1 }, dst: { address: '10.0.0.5', port: 5510 } }), 'reject', 'in tcp saddr 203.0.113.0/24 reject'],
    ['control on the wrong direction', packet({ direction: 'out' }), 'drop', 'policy drop'],
    [
      'active from port 20',
      packet({ direction: 'out', src: { address: '10.0.0.5', port: 20 }, dst: { address: '198.51.100.10', port: 40001 } }),
      'accept',
      'out tcp daddr 198.51.100.0/24 sport 20 accept',
    ],
    [
      'active from another port',
      packet({ direction: 'out', src: { address: '10.0.0.5', port: 2020 }, dst: { address: '198.51.100.10', port: 40001 } }),
      'drop',
      'policy drop',
    ],
  ] as const)('%s', (_name, input, action, rule) => {
    const verdict = evaluate(compiled, input);
    expect(verdict.action).toBe(action);
    expect(verdict.rule).toBe(rule);
  });

  it('renders a rule in nft-like words', () => {
    expect(renderRule({ direction: 'in', dport: 21, action: 'accept' })).toBe('in tcp dport 21 accept');
  });

  it('names the firewall and rule number when a rule is malformed', () => {
    expect(() => compileFirewall({ name: 'fw', at: 'edge', policy: 'drop', rules: [{ dport: '9-1', action: 'accept' }] })).toThrow(/fw rule 1/);
  });
});
