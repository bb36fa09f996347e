/**
 * `ufw status verbose` (pure). ufw is not installed here: the fixture is written from the
 * documented output (ufw(8), "ufw status verbose"), in the layout ufw prints.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { evaluateTcp, readFirewallFile } from '../../../src/preflight/firewalls/index.js';

const text = readFileSync(new URL('../../fixtures/preflight/firewalls/ufw/status-verbose.txt', import.meta.url), 'utf8');
const facts = readFirewallFile('ufw-status.txt', text);
const inbound = (dport: number, src = '198.51.100.10', dst = '10.0.0.5') => evaluateTcp(facts, { direction: 'in', src, dst, dport, state: 'new' });

describe('ufw status verbose', () => {
  it('is detected and every line understood', () => {
    expect(facts.kind).toBe('ufw');
    expect(facts.notUnderstood).toEqual([]);
    expect(facts.firewalls[0]).toMatchObject({ name: 'ufw', location: 'server' });
  });

  it.each([
    [21, '198.51.100.10', 'accept', 9],
    [50100, '198.51.100.10', 'accept', 11],
    [50101, '198.51.100.10', 'drop', 'policy'],
    [990, '203.0.113.5', 'drop', 10],
    [990, '198.51.100.10', 'drop', 'policy'],
    [21, '192.0.2.66', 'accept', 9], // the ALLOW for 21 comes before the REJECT of that address
    [8080, '192.0.2.66', 'reject', 12],
    [2121, '198.51.100.10', 'accept', 13],
    [2121, '203.0.113.5', 'drop', 'policy'],
    [443, '198.51.100.10', 'accept', 14],
  ] as const)('port %d from %s: %s (line %s)', (port, src, verdict, line) => {
    const result = inbound(port, src);
    expect(result.verdict).toBe(verdict);
    expect(result.by === 'policy' ? 'policy' : result.by.line).toBe(line);
  });

  it('LIMIT is an accept that may refuse: unknown, said', () => {
    expect(inbound(22)).toMatchObject({ verdict: 'unknown', reason: expect.stringContaining('LIMIT refuses') });
  });

  it('IPv6 rules are the (v6) lines; outgoing is allowed by default', () => {
    expect(evaluateTcp(facts, { direction: 'in', src: '2001:db8::1', dport: 50000, state: 'new' }).verdict).toBe('accept');
    expect(evaluateTcp(facts, { direction: 'in', src: '2001:db8::1', dport: 2121, state: 'new' }).verdict).toBe('drop');
    expect(evaluateTcp(facts, { direction: 'out', dport: 40000, state: 'new' }).verdict).toBe('accept');
  });

  it('inactive: nothing is filtered', () => {
    const inactive = readFirewallFile('ufw.txt', 'Status: inactive\n', 'ufw');
    expect(evaluateTcp(inactive, { direction: 'in', dport: 21, state: 'new' }).verdict).toBe('accept');
    expect(inactive.firewalls[0]?.locationReason).toMatch(/inactive/);
  });

  it.each([
    ['21/tcp   ALLOW IN   Anywhere\n70000/tcp   ALLOW IN   Anywhere', 3, 'port 70000 in "70000" is above 65535'],
    ['50100:50000/tcp   ALLOW IN   Anywhere', 2, 'port range "50100:50000" runs backwards (50100 > 50000)'],
    ['My App   ALLOW IN   Anywhere', 2, '"My App" is not an address, port or known application profile'],
    ['what is this', 2, 'not a line of ufw status'],
    ['Default: maybe (incoming)', 2, 'default "maybe (incoming)" is not understood'],
  ])('%s → said with line %d', (lines, line, reason) => {
    const result = readFirewallFile('ufw.txt', `Status: active\n${lines}\n`, 'ufw');
    expect(result.notUnderstood).toContainEqual({ at: expect.objectContaining({ line }), reason });
  });

  it('binary garbage is refused with its line', () => {
    expect(() => readFirewallFile('ufw.txt', 'Status: active\n\u0007\u0000', 'ufw')).toThrow(/ufw.txt:2: binary data/);
  });
});
