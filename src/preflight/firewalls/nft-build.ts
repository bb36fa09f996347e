/**
 * The one meaning of an nftables ruleset, shared by its two spellings: the text of `nft list
 * ruleset` (nft-text.ts) and its JSON (nft-json.ts) are each read into the same small expression
 * list below, and only this file turns expressions into facts. So the two forms give the same facts
 * by construction, and the netns test checks it against the kernel's own output.
 */
import type { ChainFact, FirewallFact, FirewallFacts, FtpInspectionFact, Hook, Match, NatFact, PortRange, Provenance, RuleEffect, RuleFact, Uncertainty, ValueMatch } from './model.js';

/** A value as both forms give it, normalised: addresses "a", "a/len", "a-b"; ports numbers or ranges. */
export type NftValue = string | number | { range: [number, number] };

export type NftField =
  | 'l4proto' | 'nfproto' | 'ip saddr' | 'ip daddr' | 'ip6 saddr' | 'ip6 daddr'
  | 'tcp sport' | 'tcp dport' | 'udp sport' | 'udp dport' | 'th sport' | 'th dport'
  | 'ct state' | 'iifname' | 'oifname' | 'ct helper';

export type NftVerdict = 'accept' | 'drop' | 'reject' | 'return' | 'continue';

export type NftExpr =
  | { kind: 'match'; field: NftField; negated: boolean; values: NftValue[] | { setRef: string } }
  | { kind: 'verdict'; verdict: NftVerdict }
  | { kind: 'jump' | 'goto'; chain: string }
  | { kind: 'vmap'; field: NftField; entries: [NftValue, NftVerdict | { jump: string } | { goto: string }][] | { setRef: string } }
  | { kind: 'nat'; nat: NatFact['kind']; address?: string; ports?: NftValue; unknown?: string }
  | { kind: 'helper-set'; name: string }
  /** A part that narrows the match in a way not evaluated (limit, tcp flags, fib, marks). */
  | { kind: 'uncertain'; reason: string }
  /** counter, log, comment, notrack, mark set: no effect on the decision. */
  | { kind: 'noop' }
  | { kind: 'unknown'; reason: string };

export interface NftSet {
  name: string;
  /** Listed elements; absent when none are listed. */
  elements?: NftValue[];
  /** flags dynamic/timeout: the kernel adds and removes elements while it runs. */
  dynamic: boolean;
  /** A verdict map's entries (map NAME { type … : verdict }). */
  verdicts?: [NftValue, NftVerdict | { jump: string } | { goto: string }][];
  at: Provenance;
}

export interface NftRule {
  at: Provenance;
  exprs: NftExpr[];
}

export interface NftChain {
  name: string;
  type?: ChainFact['type'];
  hook?: Hook | string;
  priority?: number;
  policy?: 'accept' | 'drop';
  at: Provenance;
  rules: NftRule[];
}

export interface NftTable {
  family: string;
  name: string;
  at: Provenance;
  chains: NftChain[];
  sets: NftSet[];
  /** ct helper objects: name → type ("ftp") and where declared. */
  helpers: { name: string; type: string; at: Provenance }[];
}

/** nft's named priorities (netfilter base values; the text prints names, the JSON numbers). */
export const NAMED_PRIORITIES: Record<string, number> = { raw: -300, mangle: -150, dstnat: -100, filter: 0, security: 50, srcnat: 100, out: 100 };

const HOOKS: readonly string[] = ['ingress', 'prerouting', 'input', 'forward', 'output', 'postrouting'];
/** Common service names nft may print instead of numbers (nft -S, or scripts written by hand). */
export const SERVICE_PORTS: Record<string, number> = { 'ftp-data': 20, ftp: 21, ssh: 22, telnet: 23, http: 80, https: 443, ftps: 990, 'ftps-data': 989 };

export function buildNftFacts(facts: FirewallFacts, tables: NftTable[]): void {
  for (const table of tables) facts.firewalls.push(buildTable(facts, table));
}

function buildTable(facts: FirewallFacts, table: NftTable): FirewallFact {
  const family = table.family === 'ip' ? 4 : table.family === 'ip6' ? 6 : undefined;
  if (!['ip', 'ip6', 'inet', 'netdev'].includes(table.family)) {
    facts.notUnderstood.push({ at: table.at, reason: `${table.family} tables filter bridged or ARP frames; not evaluated` });
  }
  const helperTypes = new Map(table.helpers.map((helper) => [helper.name, helper.type]));
  for (const helper of table.helpers) {
    if (helper.type === 'ftp') facts.ftpInspection.push({ kind: 'helper-object', enabled: true, name: helper.name, at: helper.at });
  }
  const sets = new Map(table.sets.map((set) => [set.name, set]));
  const chainNames = new Set(table.chains.map((chain) => chain.name));
  const chains = table.chains.map((chain): ChainFact => {
    const isBase = chain.hook !== undefined && ['ip', 'ip6', 'inet', 'netdev'].includes(table.family);
    const hook = isBase && HOOKS.includes(chain.hook as string) ? (chain.hook as Hook) : undefined;
    const rules = chain.rules.flatMap((rule) => buildRules(facts, rule, { family, sets, helperTypes, chainNames, natChain: chain.type === 'nat' }));
    return {
      name: chain.name,
      ...(hook ? { hook } : {}),
      ...(chain.type ? { type: chain.type } : {}),
      ...(chain.priority !== undefined ? { priority: chain.priority } : {}),
      ...(hook ? { policy: chain.policy ?? 'accept' } : {}),
      rules,
      at: chain.at,
    };
  });
  return {
    name: `nftables table ${table.family} ${table.name}`,
    locationReason: 'an nftables ruleset filters the host it runs on (input/output) and what it routes (forward); where that host sits is not in the file',
    family: table.family,
    chains,
    at: table.at,
  };
}

interface Context {
  family: 4 | 6 | undefined;
  sets: Map<string, NftSet>;
  helperTypes: Map<string, string>;
  chainNames: Set<string>;
  natChain: boolean;
}

/** One rule → its RuleFacts (a verdict map gives one per entry), and NAT/helper/unknown facts. */
function buildRules(facts: FirewallFacts, rule: NftRule, context: Context): RuleFact[] {
  const match: Match = context.family ? { family: context.family } : {};
  const problems: string[] = [];
  let effect: RuleEffect = { kind: 'continue' };
  let vmap: Extract<NftExpr, { kind: 'vmap' }> | undefined;
  const natExprs: Extract<NftExpr, { kind: 'nat' }>[] = [];
  const helperSets: string[] = [];
  for (const expr of rule.exprs) {
    if (expr.kind === 'match') addMatch(match, expr, context, problems);
    else if (expr.kind === 'verdict') effect = toEffect(expr.verdict);
    else if (expr.kind === 'jump' || expr.kind === 'goto') effect = { kind: expr.kind, chain: expr.chain };
    else if (expr.kind === 'vmap') vmap = expr;
    else if (expr.kind === 'nat') natExprs.push(expr);
    else if (expr.kind === 'helper-set') helperSets.push(expr.name);
    else if (expr.kind === 'uncertain') (match.uncertain ??= []).push({ field: 'other', reason: expr.reason });
    else if (expr.kind === 'unknown') problems.push(expr.reason);
  }
  const unknown = problems.length > 0 ? problems.join('; ') : undefined;
  if (unknown) {
    facts.notUnderstood.push({ at: rule.at, reason: unknown });
    facts.unknowns.push({ reason: unknown, ...portsTouched(match), at: rule.at });
  } else if (match.uncertain?.length) {
    facts.unknowns.push({ reason: match.uncertain.map((item) => item.reason).join('; '), ...portsTouched(match), at: rule.at });
  }
  for (const nat of natExprs) facts.nat.push(natFact(nat, match, rule.at, unknown));
  for (const name of helperSets) {
    const type = context.helperTypes.get(name);
    if (type === 'ftp' || (type === undefined && /ftp/i.test(name))) {
      const ports = match.dport && !match.dport.negated ? { ports: expandSmall(match.dport.values) } : {};
      facts.ftpInspection.push({ kind: 'helper-assigned', enabled: true, name, match, ...ports, at: rule.at } satisfies FtpInspectionFact);
    }
  }
  const base: RuleFact = { at: rule.at, match, effect, ...(unknown ? { unknown } : {}) };
  if (!vmap) return [base];
  return vmapRules(base, vmap, context, facts);
}

function toEffect(verdict: NftVerdict | { jump: string } | { goto: string }): RuleEffect {
  if (typeof verdict === 'object') return 'jump' in verdict ? { kind: 'jump', chain: verdict.jump } : { kind: 'goto', chain: verdict.goto };
  if (verdict === 'return') return { kind: 'return' };
  if (verdict === 'continue') return { kind: 'continue' };
  return { kind: 'verdict', action: verdict };
}

function vmapRules(base: RuleFact, vmap: Extract<NftExpr, { kind: 'vmap' }>, context: Context, facts: FirewallFacts): RuleFact[] {
  let entries = vmap.entries;
  if (!Array.isArray(entries)) {
    const set = context.sets.get(entries.setRef);
    if (!set?.verdicts || set.dynamic) {
      const reason = set ? `verdict map @${entries.setRef} is filled at run time` : `verdict map @${entries.setRef} is not in the file`;
      facts.unknowns.push({ reason, ...portsTouched(base.match), at: base.at });
      return [{ ...base, unknown: reason }];
    }
    entries = set.verdicts;
  }
  return entries.map(([key, verdict]) => {
    const match = structuredClone(base.match);
    const problems: string[] = [];
    addMatch(match, { kind: 'match', field: vmap.field, negated: false, values: [key] }, context, problems);
    const unknown = [base.unknown, ...problems].filter(Boolean).join('; ');
    return { at: base.at, match, effect: toEffect(verdict), ...(unknown ? { unknown } : {}) };
  });
}

function natFact(expr: Extract<NftExpr, { kind: 'nat' }>, match: Match, at: Provenance, unknown: string | undefined): NatFact {
  const ports = expr.ports === undefined ? undefined : toPortRange(expr.ports);
  const why = expr.unknown ?? unknown ?? (typeof ports === 'string' ? ports : undefined);
  const to = { ...(expr.address ? { address: expr.address } : {}), ...(ports && typeof ports !== 'string' ? { ports } : {}) };
  return { kind: expr.nat, match, ...(Object.keys(to).length > 0 ? { to } : {}), at, ...(why ? { unknown: why } : {}) };
}

/** Few ports as a list (helper ports); a range stays its ends. */
function expandSmall(ranges: PortRange[]): number[] {
  return ranges.flatMap((range) => (range.to - range.from < 16 ? Array.from({ length: range.to - range.from + 1 }, (_, index) => range.from + index) : [range.from, range.to]));
}

export function portsTouched(match: Match): { ports?: PortRange[] } {
  return match.dport && !match.dport.negated && match.dport.values.length > 0 ? { ports: match.dport.values } : {};
}

export function toPortRange(value: NftValue): PortRange | string {
  if (typeof value === 'object') {
    const [from, to] = value.range;
    if (from > 65535 || to > 65535) return `port ${Math.max(from, to)} is above 65535`;
    if (from > to) return `port range ${from}-${to} runs backwards`;
    return { from, to };
  }
  const number = typeof value === 'number' ? value : SERVICE_PORTS[value] ?? (/^\d+$/.test(value) ? Number(value) : Number.NaN);
  if (Number.isNaN(number)) return `"${value}" is not a port`;
  if (number > 65535) return `port ${number} is above 65535`;
  return { from: number, to: number };
}

const PROTOCOL_OF: Partial<Record<NftField, string>> = { 'tcp sport': 'tcp', 'tcp dport': 'tcp', 'udp sport': 'udp', 'udp dport': 'udp' };
const FAMILY_OF: Partial<Record<NftField, 4 | 6>> = { 'ip saddr': 4, 'ip daddr': 4, 'ip6 saddr': 6, 'ip6 daddr': 6 };
const TARGET: Record<NftField, keyof Match | 'family'> = {
  l4proto: 'protocol', nfproto: 'family', 'ip saddr': 'src', 'ip daddr': 'dst', 'ip6 saddr': 'src', 'ip6 daddr': 'dst',
  'tcp sport': 'sport', 'tcp dport': 'dport', 'udp sport': 'sport', 'udp dport': 'dport', 'th sport': 'sport', 'th dport': 'dport',
  'ct state': 'state', iifname: 'iif', oifname: 'oif', 'ct helper': 'helper',
};

function addMatch(match: Match, expr: Extract<NftExpr, { kind: 'match' }>, context: Context, problems: string[]): void {
  const protocol = PROTOCOL_OF[expr.field];
  if (protocol && !match.protocol) match.protocol = { values: [protocol] };
  const family = FAMILY_OF[expr.field];
  if (family) match.family = family;
  const target = TARGET[expr.field];
  let values: NftValue[];
  if (!Array.isArray(expr.values)) {
    const set = context.sets.get(expr.values.setRef);
    if (!set || set.dynamic || set.elements === undefined) {
      const reason = !set ? `set @${expr.values.setRef} is not in the file` : `set @${expr.values.setRef} is filled at run time`;
      (match.uncertain ??= []).push({ field: uncertainField(target), reason });
      return;
    }
    values = set.elements;
  } else values = expr.values;
  if (target === 'family') {
    const wanted = values.map(String);
    if (wanted.length === 1 && (wanted[0] === 'ipv4' || wanted[0] === 'ipv6') && !expr.negated) match.family = wanted[0] === 'ipv4' ? 4 : 6;
    else problems.push(`meta nfproto ${expr.negated ? '!= ' : ''}${wanted.join(',')} is not evaluated`);
    return;
  }
  if (target === 'helper') {
    match.helper = String(values[0] ?? '');
    if (expr.negated || values.length !== 1) problems.push('a negated or multiple ct helper match is not evaluated');
    return;
  }
  if (match[target] !== undefined) {
    problems.push(`two conditions on ${expr.field} in one rule are not evaluated`);
    return;
  }
  if (target === 'sport' || target === 'dport') {
    const ranges: PortRange[] = [];
    for (const value of values) {
      const range = toPortRange(value);
      if (typeof range === 'string') problems.push(range);
      else ranges.push(range);
    }
    // A bad port leaves the rule touching every port: which one was meant is not known.
    if (ranges.length === values.length) match[target] = withNegation(ranges, expr.negated);
    return;
  }
  const strings = values.map((value) => (typeof value === 'object' ? `${value.range[0]}-${value.range[1]}` : String(value)));
  if (target === 'protocol') match.protocol = withNegation(strings, expr.negated);
  else if (target === 'state') match.state = withNegation(strings as NonNullable<Match['state']>['values'], expr.negated);
  else if (target === 'src' || target === 'dst' || target === 'iif' || target === 'oif') match[target] = withNegation(strings, expr.negated);
}

function uncertainField(target: keyof Match | 'family'): Uncertainty['field'] {
  return (['src', 'dst', 'sport', 'dport', 'iif', 'oif', 'state', 'protocol'] as const).find((field) => field === target) ?? 'other';
}

function withNegation<T>(values: T[], negated: boolean): ValueMatch<T> {
  return negated ? { values, negated: true } : { values };
}
