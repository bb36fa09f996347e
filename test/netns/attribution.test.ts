/** Kernel counters + the failed connection → the hop and rule that decided it: pure, table-tested. */
import { describe, expect, it } from 'vitest';
import { blameConnection, blameSession, parseEndpoint, type FailedConnection } from '../../src/netns/attribution.js';
import type { CounterRule } from '../../src/netns/counters.js';
import type { Topology } from '../../src/topology/model.js';

/** A counter that moved (or not), keyed by the comment ruleset.ts writes. */
function counter(comment: string, packets = 1): CounterRule {
  const match = /^(\S+?)\/(\S+) (.*)$/.exec(comment);
  if (!match) throw new Error(`bad comment ${comment}`);
  return { scope: match[1] as string, kind: match[2] as string, text: match[3] as string, packets, bytes: packets * 60 };
}

const edgeWithRange: Topology = {
  firewalls: [
    {
      name: 'edge firewall',
      at: 'edge',
      policy: 'drop',
      rules: [
        { comment: 'allow FTP control', direction: 'in', dport: 21, action: 'accept' },
        { comment: 'drop telnet', direction: 'in', dport: 23, action: 'drop' },
        { direction: 'in', dport: '6000-6010', action: 'reject' },
        { comment: 'allow passive range', direction: 'in', dport: '5500-5525', action: 'accept' },
      ],
    },
    { name: 'server host firewall', at: 'server', policy: 'accept', rules: [{ comment: 'reject 5510', direction: 'in', dport: 5510, action: 'reject' }] },
  ],
};

const passive = (to: string): FailedConnection => ({ kind: 'passive', to });

describe('blaming the rule that decided a failed connection', () => {
  const moved = [
    counter('edge/rule:2 edge firewall: drop telnet'),
    counter('edge/rule:3 edge firewall: reject in dport 6000-6010'),
    counter('edge/policy edge firewall: no rule matched, policy drop'),
    counter('server/rule:1 server host firewall: reject 5510'),
  ];
  it.each([
    ['a port outside every rule: the policy', '10.0.0.5:53840', { hop: 'edge firewall', rule: 'policy drop' }],
    ['a rule that matches the port, not the policy that also moved', '10.0.0.5:23', { hop: 'edge firewall', rule: 'drop telnet' }],
    ['an uncommented rule, in the simulator\'s words', '10.0.0.5:6005', { hop: 'edge firewall', rule: 'in tcp dport 6000-6010 reject' }],
    ['the edge let it through, the server host rejected it', '10.0.0.5:5510', { hop: 'server host firewall', rule: 'reject 5510' }],
  ])('%s', (_name, to, blame) => {
    expect(blameConnection(edgeWithRange, moved, passive(to))).toEqual(blame);
  });

  it('never blames a rule whose counter did not move', () => {
    const onlyTelnet = [counter('edge/rule:2 edge firewall: drop telnet'), counter('edge/policy edge firewall: no rule matched, policy drop', 0)];
    expect(blameConnection(edgeWithRange, onlyTelnet, passive('10.0.0.5:53840'))).toBeUndefined();
  });

  it('matches after destination NAT when the client dialled the edge', () => {
    const nat: Topology = {
      nat: { forward: [21, '5500-5525'] },
      firewalls: [{ name: 'edge firewall', at: 'edge', policy: 'drop', rules: [{ comment: 'only to the server', direction: 'in', dst: '10.0.0.99', action: 'drop' }] }],
    };
    const moved2 = [counter('edge/rule:1 edge firewall: only to the server'), counter('edge/policy edge firewall: no rule matched, policy drop')];
    // 198.51.100.1:5501 is forwarded to 10.0.0.5, so the dst rule for 10.0.0.99 cannot be it.
    expect(blameConnection(nat, moved2, passive('198.51.100.1:5501'))).toEqual({ hop: 'edge firewall', rule: 'policy drop' });
  });

  it('walks an active connection from the server toward the client, source port included', () => {
    const active: Topology = {
      server: { activeSourcePort: 20 },
      firewalls: [
        { name: 'edge firewall', at: 'edge', policy: 'accept', rules: [{ comment: 'no data from 20', direction: 'out', sport: 20, action: 'drop' }] },
        { name: 'client host firewall', at: 'client', policy: 'drop', rules: [] },
      ],
    };
    const both = [counter('edge/rule:1 edge firewall: no data from 20'), counter('client/policy client host firewall: no rule matched, policy drop')];
    expect(blameConnection(active, both, { kind: 'active', to: '198.51.100.10:40001' })).toEqual({ hop: 'edge firewall', rule: 'no data from 20' });
    // From an ephemeral port (no activeSourcePort), the sport 20 rule does not apply: the client's policy does.
    const ephemeral: Topology = { ...active, server: {} };
    expect(blameConnection(ephemeral, both, { kind: 'active', to: '198.51.100.10:40001' })).toEqual({ hop: 'client host firewall', rule: 'policy drop' });
  });

  it('ignores rules for the other direction and for states a new connection cannot have', () => {
    const topology: Topology = {
      firewalls: [{
        name: 'fw', at: 'edge', policy: 'reject', rules: [
          { comment: 'out only', direction: 'out', action: 'drop' },
          { comment: 'established only', state: ['established'], action: 'drop' },
        ],
      }],
    };
    const all = [counter('edge/rule:1 fw: out only'), counter('edge/rule:2 fw: established only'), counter('edge/policy fw: no rule matched, policy reject')];
    expect(blameConnection(topology, all, passive('10.0.0.5:5500'))).toEqual({ hop: 'fw', rule: 'policy reject' });
  });
});

describe('blaming a decision that ended a whole session', () => {
  it('names the AUTH TLS block, then an expired idle timeout, else nothing', () => {
    const topology: Topology = {
      nat: { idleTimeoutMs: 400 },
      firewalls: [{ name: 'edge firewall', at: 'edge', policy: 'accept', rules: [], ftpHelper: { blockAuthTls: true } }],
    };
    const authTls = counter('edge/auth-tls edge firewall: blocks AUTH TLS');
    const timeout = counter('nat/timeout no conntrack entry: idle timeout expired');
    expect(blameSession(topology, [authTls, timeout])).toEqual({ hop: 'edge firewall', rule: 'ftp helper: AUTH TLS blocked' });
    expect(blameSession(topology, [timeout])).toEqual({ hop: 'nat', rule: 'idle timeout 400 ms' });
    expect(blameSession(topology, [counter('edge/invalid edge firewall: no conntrack entry')])).toBeUndefined();
  });
});

describe('endpoints', () => {
  it.each([
    ['10.0.0.5:5500', { address: '10.0.0.5', port: 5500 }],
    ['client', {}],
    [undefined, {}],
  ])('%s', (text, endpoint) => expect(parseEndpoint(text)).toEqual(endpoint));
});
