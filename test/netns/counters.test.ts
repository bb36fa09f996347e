/** nft -j counters → trace entries: pure, from fixtures shaped like nft 1.0.6 output. */
import { describe, expect, it } from 'vitest';
import { countersToTrace, decisionOf, parseCounterRules, readCounters } from '../../src/netns/counters.js';

function rule(commentText: string, expr: unknown[], packets: number, bytes = packets * 60) {
  return { rule: { family: 'inet', table: 'ftpdoctor', chain: 'filter_forward', handle: 1, comment: commentText,
    expr: [...expr.slice(0, -1), { counter: { packets, bytes } }, ...expr.slice(-1)] } };
}
const tcpDport = (port: number) => ({ match: { op: '==', left: { payload: { protocol: 'tcp', field: 'dport' } }, right: port } });

const LISTING = {
  nftables: [
    { metainfo: { version: '1.0.6', json_schema_version: 1 } },
    { table: { family: 'inet', name: 'ftpdoctor', handle: 1 } },
    rule('edge/established packets of accepted connections', [{ accept: null }], 120),
    rule('edge/rule:1 edge firewall: FTP control', [tcpDport(21), { accept: null }], 2),
    rule('edge/rule:2 edge firewall: reject 8022', [tcpDport(8022), { reject: { type: 'tcp reset' } }], 1),
    rule('edge/rule:3 edge firewall: never used', [tcpDport(23), { drop: null }], 0),
    rule('edge/expect edge firewall: data connection expected by the FTP helper', [{ accept: null }], 1),
    rule('edge/helper edge firewall: FTP helper on port 21', [{ 'ct helper': 'ftp_helper' }], 1),
    rule('nat/dnat forward 21 to 10.0.0.5', [{ dnat: { addr: '10.0.0.5' } }], 1),
    rule('nat/snat masquerade behind 10.0.0.1', [{ masquerade: null }], 3),
    rule('nat/dnat stateless forward 21 to 10.0.0.5', [{ mangle: { key: {}, value: '10.0.0.5' } }], 4),
    rule('nat/timeout no conntrack entry: idle timeout expired', [{ drop: null }], 2),
    rule('edge/policy edge firewall: no rule matched, policy drop', [{ drop: null }], 3, 180),
    rule('someone else: not ours', [{ drop: null }], 9),
    { rule: { family: 'inet', table: 'x', chain: 'y', handle: 9, expr: [{ counter: { packets: 5, bytes: 5 } }, { drop: null }] } },
  ],
};

describe('kernel counters', () => {
  it('parses only our tagged rules, with counters and actions', () => {
    const rules = parseCounterRules(LISTING);
    expect(rules).toHaveLength(11);
    expect(rules[1]).toEqual({ scope: 'edge', kind: 'rule:1', text: 'edge firewall: FTP control', action: 'accept', packets: 2, bytes: 120 });
    expect(rules[2]?.action).toBe('reject');
  });

  it('turns rules whose counters moved into decisions, skipping bookkeeping rules', () => {
    const trace = countersToTrace(parseCounterRules(LISTING), 1234);
    expect(trace.map((entry) => [entry.at, entry.decision, entry.rule])).toEqual([
      ['edge', 'accept', 'edge firewall: FTP control'],
      ['edge', 'reject', 'edge firewall: reject 8022'],
      ['edge', 'expect', 'edge firewall: data connection expected by the FTP helper'],
      ['nat', 'dnat', 'forward 21 to 10.0.0.5'],
      ['nat', 'snat', 'masquerade behind 10.0.0.1'],
      ['nat', 'dnat', 'stateless forward 21 to 10.0.0.5'],
      ['nat', 'timeout', 'no conntrack entry: idle timeout expired'],
      ['edge', 'drop', 'edge firewall: no rule matched, policy drop'],
    ]);
    expect(trace.at(-1)).toEqual({
      t: 1234, at: 'edge', connection: '*', decision: 'drop', rule: 'edge firewall: no rule matched, policy drop',
      detail: '3 packets, 180 bytes (kernel counter edge/policy)',
    });
  });

  it.each([
    [{ kind: 'auth-tls', action: 'reject' }, 'reject'],
    [{ kind: 'invalid', action: 'drop' }, 'drop'],
    [{ kind: 'rule:4', action: undefined }, undefined],
    [{ kind: 'snat', action: 'snat' }, 'snat'],
  ] as const)('decision of %o is %s', (partial, expected) => {
    expect(decisionOf({ scope: 'edge', text: 'x', packets: 1, bytes: 1, ...partial })).toBe(expected);
  });

  it('tolerates junk', () => {
    expect(parseCounterRules(null)).toEqual([]);
    expect(parseCounterRules({ nftables: [1, 'x', { rule: null }, { rule: { comment: 5 } }] })).toEqual([]);
  });

  it('readCounters merges namespaces in order and fails loudly when nft fails', async () => {
    const one = { nftables: [rule('client/policy client firewall: no rule matched, policy drop', [{ drop: null }], 1)] };
    const two = { nftables: [rule('server/rule:1 server firewall: ok', [{ accept: null }], 1)] };
    const execs = [one, two].map((listing) => async () => ({ code: 0, stdout: JSON.stringify(listing), stderr: '' }));
    const trace = await readCounters(execs, 5);
    expect(trace.map((entry) => entry.at)).toEqual(['client', 'server']);
    await expect(readCounters([async () => ({ code: 1, stdout: '', stderr: 'no such netns' })], 0)).rejects.toThrow('no such netns');
  });
});
