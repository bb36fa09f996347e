/** nftables text and JSON readers: table tests, hostile input (pure; the kernel test is nft-kernel.test.ts). */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { detectFirewallKind, evaluateTcp, FirewallParseError, readFirewallFile } from '../../../src/preflight/firewalls/index.js';

const FIXTURES = new URL('../../fixtures/preflight/firewalls/nftables/', import.meta.url);
const wrap = (rules: string, header = 'type filter hook input priority filter; policy drop;') =>
  `table inet filter {\n\tchain input {\n\t\t${header}\n\t\t${rules}\n\t}\n}\n`;
const read = (text: string) => readFirewallFile('rules.nft', text, 'nftables');
const inputRules = (text: string) => read(text).firewalls[0]?.chains[0]?.rules ?? [];
const verdict = (text: string, dport: number, extra = {}) => evaluateTcp(read(text), { direction: 'in', src: '198.51.100.10', dst: '10.0.0.5', dport, state: 'new', ...extra }).verdict;

describe('nftables text: rules', () => {
  it.each([
    ['tcp dport 21 accept', 21, 'accept'],
    ['tcp dport 21 accept', 22, 'drop'],
    ['tcp dport { 21, 50000-50100 } accept', 50100, 'accept'],
    ['tcp dport 50000-50100 counter packets 3 bytes 180 accept', 50000, 'accept'],
    ['tcp dport != 21 reject with tcp reset', 22, 'reject'],
    ['tcp dport >= 1024 accept', 50000, 'accept'],
    ['tcp dport < 1024 accept', 50000, 'drop'],
    ['tcp dport ftp accept', 21, 'accept'],
    ['udp dport 21 accept', 21, 'drop'],
    ['meta l4proto { tcp, udp } th dport 21 accept', 21, 'accept'],
    ['icmp type echo-request accept', 21, 'drop'],
    ['ip6 saddr 2001:db8::/32 tcp dport 21 accept', 21, 'drop'],
    ['ip saddr 198.51.100.0/24 tcp dport 21 accept', 21, 'accept'],
    ['ip saddr { 192.0.2.1, 198.51.100.5-198.51.100.20 } accept', 21, 'accept'],
    ['ct state new tcp dport 21 log prefix "accept " drop', 21, 'drop'],
    ['tcp dport vmap { 21 : accept, 22 : drop }', 21, 'accept'],
    ['tcp dport 21 comment "ftp control" accept', 21, 'accept'],
    ['tcp dport 21 accept # handle 4', 21, 'accept'],
  ] as const)('%s → port %d %s', (rule, port, expected) => {
    expect(verdict(wrap(rule), port)).toBe(expected);
  });

  it('policy, priority names with offsets, and regular chains', () => {
    const facts = read(`table ip t {\n chain c {\n type filter hook input priority filter + 10; policy accept;\n }\n chain r {\n accept\n }\n}`);
    const [base, regular] = facts.firewalls[0]?.chains ?? [];
    expect(base).toMatchObject({ hook: 'input', priority: 10, policy: 'accept', type: 'filter' });
    expect(regular?.hook).toBeUndefined();
    expect(regular?.policy).toBeUndefined();
    expect(facts.firewalls[0]?.chains[1]?.rules[0]?.match.family).toBe(4);
  });

  it('an ip table never sees IPv6, an ip6 table never IPv4 (each policy applies to its family only)', () => {
    const text = 'table ip four {\n chain input {\n type filter hook input priority 0; policy drop;\n }\n}\ntable ip6 six {\n chain input {\n type filter hook input priority 0; policy accept;\n }\n}';
    expect(evaluateTcp(read(text), { direction: 'in', src: '2001:db8::1', dport: 21, state: 'new' }).verdict).toBe('accept');
    expect(evaluateTcp(read(text), { direction: 'in', src: '192.0.2.1', dport: 21, state: 'new' }).verdict).toBe('drop');
  });

  it('every rule carries its file and line', () => {
    const rules = inputRules(wrap('tcp dport 21 accept\n\t\ttcp dport 22 drop'));
    expect(rules.map((rule) => [rule.at.file, rule.at.line, rule.at.text])).toEqual([['rules.nft', 4, 'tcp dport 21 accept'], ['rules.nft', 5, 'tcp dport 22 drop']]);
  });

  it('a multi-line set of elements is joined; a static set is evaluated, a dynamic one is "filled at run time"', () => {
    const text = `table inet f {\n set ok {\n type ipv4_addr\n elements = { 198.51.100.10,\n 192.0.2.1 }\n }\n set bad {\n type ipv4_addr\n flags dynamic,timeout\n }\n chain input {\n type filter hook input priority 0; policy drop;\n ip saddr @bad drop\n ip saddr @ok tcp dport 21 accept\n }\n}`;
    const facts = read(text);
    expect(facts.notUnderstood).toEqual([]);
    expect(facts.unknowns).toEqual([{ reason: 'set @bad is filled at run time', at: { file: 'rules.nft', line: 13, text: 'ip saddr @bad drop' } }]);
    expect(evaluateTcp(facts, { direction: 'in', src: '198.51.100.10', dport: 21, state: 'new' })).toMatchObject({ verdict: 'unknown', by: { line: 13 } });
    expect(evaluateTcp(facts, { direction: 'in', src: '198.51.100.10', dport: 22, state: 'new' }).verdict).toBe('drop');
  });

  it('FTP inspection: ct helper objects, ct helper set, and a ct helper match', () => {
    const text = `table inet f {\n ct helper ftp-std {\n type "ftp" protocol tcp\n l3proto inet\n }\n chain pre {\n type filter hook prerouting priority filter; policy accept;\n tcp dport { 21, 2121 } ct helper set "ftp-std"\n }\n chain input {\n type filter hook input priority filter; policy drop;\n ct helper "ftp" accept\n }\n}`;
    const facts = read(text);
    expect(facts.ftpInspection).toEqual([
      { kind: 'helper-object', enabled: true, name: 'ftp-std', at: expect.objectContaining({ line: 2 }) },
      expect.objectContaining({ kind: 'helper-assigned', name: 'ftp-std', ports: [21, 2121], at: expect.objectContaining({ line: 8 }) }),
    ]);
    expect(evaluateTcp(facts, { direction: 'in', dport: 50000, state: 'related' }).verdict).toBe('accept');
  });

  it('NAT: dnat with and without a port, a port range, masquerade, snat, a map target is unknown', () => {
    const text = `table ip nat {\n chain pre {\n type nat hook prerouting priority dstnat; policy accept;\n tcp dport 2100 dnat to 10.0.0.5:21\n tcp dport 50000-50100 dnat ip to 10.0.0.5:50000-50100\n tcp dport 21 dnat to ip saddr map { 192.0.2.1 : 10.0.0.6 }\n tcp dport 8080 redirect to :80\n }\n chain post {\n type nat hook postrouting priority srcnat; policy accept;\n oifname "eth0" masquerade random\n snat to 192.0.2.1\n }\n}`;
    const facts = read(text);
    expect(facts.nat.map((nat) => [nat.kind, nat.to, nat.unknown])).toEqual([
      ['dnat', { address: '10.0.0.5', ports: { from: 21, to: 21 } }, undefined],
      ['dnat', { address: '10.0.0.5', ports: { from: 50000, to: 50100 } }, undefined],
      ['dnat', undefined, 'dnat to an address chosen by a map or expression is not evaluated'],
      ['redirect', { ports: { from: 80, to: 80 } }, undefined],
      ['masquerade', undefined, undefined],
      ['snat', { address: '192.0.2.1' }, undefined],
    ]);
  });

  it('jump to a chain not in the file: unknown for the ports it touches', () => {
    const facts = read(wrap('tcp dport 21 jump elsewhere\n\t\taccept'));
    expect(evaluateTcp(facts, { direction: 'in', dport: 21, state: 'new' })).toMatchObject({ verdict: 'unknown', reason: expect.stringContaining('"elsewhere"') });
    expect(evaluateTcp(facts, { direction: 'in', dport: 22, state: 'new' }).verdict).toBe('accept');
  });

  it('the fixtures read without a line left over', () => {
    for (const name of ['ftp-server.nft', 'server-input.nft', 'edge-dnat.nft']) {
      expect(read(readFileSync(new URL(name, FIXTURES), 'utf8')).notUnderstood, name).toEqual([]);
    }
  });
});

describe('nftables commands in shell scripts', () => {
  it('sudo nft add …, quoted and with escaped semicolons, is read like the ruleset', () => {
    const text = [
      '#!/bin/sh',
      'sudo nft add table inet filter',
      "nft 'add chain inet filter input { type filter hook input priority 0 ; policy drop ; }'",
      'nft add chain inet filter fwd { type filter hook forward priority 0 \\; policy accept \\; }',
      'nft add rule inet filter input tcp dport { 21, 50000-50100 } accept',
      'nft insert rule inet filter input tcp dport 50000 drop',
      'nft add rule inet other input accept',
    ].join('\n');
    expect(detectFirewallKind(text, 'firewall.sh')).toBe('nftables');
    const facts = read(text);
    expect(facts.notUnderstood).toEqual([{ at: expect.objectContaining({ line: 7 }), reason: 'table inet other is used before it is added' }]);
    const chains = facts.firewalls[0]?.chains ?? [];
    expect(chains.map((chain) => [chain.name, chain.hook, chain.policy])).toEqual([['input', 'input', 'drop'], ['fwd', 'forward', 'accept']]);
    const ask = (dport: number) => evaluateTcp({ ...facts, firewalls: facts.firewalls.slice(0, 1) }, { direction: 'in', dport, state: 'new' }).verdict;
    expect([ask(21), ask(50000), ask(50001), ask(22)]).toEqual(['accept', 'drop', 'accept', 'drop']);
  });
});

describe('nftables text: what is not understood is said, with its line', () => {
  it.each([
    ['tcp dport 70000 accept', 'port 70000 is above 65535'],
    ['tcp dport 50100-50000 accept', 'port range 50100-50000 runs backwards'],
    ['frobnicate 21 accept', '"frobnicate" is not understood'],
    ['ip saddr . tcp dport { 1.2.3.4 . 21 } accept', 'a concatenation (a . b) is not evaluated'],
    ['tcp dport $FTP accept', 'a variable ($name) is not expanded'],
  ])('%s', (rule, reason) => {
    const facts = read(wrap(rule));
    expect(facts.notUnderstood).toEqual([{ at: expect.objectContaining({ line: 4 }), reason }]);
    expect(facts.unknowns[0]).toMatchObject({ reason, at: { line: 4 } });
    expect(evaluateTcp(facts, { direction: 'in', dport: 21, state: 'new' }).verdict).toBe('unknown');
  });

  it('top-level and table-level lines it does not know', () => {
    const facts = read(`include "/etc/nft.d/*.nft"\ntable inet f {\n weird thing\n}`);
    expect(facts.notUnderstood.map((item) => [item.at.line, item.reason])).toEqual([
      [1, 'include is not followed: what it brings in is not evaluated'],
      [3, 'not understood inside an nftables table'],
    ]);
  });

  it.each([
    ['an unclosed block', 'table inet f {\n chain c {\n', /rules.nft:2: this block is not closed by the end of the file \(2 open\)/],
    ['a stray brace', '}\n', /rules.nft:1: a "}" closes nothing/],
    ['binary garbage', 'table inet f {\u0000\u0001\u0002', /rules.nft:1: binary data/],
    ['a huge line', `table inet f {\n chain c {\n tcp dport { ${'1, '.repeat(40_000)}2 } accept\n }\n}`, /rules.nft:3: line is \d+ characters long/],
    ['an unclosed set on a line', `table inet f {\n set s {\n elements = { 1,\n`, /rules.nft:3: a "\{" is never closed/],
  ])('%s → a FirewallParseError naming file:line', (_name, text, message) => {
    expect(() => read(text)).toThrow(FirewallParseError);
    expect(() => read(text)).toThrow(message);
  });

  it('a long but sane ruleset is read (10 000 rules)', () => {
    const rules = Array.from({ length: 10_000 }, (_, index) => `tcp dport ${index + 1} accept`).join('\n');
    expect(inputRules(wrap(rules))).toHaveLength(10_000);
  });
});

describe('nftables JSON', () => {
  const json = (nftables: unknown[]) => JSON.stringify({ nftables });
  const table = { table: { family: 'inet', name: 'f', handle: 1 } };
  const chain = { chain: { family: 'inet', table: 'f', name: 'input', handle: 1, type: 'filter', hook: 'input', prio: 0, policy: 'drop' } };
  const rule = (expr: unknown[]) => ({ rule: { family: 'inet', table: 'f', chain: 'input', handle: 2, expr } });
  const dport = (right: unknown) => ({ match: { op: '==', left: { payload: { protocol: 'tcp', field: 'dport' } }, right } });

  it('reads a rule and names table, chain and handle', () => {
    const facts = readFirewallFile('r.json', json([table, chain, rule([dport({ set: [21, { range: [50000, 50100] }] }), { accept: null }])]));
    expect(facts.kind).toBe('nftables-json');
    expect(facts.firewalls[0]?.chains[0]?.rules[0]?.at).toEqual({ file: 'r.json', line: 1, text: 'rule inet f input handle 2' });
    expect(evaluateTcp(facts, { direction: 'in', dport: 50050, state: 'new' }).verdict).toBe('accept');
  });

  it('pretty-printed JSON gives each object its own line', () => {
    const text = JSON.stringify({ nftables: [table, chain, rule([dport(21), { drop: null }])] }, null, 2);
    const facts = readFirewallFile('r.json', text);
    expect(facts.firewalls[0]?.chains[0]?.rules[0]?.at.line).toBe(text.split('\n').findIndex((line) => line.includes('"rule"')));
  });

  it.each([
    ['out-of-range port', [dport(70000), { accept: null }], 'port 70000 is above 65535'],
    ['reversed range', [dport({ range: [50100, 50000] }), { accept: null }], 'port range 50100-50000 runs backwards'],
    ['an unknown statement', [{ xt: { type: 'match', name: 'recent' } }, { accept: null }], '"xt" is not understood'],
  ])('%s → unknown with where', (_name, expr, reason) => {
    const facts = readFirewallFile('r.json', json([table, chain, rule(expr)]));
    expect(facts.notUnderstood).toEqual([{ at: expect.objectContaining({ text: 'rule inet f input handle 2' }), reason }]);
  });

  it.each([
    ['deeply nested JSON', `{"nftables": ${'['.repeat(100_000)}${']'.repeat(100_000)}}`, /r.json:1: JSON nested deeper than 64 levels/],
    ['broken JSON', '{"nftables": [\n{"table": }]}', /r.json:2: not valid JSON/],
    ['no nftables array', '{"nftables": 3}', /r.json:1: not nft JSON/],
  ])('%s → FirewallParseError', (_name, text, message) => {
    expect(() => readFirewallFile('r.json', text, 'nftables-json')).toThrow(message);
  });
});

describe('detectFirewallKind', () => {
  it.each([
    ['table inet filter {\n}', 'x.txt', 'nftables'],
    ['{"nftables": []}', 'x', 'nftables-json'],
    ['[server]\nlisten=YES', 'vsftpd.conf', undefined],
    ['version: "3"\n\nservices: \n  ftp:\n    ports:\n      - "21:21"\n', 'compose.yml', undefined],
  ] as const)('%s', (text, name, kind) => {
    expect(detectFirewallKind(text, name)).toBe(kind);
  });
});
