/**
 * Pure: where destination NAT sends a new connection, from the NAT facts. Filter rules see the
 * translated address and port (evaluate.ts), so the engine asks this first for connections that
 * arrive from outside.
 */
import { matchRule, type TcpQuery } from './evaluate.js';
import type { FirewallFacts, NatFact, Provenance } from './model.js';

export type DnatResult =
  | { translated: false }
  | { translated: true; address?: string; port: number; by: NatFact }
  | { translated: 'unknown'; reason: string; at: Provenance };

/**
 * The first DNAT/redirect fact that matches (nftables and iptables stop at the first NAT verdict).
 * A target range that holds the original port keeps it (the kernel keeps a port that is already
 * in range); any other range is 'unknown', since the kernel then picks one of its ports.
 */
export function translateDestination(facts: FirewallFacts, query: Omit<TcpQuery, 'state' | 'direction'>): DnatResult {
  for (const nat of facts.nat) {
    if (nat.kind !== 'dnat' && nat.kind !== 'redirect') continue;
    const matched = matchRule(nat.match, { ...query, direction: 'in', state: 'new' });
    if (matched.tri === 'no') continue;
    if (nat.unknown) return { translated: 'unknown', reason: nat.unknown, at: nat.at };
    if (matched.tri === 'maybe') return { translated: 'unknown', reason: matched.why ?? 'the NAT rule may match', at: nat.at };
    const ports = nat.to?.ports;
    let port = query.dport;
    if (ports && (query.dport < ports.from || query.dport > ports.to)) {
      if (ports.from !== ports.to) return { translated: 'unknown', reason: `the kernel picks a port of ${ports.from}-${ports.to}`, at: nat.at };
      port = ports.from;
    }
    return { translated: true, ...(nat.to?.address ? { address: nat.to.address } : {}), port, by: nat };
  }
  return { translated: false };
}
