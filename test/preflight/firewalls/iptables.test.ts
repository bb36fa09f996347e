/** iptables-save and modprobe.d readers: table tests and hostile input (pure). */
import { describe, expect, it } from 'vitest';
import { detectFirewallKind, evaluateTcp, FirewallParseError, readFirewallFile } from '../../../src/preflight/firewalls/index.js';

const save = (rules: string, policy = 'DROP') => `*filter\n:INPUT ${policy} [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n${rules}\nCOMMIT\n`;
const read = (text: string) => readFirewallFile('rules.v4', text, 'iptables-save');
const verdict = (text: string, dport: number, extra = {}) => evaluateTcp(read(text), { direction: 'in', src: '198.51.100.10', dst: '10.0.0.5', dport, state: 'new', ...extra }).verdict;

describe('iptables-save: rules', () => {
  it.each([
    ['-A INPUT -p tcp --dport 21 -j ACCEPT', 21, 'accept'],
    ['-A INPUT -p tcp --dport 21 -j ACCEPT', 20, 'drop'],
    ['-A INPUT -p tcp -m tcp --dport 50000:50100 -j ACCEPT', 50100, 'accept'],
    ['-A INPUT -p tcp -m multiport --dports 21,50000:50100 -j ACCEPT', 50001, 'accept'],
    ['-A INPUT -p tcp ! --dport 21 -j REJECT --reject-with tcp-reset', 22, 'reject'],
    ['-A INPUT -p udp --dport 21 -j ACCEPT', 21, 'drop'],
    ['-A INPUT -p 6 --dport 21 -j ACCEPT', 21, 'accept'],
    ['-A INPUT -s 198.51.100.0/24 -j ACCEPT', 80, 'accept'],
    ['-A INPUT ! -s 198.51.100.0/24 -j ACCEPT', 80, 'drop'],
    ['-A INPUT -m iprange --src-range 198.51.100.1-198.51.100.20 -j ACCEPT', 80, 'accept'],
    ['-A INPUT -p tcp --syn --dport 21 -j ACCEPT', 21, 'accept'],
    ['-A INPUT -p tcp --dport 21 -m comment --comment "ftp -j DROP" -j ACCEPT', 21, 'accept'],
    ['-A INPUT -m state --state NEW -p tcp --dport 21 -j ACCEPT', 21, 'accept'],
    ['-A INPUT -m conntrack --ctstate ESTABLISHED -p tcp --dport 21 -j ACCEPT', 21, 'drop'],
    ['-A INPUT -p tcp --dport 21 -j LOG --log-prefix "x: "\n-A INPUT -p tcp --dport 21 -j ACCEPT', 21, 'accept'],
    ['[5:300] -A INPUT -p tcp --dport 21 -j ACCEPT', 21, 'accept'],
    ['-I INPUT -p tcp --dport 21 -j DROP\n-I INPUT 1 -p tcp --dport 21 -j ACCEPT', 21, 'accept'],
  ] as const)('%s → port %d %s', (rules, port, expected) => {
    expect(verdict(save(rules), port)).toBe(expected);
  });

  it('policies and custom chains: -j CHAIN returns, -g does not', () => {
    const text = `*filter\n:INPUT ACCEPT [0:0]\n:ftp - [0:0]\n-A INPUT -p tcp --dport 21 -j ftp\n-A INPUT -p tcp --dport 22 -g ftp\n-A INPUT -p tcp -j DROP\n-A ftp -s 192.0.2.1 -j ACCEPT\n-A ftp -j RETURN\nCOMMIT`;
    expect(verdict(text, 21)).toBe('drop');
    expect(verdict(text, 22)).toBe('accept'); // goto: RETURN ends INPUT, policy ACCEPT
    expect(verdict(text, 21, { src: '192.0.2.1' })).toBe('accept');
    expect(read(text).firewalls[0]?.chains[0]).toMatchObject({ name: 'INPUT', hook: 'input', policy: 'accept', priority: 0 });
  });

  it('FTP inspection: CT --helper in raw, -m helper in filter', () => {
    const text = `*raw\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -p tcp --dport 21 -j CT --helper ftp\nCOMMIT\n${save('-A INPUT -m helper --helper ftp -j ACCEPT')}`;
    const facts = read(text);
    expect(facts.ftpInspection).toEqual([expect.objectContaining({ kind: 'helper-assigned', name: 'ftp', ports: [21], at: expect.objectContaining({ line: 3 }) })]);
    expect(evaluateTcp(facts, { direction: 'in', dport: 50000, state: 'related' }).verdict).toBe('accept');
    expect(evaluateTcp(facts, { direction: 'in', dport: 50000, state: 'new' }).verdict).toBe('drop');
  });

  it('NAT: DNAT with port and range, SNAT, MASQUERADE, REDIRECT', () => {
    const text = `*nat\n:PREROUTING ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n-A PREROUTING -p tcp --dport 2100 -j DNAT --to-destination 10.0.0.5:21\n-A PREROUTING -p tcp --dport 50000:50100 -j DNAT --to-destination 10.0.0.5:50000-50100\n-A PREROUTING -p tcp --dport 8080 -j REDIRECT --to-ports 80\n-A POSTROUTING -o eth0 -j MASQUERADE\n-A POSTROUTING -s 10.0.0.0/24 -j SNAT --to-source 192.0.2.1\nCOMMIT`;
    const facts = read(text);
    expect(facts.notUnderstood).toEqual([]);
    expect(facts.nat.map((nat) => [nat.kind, nat.to, nat.at.line])).toEqual([
      ['dnat', { address: '10.0.0.5', ports: { from: 21, to: 21 } }, 4],
      ['dnat', { address: '10.0.0.5', ports: { from: 50000, to: 50100 } }, 5],
      ['redirect', { ports: { from: 80, to: 80 } }, 6],
      ['masquerade', undefined, 7],
      ['snat', { address: '192.0.2.1' }, 8],
    ]);
    // NAT chains translate; they are not filter decisions.
    expect(evaluateTcp(facts, { direction: 'in', dport: 2100, state: 'new' }).verdict).toBe('accept');
  });

  it('iptables command lines, as firewall scripts write them', () => {
    const text = '#!/bin/sh\niptables -P INPUT DROP\nsudo iptables -A INPUT -p tcp --dport 21 -j ACCEPT\niptables -t nat -A PREROUTING -p tcp --dport 2100 -j DNAT --to-destination 10.0.0.5:21\n';
    expect(detectFirewallKind(text, 'firewall.sh')).toBe('iptables-save');
    const facts = read(text);
    expect(facts.notUnderstood).toEqual([]);
    expect(evaluateTcp(facts, { direction: 'in', dport: 21, state: 'new' }).verdict).toBe('accept');
    expect(evaluateTcp(facts, { direction: 'in', dport: 22, state: 'new' }).verdict).toBe('drop');
    expect(facts.nat).toHaveLength(1);
  });

  it('ip6tables-save gives IPv6-only rules', () => {
    const facts = read(`# Generated by ip6tables-save v1.8.9\n${save('-A INPUT -p tcp --dport 21 -j ACCEPT')}`);
    expect(evaluateTcp(facts, { direction: 'in', dport: 21, state: 'new', family: 6 }).verdict).toBe('accept');
    expect(evaluateTcp(facts, { direction: 'in', dport: 21, state: 'new', family: 4 }).verdict).toBe('accept'); // no IPv4 table here: nothing filters it
  });
});

describe('iptables-save: what is not understood, and hostile input', () => {
  it.each([
    ['-A INPUT -p tcp --dport 70000 -j ACCEPT', 'port 70000 in "70000" is above 65535'],
    ['-A INPUT -p tcp --dport 50100:50000 -j ACCEPT', 'port range "50100:50000" runs backwards (50100 > 50000)'],
    ['-A INPUT -p tcp --frobnicate 3 --dport 21 -j ACCEPT', 'option --frobnicate is not understood'],
    ['-A INPUT -p tcp --dport 21 -j NFQUEUE --queue-num 1', '-j NFQUEUE hands the decision to something outside the file'],
  ])('%s → unknown, said with its line', (rule, reason) => {
    const facts = read(save(rule));
    expect(facts.notUnderstood).toEqual([{ at: expect.objectContaining({ line: 5 }), reason }]);
    expect(evaluateTcp(facts, { direction: 'in', dport: 21, state: 'new' }).verdict).toBe('unknown');
  });

  it('an ipset or recent list is filled at run time: unknown for the ports it touches', () => {
    const facts = read(save('-A INPUT -p tcp --dport 21 -m set --match-set admins src -j ACCEPT'));
    expect(facts.unknowns).toEqual([{ reason: 'an ipset, filled at run time (-m set) narrows the match in a way not evaluated', ports: [{ from: 21, to: 21 }], at: expect.objectContaining({ line: 5 }) }]);
    expect(evaluateTcp(facts, { direction: 'in', dport: 21, state: 'new' }).verdict).toBe('unknown');
    expect(evaluateTcp(facts, { direction: 'in', dport: 22, state: 'new' }).verdict).toBe('drop');
  });

  it.each([
    ['a chain outside a table', ':INPUT DROP [0:0]\n', /rules.v4:1: a chain declared outside/],
    ['binary garbage', '*filter\n\u0000\u0001', /rules.v4:2: binary data/],
    ['a huge line', `*filter\n-A INPUT ${'-s 1.2.3.4 '.repeat(10_000)}\n`, /rules.v4:2: line is \d+ characters long/],
  ])('%s → FirewallParseError', (_name, text, message) => {
    expect(() => read(text)).toThrow(FirewallParseError);
    expect(() => read(text)).toThrow(message);
  });

  it('lines outside a table and unknown tables are reported, not dropped', () => {
    const facts = read('-A INPUT -j ACCEPT\n*weird\nCOMMIT\n');
    expect(facts.notUnderstood.map((item) => [item.at.line, item.reason])).toEqual([
      [1, 'a rule outside a *table … COMMIT block'],
      [2, 'table "weird" is not one iptables has'],
    ]);
  });
});

describe('modprobe.d: nf_conntrack_ftp', () => {
  it.each([
    ['options nf_conntrack_ftp ports=21,2121', { enabled: true, ports: [21, 2121] }],
    ['options nf_conntrack_ftp ports=2121 loose=1', { enabled: true, ports: [2121] }],
    ['blacklist nf_conntrack_ftp', { enabled: false }],
    ['install nf_conntrack_ftp /bin/false', { enabled: false }],
  ])('%s', (line, expected) => {
    const facts = readFirewallFile('/etc/modprobe.d/ftp.conf', `# FTP helper\n${line}\noptions snd_hda_intel power_save=1\n`);
    expect(facts.kind).toBe('modprobe');
    expect(facts.ftpInspection).toEqual([expect.objectContaining({ kind: 'module-ports', ...expected, at: expect.objectContaining({ line: 2 }) })]);
    expect(facts.notUnderstood).toEqual([]);
  });

  it.each([
    ['ports=70000', 'port 70000 in "70000" is above 65535'],
    ['ports=1,2,3,4,5,6,7,8,9', '9 ports: nf_conntrack_ftp takes at most 8, and does not load with more'],
    ['ports=50000-50100', '"50000-50100" is not one port'],
  ])('%s → said with its line', (option, reason) => {
    const facts = readFirewallFile('ftp.conf', `options nf_conntrack_ftp ${option}\n`, 'modprobe');
    expect(facts.notUnderstood).toEqual([{ at: expect.objectContaining({ line: 1 }), reason }]);
  });
});
