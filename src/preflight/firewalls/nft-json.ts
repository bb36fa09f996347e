/**
 * `nft -j list ruleset` → the expression lists of nft-build.ts (libnftables-json(5)). The JSON is
 * usually one line; each fact's line is where its object starts (pretty-printed input gives real
 * lines) and its text names table, chain and handle, which `nft -a list ruleset` shows.
 */
import { emptyFacts, FirewallParseError, type FirewallFacts, type Provenance } from './model.js';
import { buildNftFacts, type NftExpr, type NftField, type NftSet, type NftTable, type NftValue, type NftVerdict } from './nft-build.js';
import { jsonValueLines } from './json-lines.js';
import { parseJson, provenance } from './text.js';

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

export function parseNftJson(file: string, text: string): FirewallFacts {
  const facts = emptyFacts('nftables-json', file);
  const root = parseJson(file, text);
  if (!isObject(root) || !Array.isArray(root.nftables)) throw new FirewallParseError(file, 1, 'not nft JSON: no "nftables" array at the top');
  const lines = jsonValueLines(text);
  const tables = new Map<string, NftTable>();
  const tableOf = (item: Json, at: Provenance) => {
    const key = `${String(item.family)} ${String(item.table)}`;
    const table = tables.get(key);
    if (!table) facts.notUnderstood.push({ at, reason: `table ${key} is not declared before it is used` });
    return table;
  };
  for (const [index, element] of root.nftables.entries()) {
    const line = lines.get(`/nftables/${index}`) ?? 1;
    const [kind, body] = isObject(element) ? (Object.entries(element)[0] ?? []) : [];
    if (!kind || !isObject(body)) {
      facts.notUnderstood.push({ at: provenance(file, line, JSON.stringify(element).slice(0, 200)), reason: 'not an nft JSON object' });
      continue;
    }
    const where = [body.family, body.table ?? body.name, kind === 'rule' ? body.chain : undefined].filter((part) => part !== undefined).join(' ');
    const at = provenance(file, line, `${kind} ${where}${body.handle !== undefined ? ` handle ${String(body.handle)}` : ''}${kind !== 'rule' && kind !== 'table' ? ` ${String(body.name)}` : ''}`);
    if (kind === 'metainfo') continue;
    if (kind === 'table') {
      const key = `${String(body.family)} ${String(body.name)}`;
      if (!tables.has(key)) tables.set(key, { family: String(body.family), name: String(body.name), at, chains: [], sets: [], helpers: [] });
    } else if (kind === 'chain') {
      const table = tableOf(body, at);
      table?.chains.push({
        name: String(body.name),
        ...(body.type ? { type: body.type as 'filter' } : {}),
        ...(body.hook ? { hook: String(body.hook) } : {}),
        ...(typeof body.prio === 'number' ? { priority: body.prio } : {}),
        ...(body.policy === 'accept' || body.policy === 'drop' ? { policy: body.policy } : {}),
        at,
        rules: [],
      });
    } else if (kind === 'set' || kind === 'map') {
      tableOf(body, at)?.sets.push(readSet(body, kind, at));
    } else if (kind === 'ct helper') {
      tableOf(body, at)?.helpers.push({ name: String(body.name), type: String(body.type), at });
    } else if (kind === 'rule') {
      const chain = tableOf(body, at)?.chains.find((item) => item.name === body.chain);
      if (!chain) facts.notUnderstood.push({ at, reason: `chain ${String(body.chain)} is not declared before its rules` });
      else chain.rules.push({ at, exprs: Array.isArray(body.expr) ? body.expr.map(readStatement) : [{ kind: 'unknown', reason: 'a rule without "expr"' }] });
    } else if (!['counter', 'quota', 'limit', 'ct timeout', 'ct expectation', 'secmark', 'synproxy', 'flowtable', 'element'].includes(kind)) {
      facts.notUnderstood.push({ at, reason: `"${kind}" objects are not understood` });
    }
  }
  buildNftFacts(facts, [...tables.values()]);
  return facts;
}

function readSet(body: Json, kind: string, at: Provenance): NftSet {
  const flags = Array.isArray(body.flags) ? body.flags.map(String) : [];
  const set: NftSet = { name: String(body.name), dynamic: flags.includes('dynamic') || flags.includes('timeout'), at };
  const elements = Array.isArray(body.elem) ? body.elem : undefined;
  if (kind === 'map' && body.map === 'verdict') {
    set.verdicts = [];
    for (const pair of elements ?? []) {
      const verdict = Array.isArray(pair) ? toVerdict(pair[1]) : undefined;
      if (!verdict || !Array.isArray(pair)) {
        set.verdicts = undefined;
        break;
      }
      set.verdicts.push([toValue(pair[0]), verdict]);
    }
  }
  if (elements) set.elements = elements.map((element) => toValue(Array.isArray(element) ? element[0] : element));
  return set;
}

/** A JSON value (number, string, prefix, range, elem wrapper) → the normalised value. */
function toValue(value: unknown): NftValue {
  if (typeof value === 'number' || typeof value === 'string') return value;
  if (isObject(value)) {
    if (isObject(value.elem)) return toValue(value.elem.val);
    if (isObject(value.prefix)) return `${String(value.prefix.addr)}/${String(value.prefix.len)}`;
    if (Array.isArray(value.range) && value.range.length === 2) {
      const [from, to] = value.range;
      return typeof from === 'number' && typeof to === 'number' ? { range: [from, to] } : `${String(from)}-${String(to)}`;
    }
  }
  return JSON.stringify(value);
}

function toVerdict(value: unknown): NftVerdict | { jump: string } | { goto: string } | undefined {
  if (!isObject(value)) return undefined;
  const [key, body] = Object.entries(value)[0] ?? [];
  if (key === 'accept' || key === 'drop' || key === 'reject' || key === 'return' || key === 'continue') return key;
  if ((key === 'jump' || key === 'goto') && isObject(body)) return key === 'jump' ? { jump: String(body.target) } : { goto: String(body.target) };
  return undefined;
}

const PAYLOAD_FIELDS: Record<string, NftField> = {
  'ip saddr': 'ip saddr', 'ip daddr': 'ip daddr', 'ip protocol': 'l4proto', 'ip6 saddr': 'ip6 saddr', 'ip6 daddr': 'ip6 daddr', 'ip6 nexthdr': 'l4proto',
  'tcp sport': 'tcp sport', 'tcp dport': 'tcp dport', 'udp sport': 'udp sport', 'udp dport': 'udp dport', 'th sport': 'th sport', 'th dport': 'th dport',
};
const META_FIELDS: Record<string, NftField> = { l4proto: 'l4proto', nfproto: 'nfproto', iifname: 'iifname', oifname: 'oifname', iif: 'iifname', oif: 'oifname' };

/** The left side of a match or a vmap key → a field, or why not. */
function readField(left: unknown): NftField | { uncertain: string } | { unknown: string } {
  if (isObject(left)) {
    if (isObject(left.payload)) {
      const name = `${String(left.payload.protocol)} ${String(left.payload.field)}`;
      const field = PAYLOAD_FIELDS[name];
      if (field) return field;
      return { uncertain: `${name} narrows the match in a way not evaluated` };
    }
    if (isObject(left.meta)) return META_FIELDS[String(left.meta.key)] ?? { uncertain: `meta ${String(left.meta.key)} narrows the match in a way not evaluated` };
    if (isObject(left.ct)) {
      if (left.ct.key === 'state') return 'ct state';
      if (left.ct.key === 'helper') return 'ct helper';
      return { uncertain: `ct ${String(left.ct.key)} narrows the match in a way not evaluated` };
    }
    if ('&' in left) return { uncertain: 'tcp flags narrows the match in a way not evaluated' };
    if ('fib' in left) return { uncertain: 'fib narrows the match in a way not evaluated' };
    if ('concat' in left) return { unknown: 'a concatenation (a . b) is not evaluated' };
  }
  return { unknown: `match on ${JSON.stringify(left).slice(0, 80)} is not understood` };
}

function readStatement(statement: unknown): NftExpr {
  if (!isObject(statement)) return { kind: 'unknown', reason: 'a statement that is not an object' };
  const [key, body] = Object.entries(statement)[0] ?? [];
  const verdict = toVerdict(statement);
  if (verdict) return typeof verdict === 'object' ? ('jump' in verdict ? { kind: 'jump', chain: verdict.jump } : { kind: 'goto', chain: verdict.goto }) : { kind: 'verdict', verdict };
  if (key === 'match' && isObject(body)) return readMatch(body);
  if (key === 'counter' || key === 'log' || key === 'notrack' || key === 'mangle') return { kind: 'noop' };
  if (key === 'limit') return { kind: 'uncertain', reason: 'limit narrows the match in a way not evaluated' };
  if (key === 'ct helper') return { kind: 'helper-set', name: String(body) };
  if ((key === 'dnat' || key === 'snat' || key === 'redirect' || key === 'masquerade')) {
    const nat = isObject(body) ? body : {};
    if (nat.addr !== undefined && typeof nat.addr !== 'string') return { kind: 'nat', nat: key, unknown: `${key} to an address chosen by a map or expression is not evaluated` };
    return { kind: 'nat', nat: key, ...(typeof nat.addr === 'string' ? { address: nat.addr } : {}), ...(nat.port !== undefined ? { ports: toValue(nat.port) } : {}) };
  }
  if (key === 'vmap' && isObject(body)) {
    const field = readField(body.key);
    if (typeof field !== 'string') return { kind: 'unknown', reason: 'uncertain' in field ? field.uncertain : field.unknown };
    if (typeof body.data === 'string' && body.data.startsWith('@')) return { kind: 'vmap', field, entries: { setRef: body.data.slice(1) } };
    const items = isObject(body.data) && Array.isArray(body.data.set) ? body.data.set : [];
    const entries: [NftValue, NftVerdict | { jump: string } | { goto: string }][] = [];
    for (const item of items) {
      const target = Array.isArray(item) ? toVerdict(item[1]) : undefined;
      if (!target || !Array.isArray(item)) return { kind: 'unknown', reason: 'a vmap entry is not understood' };
      entries.push([toValue(item[0]), target]);
    }
    return { kind: 'vmap', field, entries };
  }
  return { kind: 'unknown', reason: `"${String(key)}" is not understood` };
}

/** Another protocol's header (icmp type, sctp dport): the rule never applies to TCP, as in the text form. */
const OTHER_PROTOCOLS: Record<string, string> = { icmp: 'icmp', icmpv6: 'ipv6-icmp', sctp: 'sctp', dccp: 'dccp' };

function readMatch(body: Json): NftExpr {
  const left = body.left;
  const other = isObject(left) && isObject(left.payload) ? OTHER_PROTOCOLS[String(left.payload.protocol)] : undefined;
  if (other) return { kind: 'match', field: 'l4proto', negated: false, values: [other] };
  const field = readField(body.left);
  if (typeof field !== 'string') return 'uncertain' in field ? { kind: 'uncertain', reason: field.uncertain } : { kind: 'unknown', reason: field.unknown };
  const op = String(body.op ?? '==');
  const right = body.right;
  if (typeof right === 'string' && right.startsWith('@')) return { kind: 'match', field, negated: op === '!=', values: { setRef: right.slice(1) } };
  const values = isObject(right) && Array.isArray(right.set) ? right.set.map(toValue) : Array.isArray(right) ? right.map(toValue) : [toValue(right)];
  if (op === '==' || op === '!=' || op === 'in') return { kind: 'match', field, negated: op === '!=', values };
  const port = values[0];
  if (typeof port !== 'number' || values.length !== 1) return { kind: 'unknown', reason: `${field} ${op} … is not understood` };
  const ranges: Record<string, [number, number]> = { '<': [0, port - 1], '<=': [0, port], '>': [port + 1, 65535], '>=': [port, 65535] };
  const range = ranges[op];
  return range ? { kind: 'match', field, negated: false, values: [{ range }] } : { kind: 'unknown', reason: `operator ${op} is not understood` };
}
