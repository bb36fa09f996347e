/**
 * One iptables rule option at a time (`-p tcp`, `--dport 21`, `-m conntrack --ctstate …`, `-j DNAT
 * --to-destination …`) applied to a rule being read. Returns how many words after the option it
 * took, or undefined when the option is not understood (the caller says so).
 */
import type { Match, NatFact, PortRange, RuleEffect, ValueMatch } from './model.js';
import { parsePortRange } from './text.js';

export interface RuleDraft {
  match: Match;
  problems: string[];
  effect: RuleEffect;
  nat?: Omit<NatFact, 'match' | 'at'>;
  /** -j CT --helper NAME */
  helper?: string;
}

const STATES: Record<string, NonNullable<Match['state']>['values'][number]> = {
  NEW: 'new', ESTABLISHED: 'established', RELATED: 'related', INVALID: 'invalid', UNTRACKED: 'untracked',
};
/** Match modules whose options narrow the rule in ways not evaluated, with why. */
const UNCERTAIN_MODULES: Record<string, string> = {
  limit: 'a rate limit (-m limit)', hashlimit: 'a rate limit (-m hashlimit)', recent: 'the recent list, filled at run time (-m recent)',
  set: 'an ipset, filled at run time (-m set)', mark: 'a packet mark (-m mark)', connmark: 'a connection mark (-m connmark)',
  addrtype: 'an address type (-m addrtype)', owner: 'the sending process (-m owner)', mac: 'a MAC address (-m mac)',
  physdev: 'a bridge port (-m physdev)', connlimit: 'a connection count (-m connlimit)', string: 'packet contents (-m string)',
  time: 'the time of day (-m time)', geoip: 'a GeoIP database (-m geoip)', statistic: 'a random or nth match (-m statistic)',
  u32: 'packet contents (-m u32)', length: 'the packet length (-m length)', ttl: 'the TTL (-m ttl)', dscp: 'the DSCP field (-m dscp)',
  policy: 'IPsec policy (-m policy)', socket: 'a local socket (-m socket)', rpfilter: 'reverse path (-m rpfilter)', tcpmss: 'the TCP MSS (-m tcpmss)',
};
/** Modules that only load the options they name (or match nothing we evaluate). */
const PLAIN_MODULES = new Set(['tcp', 'udp', 'multiport', 'conntrack', 'state', 'helper', 'comment', 'iprange', 'icmp', 'icmp6', 'icmpv6']);
const VERDICT_TARGETS: Record<string, RuleEffect> = {
  ACCEPT: { kind: 'verdict', action: 'accept' }, DROP: { kind: 'verdict', action: 'drop' }, REJECT: { kind: 'verdict', action: 'reject' }, RETURN: { kind: 'return' },
};
/** Targets that do not decide (the rule goes on), and how many of their options to skip. */
const NON_DECIDING_TARGETS = new Set(['LOG', 'NFLOG', 'ULOG', 'MARK', 'CONNMARK', 'TCPMSS', 'TOS', 'DSCP', 'TTL', 'HL', 'NOTRACK', 'TRACE', 'CLASSIFY', 'SECMARK', 'CONNSECMARK', 'AUDIT', 'CHECKSUM']);

const values = <T>(list: T[], negated: boolean): ValueMatch<T> => (negated ? { values: list, negated: true } : { values: list });
const uncertain = (draft: RuleDraft, field: NonNullable<Match['uncertain']>[number]['field'], reason: string) => (draft.match.uncertain ??= []).push({ field, reason });

function ports(draft: RuleDraft, spec: string, separator: RegExp): PortRange[] | undefined {
  const ranges: PortRange[] = [];
  for (const item of spec.split(separator)) {
    const range = parsePortRange(item);
    if (typeof range === 'string') {
      draft.problems.push(range);
      return undefined;
    }
    ranges.push(range);
  }
  return ranges;
}

export function applyOption(draft: RuleDraft, option: string, rest: string[], negated: boolean): number | undefined {
  const value = rest[0] ?? '';
  const match = draft.match;
  switch (option) {
    case '-p': case '--protocol': {
      const protocol = value.toLowerCase() === '6' ? 'tcp' : value.toLowerCase();
      if (protocol !== 'all' && protocol !== '0') match.protocol = values([protocol], negated);
      return 1;
    }
    case '-s': case '--source': case '--src':
      match.src = values(value.split(','), negated);
      return 1;
    case '-d': case '--destination': case '--dst':
      match.dst = values(value.split(','), negated);
      return 1;
    case '--src-range':
      match.src = values([value], negated);
      return 1;
    case '--dst-range':
      match.dst = values([value], negated);
      return 1;
    case '-i': case '--in-interface':
      match.iif = values([value], negated);
      return 1;
    case '-o': case '--out-interface':
      match.oif = values([value], negated);
      return 1;
    case '--dport': case '--destination-port': case '--sport': case '--source-port': {
      const found = ports(draft, value, /,/);
      if (found) match[option.startsWith('--d') ? 'dport' : 'sport'] = values(found, negated);
      return 1;
    }
    case '--dports': case '--destination-ports': case '--sports': case '--source-ports': {
      const found = ports(draft, value, /,/);
      if (found) match[option.startsWith('--d') ? 'dport' : 'sport'] = values(found, negated);
      return 1;
    }
    case '--ports':
      uncertain(draft, 'dport', '-m multiport --ports matches either port');
      return 1;
    case '--ctstate': case '--state': {
      const states = value.split(',');
      const known = states.map((state) => STATES[state.toUpperCase()]);
      if (known.some((state) => state === undefined)) uncertain(draft, 'state', `conntrack state ${value} is not evaluated`);
      else match.state = values(known as NonNullable<Match['state']>['values'], negated);
      return 1;
    }
    case '--helper':
      match.helper = value;
      if (negated) draft.problems.push('! --helper is not evaluated');
      return 1;
    case '-m': case '--match': {
      const reason = UNCERTAIN_MODULES[value];
      if (reason) {
        uncertain(draft, 'other', `${reason} narrows the match in a way not evaluated`);
        let taken = 1;
        while (rest[taken]?.startsWith('--') || (rest[taken] === '!' && rest[taken + 1]?.startsWith('--'))) {
          taken += rest[taken] === '!' ? 2 : 1;
          while (rest[taken] !== undefined && !rest[taken]?.startsWith('-') && rest[taken] !== '!') taken++;
        }
        return taken;
      }
      return PLAIN_MODULES.has(value) ? 1 : undefined;
    }
    case '--comment':
      return 1;
    case '--syn':
      // The first packet of every connection evaluateTcp asks about is a SYN.
      return 0;
    case '--tcp-flags':
      uncertain(draft, 'other', '--tcp-flags narrows the match in a way not evaluated');
      return 2;
    case '--icmp-type': case '--icmpv6-type':
      return 1;
    case '-j': case '--jump': case '-g': case '--goto':
      return target(draft, option, value, rest.slice(1));
    default:
      return undefined;
  }
}

/** The target and the `--option [value]` words that follow it. */
function target(draft: RuleDraft, option: string, name: string, rest: string[]): number {
  const options = new Map<string, string>();
  let taken = 0;
  while (rest[taken]?.startsWith('--')) {
    const word = rest[taken] as string;
    const next = rest[taken + 1];
    const hasValue = next !== undefined && !next.startsWith('-');
    options.set(word, hasValue ? next : '');
    taken += hasValue ? 2 : 1;
  }
  if (option === '-g' || option === '--goto') {
    draft.effect = { kind: 'goto', chain: name };
    return 1;
  }
  const verdict = VERDICT_TARGETS[name];
  if (verdict) draft.effect = verdict;
  else if (name === 'DNAT' || name === 'SNAT') {
    const spec = options.get(name === 'DNAT' ? '--to-destination' : '--to-source') ?? '';
    draft.nat = natTarget(draft, name === 'DNAT' ? 'dnat' : 'snat', spec);
    draft.effect = { kind: 'verdict', action: 'accept' };
  } else if (name === 'MASQUERADE' || name === 'REDIRECT') {
    const spec = options.get('--to-ports');
    const range = spec ? parsePortRange(spec.replace('-', ':')) : undefined;
    if (typeof range === 'string') draft.problems.push(range);
    draft.nat = { kind: name === 'MASQUERADE' ? 'masquerade' : 'redirect', ...(range && typeof range !== 'string' ? { to: { ports: range } } : {}) };
    draft.effect = { kind: 'verdict', action: 'accept' };
  } else if (name === 'CT') {
    if (options.has('--helper')) draft.helper = options.get('--helper');
    else if (!options.has('--notrack') && !options.has('--zone') && !options.has('--timeout')) draft.problems.push('-j CT without --helper/--notrack is not understood');
  } else if (NON_DECIDING_TARGETS.has(name)) {
    // goes on with the next rule
  } else if (/^(N?F?QUEUE|TARPIT|SYNPROXY)$/.test(name)) {
    draft.problems.push(`-j ${name} hands the decision to something outside the file`);
  } else if (/^[A-Z][A-Z0-9_]*$/.test(name) && !/^[a-z]/.test(name) && taken > 0) {
    draft.problems.push(`target ${name} is not understood`);
  } else draft.effect = { kind: 'jump', chain: name };
  return 1 + taken;
}

/** "10.0.0.5", "10.0.0.5:21", "10.0.0.5:50000-50100", "[2001:db8::5]:21", "10.0.0.5-10.0.0.9". */
function natTarget(draft: RuleDraft, kind: 'dnat' | 'snat', spec: string): Omit<NatFact, 'match' | 'at'> {
  const bracketed = /^\[([^\]]+)\](?::(.+))?$/.exec(spec);
  const colon = spec.lastIndexOf(':');
  const [address, portSpec] = bracketed
    ? [bracketed[1], bracketed[2]]
    : colon !== -1 && spec.includes('.')
      ? [spec.slice(0, colon), spec.slice(colon + 1)]
      : [spec, undefined];
  const range = portSpec ? parsePortRange(portSpec.replace('-', ':')) : undefined;
  if (typeof range === 'string') draft.problems.push(range);
  if (!address) draft.problems.push(`-j ${kind.toUpperCase()} without an address`);
  return { kind, to: { ...(address ? { address } : {}), ...(range && typeof range !== 'string' ? { ports: range } : {}) } };
}
