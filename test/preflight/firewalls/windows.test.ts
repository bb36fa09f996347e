/**
 * Windows Firewall netsh output (pure). Windows does not run here: the fixtures are written from
 * the documented output of `netsh advfirewall firewall show rule name=all` and `netsh advfirewall
 * show global` (CRLF line ends, as netsh writes them); the German one translates the labels to
 * check that rules are read by their structure, not by English words.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { evaluateTcp, readFirewallFile, type FirewallFacts } from '../../../src/preflight/firewalls/index.js';
import { meaning } from './kernel-compare.js';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/preflight/firewalls/windows/${name}`, import.meta.url), 'utf8');
const english = readFirewallFile('show-rule.txt', fixture('show-rule.txt'));
const german = readFirewallFile('show-rule-de.txt', fixture('show-rule-de.txt'));
const inbound = (facts: FirewallFacts, dport: number, src = '198.51.100.10') => evaluateTcp(facts, { direction: 'in', src, dst: '10.0.0.5', dport, state: 'new' });

describe('netsh advfirewall firewall show rule name=all', () => {
  it('is detected in both locales and every line is understood', () => {
    expect(english.kind).toBe('netsh-rules');
    expect(german.kind).toBe('netsh-rules');
    expect(english.notUnderstood).toEqual([]);
    expect(german.notUnderstood).toEqual([]);
  });

  it('translated labels give the same facts as English ones', () => {
    expect(meaning(german)).toEqual(meaning(english));
  });

  it.each([
    [21, '198.51.100.10', 'accept', 2],
    [5050, '198.51.100.10', 'accept', 16],
    [5101, '198.51.100.10', 'drop', 'policy'],
    [990, '198.51.100.10', 'drop', 'policy'], // the FTPS rule is disabled
    [21, '203.0.113.7', 'drop', 44], // block beats allow, though it comes later in the file
  ] as const)('port %d from %s: %s (line %s)', (port, src, verdict, line) => {
    const result = inbound(english, port, src);
    expect(result.verdict).toBe(verdict);
    expect(result.by === 'policy' ? 'policy' : result.by.line).toBe(line);
  });

  it('RemoteIP LocalSubnet depends on the network: unknown for its port only', () => {
    expect(inbound(english, 3389)).toMatchObject({ verdict: 'unknown', reason: expect.stringContaining('LocalSubnet') });
    expect(english.unknowns).toEqual([expect.objectContaining({ ports: [{ from: 3389, to: 3389 }] })]);
  });

  it('outbound is allowed by default; the server sits on Windows', () => {
    expect(evaluateTcp(english, { direction: 'out', dport: 20, state: 'new' }).verdict).toBe('accept');
    expect(english.firewalls[0]?.location).toBe('server');
  });

  it.each([
    ['LocalPort', '70000', 'port 70000 in "70000" is above 65535'],
    ['LocalPort', '5100-5000', 'port range "5100-5000" runs backwards (5100 > 5000)'],
    ['Action', 'Maybe', 'Action "Maybe" is not understood'],
  ])('%s %s → unknown, said with the rule\'s line', (label, value, reason) => {
    const text = fixture('show-rule.txt').replace(new RegExp(`^${label}:( +)(21|Allow)\\r$`, 'm'), `${label}:$1${value}\r`);
    const facts = readFirewallFile('r.txt', text);
    expect(facts.notUnderstood).toEqual([{ at: expect.objectContaining({ line: 2 }), reason }]);
    expect(inbound(facts, 21).verdict).toBe('unknown');
  });

  it('garbage before the first rule is said; binary is refused', () => {
    const facts = readFirewallFile('r.txt', `hello\n${fixture('show-rule.txt')}`, 'netsh-rules');
    expect(facts.notUnderstood).toEqual([{ at: expect.objectContaining({ line: 1 }), reason: 'a line before the first rule' }]);
    expect(() => readFirewallFile('r.txt', 'Rule Name: x\n\u0000', 'netsh-rules')).toThrow(/r.txt:2: binary data/);
  });
});

describe('netsh advfirewall show global', () => {
  it('StatefulFTP Disable: FTP inspection off, with its line', () => {
    const facts = readFirewallFile('global.txt', fixture('show-global.txt'));
    expect(facts.kind).toBe('netsh-global');
    expect(facts.notUnderstood).toEqual([]);
    expect(facts.ftpInspection).toEqual([{ kind: 'stateful-ftp', enabled: false, ports: [21], name: 'Windows Firewall StatefulFtp', at: expect.objectContaining({ line: 14 }) }]);
  });

  it.each([['Enable', true], ['NotConfigured', true], ['Disable', false]])('StatefulFTP %s → enabled %s', (value, enabled) => {
    const facts = readFirewallFile('g.txt', `StatefulFTP                           ${value}\n`, 'netsh-global');
    expect(facts.ftpInspection[0]?.enabled).toBe(enabled);
  });

  it('an unknown value is said', () => {
    const facts = readFirewallFile('g.txt', 'StatefulFTP                           Perhaps\n', 'netsh-global');
    expect(facts.notUnderstood).toEqual([{ at: expect.objectContaining({ line: 1 }), reason: 'StatefulFtp "Perhaps" is not understood' }]);
  });
});
