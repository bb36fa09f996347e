/** evaluateTcp: one first-match evaluator for every format's facts (pure, table-tested). */
import { describe, expect, it } from 'vitest';
import { evaluateTcp, type TcpQuery } from '../../../src/preflight/firewalls/evaluate.js';
import type { ChainFact, FirewallFacts, Match, RuleEffect, RuleFact } from '../../../src/preflight/firewalls/model.js';
import { emptyFacts } from '../../../src/preflight/firewalls/model.js';

let nextLine = 1;
const at = (text: string) => ({ file: 'rules', line: nextLine++, text });
const rule = (text: string, match: Match, effect: RuleEffect, unknown?: string): RuleFact => ({
  at: at(text), match, effect, ...(unknown ? { unknown } : {}),
});
const accept: RuleEffect = { kind: 'verdict', action: 'accept' };
const drop: RuleEffect = { kind: 'verdict', action: 'drop' };
const reject: RuleEffect = { kind: 'verdict', action: 'reject' };
const tcp = { protocol: { values: ['tcp'] } };
const ports = (...specs: [number, number][]) => ({ values: specs.map(([from, to]) => ({ from, to })) });

function facts(chains: ChainFact[]): FirewallFacts {
  return { ...emptyFacts('nftables', 'rules'), firewalls: [{ name: 'table inet filter', chains, at: at('table inet filter') }] };
}
const base = (hook: ChainFact['hook'], policy: ChainFact['policy'], rules: RuleFact[], extra: Partial<ChainFact> = {}): ChainFact => ({
  name: hook ?? 'x', hook, type: 'filter', policy, rules, at: at(`chain ${hook}`), priority: 0, ...extra,
});

const inbound = facts([
  base('input', 'drop', [
    rule('iifname lo accept', { iif: { values: ['lo'] } }, accept),
    rule('ct state established,related accept', { state: { values: ['established', 'related'] } }, accept),
    rule('tcp dport 21 accept', { ...tcp, dport: ports([21, 21]) }, accept),
    rule('tcp dport 50000-50100 accept', { ...tcp, dport: ports([50000, 50100]) }, accept),
    rule('tcp dport 22 reject', { ...tcp, dport: ports([22, 22]) }, reject),
    rule('ip saddr 203.0.113.0/24 tcp dport 2121 accept', { ...tcp, src: { values: ['203.0.113.0/24'] }, dport: ports([2121, 2121]) }, accept),
  ]),
  base('output', 'accept', []),
]);
const q = (over: Partial<TcpQuery>): TcpQuery => ({ direction: 'in', dport: 21, state: 'new', ...over });

describe('evaluateTcp: first match, policy, states', () => {
  it.each([
    ['control port accepted', q({}), 'accept', 'tcp dport 21 accept'],
    ['passive port in range', q({ dport: 50050 }), 'accept', 'tcp dport 50000-50100 accept'],
    ['one past the range: policy', q({ dport: 50101 }), 'drop', 'policy'],
    ['reject rule', q({ dport: 22 }), 'reject', 'tcp dport 22 reject'],
    ['related data connection', q({ dport: 40000, state: 'related' }), 'accept', 'ct state established,related accept'],
    ['output policy accept', q({ direction: 'out', dport: 40000 }), 'accept', 'policy'],
    ['forward: no chain filters it', q({ direction: 'forward', dport: 1 }), 'accept', 'policy'],
    ['source in the CIDR', q({ src: '203.0.113.9', dport: 2121 }), 'accept', 'ip saddr 203.0.113.0/24 tcp dport 2121 accept'],
    ['source outside the CIDR', q({ src: '198.51.100.9', dport: 2121 }), 'drop', 'policy'],
  ] as const)('%s', (_name, query, verdict, byText) => {
    const result = evaluateTcp(inbound, query);
    expect(result.verdict).toBe(verdict);
    expect(result.by === 'policy' ? 'policy' : result.by.text).toBe(byText);
  });

  it('an unknown source address makes a source-limited accept "unknown", naming the rule', () => {
    const result = evaluateTcp(inbound, q({ dport: 2121 }));
    expect(result.verdict).toBe('unknown');
    expect(result.by).toMatchObject({ text: 'ip saddr 203.0.113.0/24 tcp dport 2121 accept' });
    expect(result.reason).toBe('the source address is not known: the connection is accept or drop');
  });

  it('a maybe-rule whose verdict equals the fall-through is not uncertain', () => {
    const f = facts([base('input', 'drop', [rule('ip saddr 10.0.0.0/8 drop', { src: { values: ['10.0.0.0/8'] } }, drop)])]);
    expect(evaluateTcp(f, q({})).verdict).toBe('drop');
  });
});

describe('evaluateTcp: unknowns, jumps, several base chains', () => {
  const dynamic = rule('ip saddr @blocklist drop', { uncertain: [{ field: 'src', reason: 'set @blocklist is filled at run time' }] }, drop);
  it('a set filled at run time makes the ports after it unknown', () => {
    const f = facts([base('input', 'drop', [dynamic, rule('tcp dport 21 accept', { ...tcp, dport: ports([21, 21]) }, accept)])]);
    const result = evaluateTcp(f, q({}));
    expect(result).toMatchObject({ verdict: 'unknown', reason: expect.stringMatching(/filled at run time/) });
    expect(evaluateTcp(f, q({ dport: 80 })).verdict).toBe('drop'); // dropped either way
  });

  it('jump returns, goto does not; a jump to a missing chain is unknown', () => {
    const chains: ChainFact[] = [
      base('input', 'drop', [
        rule('jump ftp', {}, { kind: 'jump', chain: 'ftp' }),
        rule('tcp dport 8080 goto web', { ...tcp, dport: ports([8080, 8080]) }, { kind: 'goto', chain: 'web' }),
        rule('tcp dport 9 jump nowhere', { ...tcp, dport: ports([9, 9]) }, { kind: 'jump', chain: 'nowhere' }),
        rule('accept', {}, accept),
      ]),
      { name: 'ftp', rules: [rule('tcp dport 21 accept', { ...tcp, dport: ports([21, 21]) }, accept), rule('tcp dport 20 return', { ...tcp, dport: ports([20, 20]) }, { kind: 'return' })], at: at('chain ftp') },
      { name: 'web', rules: [], at: at('chain web') },
    ];
    const f = facts(chains);
    expect(evaluateTcp(f, q({ dport: 21 })).verdict).toBe('accept');
    expect(evaluateTcp(f, q({ dport: 20 })).verdict).toBe('accept'); // returned, then the final accept
    expect(evaluateTcp(f, q({ dport: 8080 }))).toMatchObject({ verdict: 'drop', by: 'policy' }); // goto: web ends input
    expect(evaluateTcp(f, q({ dport: 9 }))).toMatchObject({ verdict: 'unknown', reason: expect.stringMatching(/"nowhere", which is not in the file/) });
  });

  it('a jump loop is bounded and unknown', () => {
    const f = facts([base('input', 'accept', [rule('jump a', {}, { kind: 'jump', chain: 'a' })]), { name: 'a', rules: [rule('jump a', {}, { kind: 'jump', chain: 'a' })], at: at('chain a') }]);
    expect(evaluateTcp(f, q({})).verdict).toBe('unknown');
  });

  it('an accept in one base chain goes on to the next (by priority); a drop ends it', () => {
    const f = facts([
      base('input', 'accept', [rule('tcp dport 21 drop', { ...tcp, dport: ports([21, 21]) }, drop)], { name: 'second', priority: 10 }),
      base('input', 'accept', [rule('accept', {}, accept)], { name: 'first', priority: -10 }),
    ]);
    expect(evaluateTcp(f, q({})).verdict).toBe('drop');
    expect(evaluateTcp(f, q({ dport: 22 })).verdict).toBe('accept');
  });

  it('-m helper --helper ftp matches only connections the helper expected', () => {
    const f = facts([base('input', 'drop', [rule('-m helper --helper ftp -j ACCEPT', { helper: 'ftp' }, accept)])]);
    expect(evaluateTcp(f, q({ dport: 50000, state: 'related' })).verdict).toBe('accept');
    expect(evaluateTcp(f, q({ dport: 50000, state: 'new' })).verdict).toBe('drop');
  });

  it('interfaces: lo never matches traffic from outside; a named one is a guess unless given', () => {
    const f = facts([base('input', 'drop', [rule('iifname eth0 tcp dport 21 accept', { iif: { values: ['eth0'] }, ...tcp, dport: ports([21, 21]) }, accept)])]);
    expect(evaluateTcp(f, q({})).verdict).toBe('unknown');
    expect(evaluateTcp(f, q({ iif: 'eth0' })).verdict).toBe('accept');
    expect(evaluateTcp(f, q({ iif: 'eth1' })).verdict).toBe('drop');
  });

  it('negated ports and a whole unknown rule', () => {
    const f = facts([base('input', 'accept', [
      rule('tcp dport != 21 drop', { ...tcp, dport: { ...ports([21, 21]), negated: true } }, drop),
      rule('?? weird', { ...tcp, dport: ports([21, 21]) }, { kind: 'continue' }, 'not understood: weird'),
    ])]);
    expect(evaluateTcp(f, q({ dport: 80 })).verdict).toBe('drop');
    expect(evaluateTcp(f, q({ dport: 21 }))).toMatchObject({ verdict: 'unknown', reason: 'not understood: weird' });
  });
});
