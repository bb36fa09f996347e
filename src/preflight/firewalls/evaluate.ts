/**
 * Pure: what the firewalls of one FirewallFacts do to one TCP connection.
 *
 * First match wins inside a chain; jump/goto/return as in nftables; an accept in one base chain
 * hands the packet to the next base chain on the way (tables are independent), a drop or reject
 * ends it. Rules that cannot be evaluated, or that "may match" because the query does not say
 * something they test (no source address given, a set filled at run time), are followed both
 * ways: the answer is definite only when every way ends in the same verdict, else 'unknown' by
 * the first such rule. Each walk is linear in the rules (the ways merge), jumps are bounded.
 */
import { BlockList, isIPv4, isIPv6 } from 'node:net';
import type { ChainFact, ConnState, FirewallFacts, Hook, Match, PortRange, Provenance, RuleFact, ValueMatch } from './model.js';

export interface TcpQuery {
  /** 'in': to the host (input hook), 'out': from it (output), 'forward': through it (a router). */
  direction: 'in' | 'out' | 'forward';
  src?: string;
  dst?: string;
  sport?: number;
  dport: number;
  state: ConnState;
  iif?: string;
  oif?: string;
  /** Absent: the family of src/dst, else IPv4. */
  family?: 4 | 6;
}

export type VerdictBy = Pick<Provenance, 'file' | 'line' | 'text'> | 'policy';

export interface TcpVerdict {
  verdict: 'accept' | 'drop' | 'reject' | 'unknown';
  by: VerdictBy;
  /** For `by: 'policy'`: the chain whose policy decided (absent: no chain filters this way). */
  chain?: Provenance;
  /** For 'unknown': why. */
  reason?: string;
}

type Tri = 'yes' | 'no' | 'maybe';
type Outcome = TcpVerdict | { verdict: 'return' };

/** nftables allows 16 nested jumps; beyond that (or a loop) the answer is unknown. */
const MAX_JUMP_DEPTH = 16;

const HOOKS: Record<TcpQuery['direction'], Hook[]> = {
  in: ['prerouting', 'input'],
  out: ['output', 'postrouting'],
  forward: ['prerouting', 'forward', 'postrouting'],
};

export function evaluateTcp(facts: FirewallFacts, query: TcpQuery): TcpVerdict {
  const hooks = HOOKS[query.direction];
  const chainsByName = new Map<string, ChainFact>();
  const bases: ChainFact[] = [];
  // Chains are found by name within their own firewall (table): jumps never cross tables.
  const owner = new Map<ChainFact, number>();
  const family = queryFamily(query);
  for (const [index, firewall] of facts.firewalls.entries()) {
    // An `ip` table (iptables) never sees IPv6 packets, an `ip6` table (ip6tables) never IPv4.
    const seesFamily = !(firewall.family === 'ip' && family === 6) && !(firewall.family === 'ip6' && family === 4);
    for (const chain of firewall.chains) {
      chainsByName.set(`${index}\u0000${chain.name}`, chain);
      owner.set(chain, index);
      // NAT chains translate; they are read as NatFacts, not as filter decisions.
      if (seesFamily && chain.hook && hooks.includes(chain.hook) && chain.type !== 'nat') bases.push(chain);
    }
  }
  bases.sort((a, b) => hooks.indexOf(a.hook as Hook) - hooks.indexOf(b.hook as Hook) || (a.priority ?? 0) - (b.priority ?? 0));
  const lookup = (from: ChainFact, name: string) => chainsByName.get(`${owner.get(from)}\u0000${name}`);
  // Stages in order; the chains of firewalls in one union (security groups on one instance) on the
  // same hook are one stage, passed when any of them accepts.
  const stages: ChainFact[][] = [];
  const unionStage = new Map<string, ChainFact[]>();
  for (const chain of bases) {
    const union = facts.firewalls[owner.get(chain) as number]?.union;
    const key = union === undefined ? undefined : `${union}\u0000${chain.hook}`;
    const stage = key === undefined ? undefined : unionStage.get(key);
    if (stage) stage.push(chain);
    else {
      stages.push([chain]);
      if (key !== undefined) unionStage.set(key, stages[stages.length - 1] as ChainFact[]);
    }
  }

  let pending: TcpVerdict[] = [{ verdict: 'accept', by: 'policy' }];
  const finals: TcpVerdict[] = [];
  let firstUncertain: TcpVerdict | undefined;
  for (const stage of stages) {
    if (pending.length === 0) break;
    const perChain = stage.map((chain) => {
      const walked = walkChain(chain, query, lookup, 0);
      firstUncertain ??= walked.uncertain;
      const outcomes = walked.outcomes.map((outcome): TcpVerdict =>
        outcome.verdict === 'return' ? { verdict: chain.policy ?? 'accept', by: 'policy', chain: chain.at } : outcome,
      );
      return { outcomes, uncertain: walked.uncertain };
    });
    let outcomes = perChain[0]?.outcomes as TcpVerdict[];
    if (perChain.length > 1) {
      const decided = perChain.map((walked) => collapse(walked.outcomes, walked.uncertain));
      const accepting = decided.find((item) => item.verdict === 'accept');
      outcomes = accepting ? [accepting] : decided;
    }
    finals.push(...outcomes.filter((outcome) => outcome.verdict !== 'accept'));
    const accepted = outcomes.filter((outcome) => outcome.verdict === 'accept');
    pending = accepted.length > 0 ? [accepted[0] as TcpVerdict] : [];
  }
  finals.push(...pending);
  return collapse(finals, firstUncertain);
}

const VERDICT_ORDER = ['accept', 'reject', 'drop'] as const;

function collapse(outcomes: TcpVerdict[], firstUncertain: TcpVerdict | undefined): TcpVerdict {
  const first = outcomes[0] ?? { verdict: 'unknown', by: 'policy', reason: 'no outcome' };
  if (outcomes.every((outcome) => outcome.verdict === first.verdict && first.verdict !== 'unknown')) return first;
  const unknown = outcomes.find((outcome) => outcome.verdict === 'unknown');
  if (unknown) return unknown;
  const verdicts = VERDICT_ORDER.filter((verdict) => outcomes.some((outcome) => outcome.verdict === verdict)).join(' or ');
  const by = firstUncertain?.by ?? first.by;
  return { verdict: 'unknown', by, reason: `${firstUncertain?.reason ?? 'the rules may match'}: the connection is ${verdicts}` };
}

interface Walked {
  outcomes: Outcome[];
  /** The first rule that made the way fork (for the 'unknown' answer). */
  uncertain?: TcpVerdict;
}

function walkChain(chain: ChainFact, query: TcpQuery, lookup: (from: ChainFact, name: string) => ChainFact | undefined, depth: number): Walked {
  const outcomes: Outcome[] = [];
  let uncertain: TcpVerdict | undefined;
  const fork = (rule: RuleFact, reason: string) => {
    uncertain ??= { verdict: 'unknown', by: by(rule), reason };
  };
  for (const rule of chain.rules) {
    const matched = matchRule(rule.match, query);
    if (matched.tri === 'no') continue;
    if (rule.unknown) {
      outcomes.push({ verdict: 'unknown', by: by(rule), reason: rule.unknown });
      fork(rule, rule.unknown);
      continue; // an unknown effect may also be "go on"
    }
    if (matched.tri === 'maybe') fork(rule, matched.why ?? 'the rule may match');
    const effect = rule.effect;
    let goesOn = matched.tri === 'maybe';
    if (effect.kind === 'verdict') outcomes.push({ verdict: effect.action, by: by(rule) });
    else if (effect.kind === 'continue') goesOn = true;
    else if (effect.kind === 'return') outcomes.push({ verdict: 'return' });
    else {
      const target = lookup(chain, effect.chain);
      if (!target || depth >= MAX_JUMP_DEPTH) {
        const reason = target ? `jumps nest deeper than ${MAX_JUMP_DEPTH} (a loop?)` : `${effect.kind} to chain "${effect.chain}", which is not in the file`;
        outcomes.push({ verdict: 'unknown', by: by(rule), reason });
        fork(rule, reason);
        goesOn = true;
      } else {
        const inner = walkChain(target, query, lookup, depth + 1);
        uncertain ??= inner.uncertain;
        outcomes.push(...inner.outcomes.filter((outcome) => outcome.verdict !== 'return'));
        const returns = inner.outcomes.some((outcome) => outcome.verdict === 'return');
        // goto: the called chain's end is the end of this one; jump: go on with the next rule.
        if (returns && effect.kind === 'goto') outcomes.push({ verdict: 'return' });
        if (returns && effect.kind === 'jump') goesOn = true;
      }
    }
    if (!goesOn) return { outcomes, uncertain };
  }
  outcomes.push({ verdict: 'return' });
  return { outcomes, uncertain };
}

const by = (rule: RuleFact): VerdictBy => ({ file: rule.at.file, line: rule.at.line, text: rule.at.text });

interface Matched {
  tri: Tri;
  why?: string;
}

/** Does a rule's match hold for the query: yes, no, or maybe (with why). */
export function matchRule(match: Match, query: TcpQuery): Matched {
  const family = queryFamily(query);
  const parts: [Tri, string][] = [
    [match.protocol ? negate(match.protocol, match.protocol.values.some((value) => value === 'tcp' || value === '6') ? 'yes' : 'no') : 'yes', ''],
    [match.family === undefined || match.family === family ? 'yes' : 'no', ''],
    [addressMatch(match.src, query.src, family), 'the source address is not known'],
    [addressMatch(match.dst, query.dst, family), 'the destination address is not known'],
    [portMatch(match.sport, query.sport), 'the source port is not known'],
    [portMatch(match.dport, query.dport), ''],
    [match.state ? negate(match.state, match.state.values.includes(query.state) ? 'yes' : 'no') : 'yes', ''],
    [interfaceMatch(match.iif, query.iif, query.direction !== 'out'), 'the incoming interface is not known'],
    [interfaceMatch(match.oif, query.oif, query.direction !== 'in'), 'the outgoing interface is not known'],
    [match.helper === undefined ? 'yes' : query.state === 'related' && /^ftp/.test(match.helper) ? 'yes' : 'no', ''],
  ];
  for (const uncertainty of match.uncertain ?? []) parts.push(['maybe', uncertainty.reason]);
  if (parts.some(([tri]) => tri === 'no')) return { tri: 'no' };
  const maybe = parts.find(([tri]) => tri === 'maybe');
  return maybe ? { tri: 'maybe', why: maybe[1] } : { tri: 'yes' };
}

function queryFamily(query: TcpQuery): 4 | 6 {
  return query.family ?? familyOf(query.src) ?? familyOf(query.dst) ?? 4;
}

function negate<T>(match: ValueMatch<T>, tri: Tri): Tri {
  if (!match.negated || tri === 'maybe') return tri;
  return tri === 'yes' ? 'no' : 'yes';
}

function familyOf(address: string | undefined): 4 | 6 | undefined {
  if (address === undefined) return undefined;
  return isIPv4(address) ? 4 : isIPv6(address) ? 6 : undefined;
}

const ANY = new Set(['0.0.0.0/0', '::/0', 'any', '*', '0.0.0.0', '::']);

function addressMatch(match: ValueMatch<string> | undefined, address: string | undefined, family: 4 | 6): Tri {
  if (!match) return 'yes';
  const sameFamily = match.values.filter((value) => ANY.has(value) || familyOf(value.split(/[/-]/)[0]) === family);
  if (sameFamily.some((value) => ANY.has(value) && (value.includes(':') ? family === 6 : family === 4 || value === 'any' || value === '*'))) {
    return negate(match, 'yes');
  }
  if (address === undefined) return sameFamily.length === 0 ? negate(match, 'no') : 'maybe';
  return negate(match, addressIn(sameFamily, address) ? 'yes' : 'no');
}

/** Is address in any of these addresses, CIDRs or a-b ranges (node's BlockList does the arithmetic). */
export function addressIn(values: string[], address: string): boolean {
  const type = isIPv6(address) ? 'ipv6' : 'ipv4';
  const list = new BlockList();
  for (const value of values) {
    const [base = '', rest] = value.split('/');
    const range = value.split('-');
    try {
      if (range.length === 2 && familyOf(range[0]) && familyOf(range[1])) list.addRange(range[0] as string, range[1] as string, familyOf(range[0]) === 6 ? 'ipv6' : 'ipv4');
      else if (rest !== undefined) list.addSubnet(base, Number(rest), familyOf(base) === 6 ? 'ipv6' : 'ipv4');
      else if (familyOf(base)) list.addAddress(base, familyOf(base) === 6 ? 'ipv6' : 'ipv4');
    } catch {
      // A malformed value was already reported by the parser; it matches nothing here.
    }
  }
  return list.check(address, type);
}

function portMatch(match: ValueMatch<PortRange> | undefined, port: number | undefined): Tri {
  if (!match) return 'yes';
  if (port === undefined) {
    const all = match.values.some((range) => range.from <= 1 && range.to >= 65535);
    return all ? negate(match, 'yes') : 'maybe';
  }
  return negate(match, portIn(match.values, port) ? 'yes' : 'no');
}

export function portIn(ranges: PortRange[], port: number): boolean {
  return ranges.some((range) => range.from <= port && port <= range.to);
}

/** `applies`: false where the hook has no such interface (iif in output, oif in input): no match. */
function interfaceMatch(match: ValueMatch<string> | undefined, name: string | undefined, applies: boolean): Tri {
  if (!match) return 'yes';
  if (!applies) return negate(match, 'no');
  const fits = (pattern: string, value: string) =>
    /[+*]$/.test(pattern) ? value.startsWith(pattern.slice(0, -1)) : pattern === value;
  if (name === undefined) {
    // Traffic from another host never arrives on loopback; any other name is a guess.
    if (match.values.every((pattern) => fits(pattern, 'lo'))) return negate(match, 'no');
    return 'maybe';
  }
  return negate(match, match.values.some((pattern) => fits(pattern, name)) ? 'yes' : 'no');
}
