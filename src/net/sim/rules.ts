/**
 * The firewall rule matcher: ordered rules, first match wins, else the policy. Pure: it sees one
 * packet description and answers with the action and the rule that decided, in readable form, so
 * the trace can name it.
 */
import type { ConnState, Firewall, Rule, RuleAction } from '../../topology/model.js';
import { renderRule } from '../../topology/rule-text.js';
import { addressFamily, cidrContains, parseCidr, parsePortSpec, portMatches, type Cidr, type Endpoint, type PortSpec } from './address.js';

export type Direction = 'in' | 'out';

/** A packet as a filter chain sees it: after destination NAT, before source NAT. */
export interface Packet {
  direction: Direction;
  src: Endpoint;
  dst: Endpoint;
  state: ConnState;
}

export interface Verdict {
  action: RuleAction;
  /** The comment, a rendering such as "in tcp dport 21 accept", or "policy drop". */
  rule: string;
  /** Index of the deciding rule, undefined for the policy. */
  index?: number;
}

interface CompiledRule {
  rule: Rule;
  src?: Cidr;
  dst?: Cidr;
  sport?: PortSpec;
  dport?: PortSpec;
  label: string;
}

export interface CompiledFirewall {
  firewall: Firewall;
  rules: CompiledRule[];
}

/** Validates every address and port spec up front, so a typo fails at load time, not mid-run. */
export function compileFirewall(firewall: Firewall): CompiledFirewall {
  const rules = firewall.rules.map((rule, index) => {
    try {
      return {
        rule,
        ...(rule.src !== undefined ? { src: parseCidr(rule.src) } : {}),
        ...(rule.dst !== undefined ? { dst: parseCidr(rule.dst) } : {}),
        ...(rule.sport !== undefined ? { sport: parsePortSpec(rule.sport) } : {}),
        ...(rule.dport !== undefined ? { dport: parsePortSpec(rule.dport) } : {}),
        label: rule.comment ?? renderRule(rule),
      };
    } catch (error) {
      throw new Error(`${firewall.name} rule ${index + 1}: ${(error as Error).message}`);
    }
  });
  return { firewall, rules };
}

function matches(compiled: CompiledRule, packet: Packet): boolean {
  const { rule } = compiled;
  if (rule.direction !== undefined && rule.direction !== packet.direction) return false;
  if (rule.family !== undefined && addressFamily(packet.dst.address) !== rule.family) return false;
  if (compiled.src && !cidrContains(compiled.src, packet.src.address)) return false;
  if (compiled.dst && !cidrContains(compiled.dst, packet.dst.address)) return false;
  if (compiled.sport && !portMatches(compiled.sport, packet.src.port)) return false;
  if (compiled.dport && !portMatches(compiled.dport, packet.dst.port)) return false;
  if (rule.state !== undefined && !rule.state.includes(packet.state)) return false;
  return true;
}

/**
 * The chain order of the real backend's generated nftables rulesets (src/netns/ruleset.ts), so a
 * user's file means the same on both: traffic of an allowed connection is always accepted (the
 * kernel's leading `ct state established accept`), then the user's rules, first match wins, then
 * the FTP helper's pinhole for connections it expects (state related: only hosts whose firewall
 * has a helper ever see that state), then the policy.
 */
export function evaluate(compiled: CompiledFirewall, packet: Packet): Verdict {
  if (packet.state === 'established') return { action: 'accept', rule: 'established connection' };
  for (const [index, candidate] of compiled.rules.entries()) {
    if (matches(candidate, packet)) return { action: candidate.rule.action, rule: candidate.label, index };
  }
  if (packet.state === 'related') return { action: 'accept', rule: 'ftp helper: expected data connection' };
  return { action: compiled.firewall.policy, rule: `policy ${compiled.firewall.policy}` };
}

export function reverseDirection(direction: Direction): Direction {
  return direction === 'in' ? 'out' : 'in';
}
