/**
 * One nftables rule as text → expressions (nft-build.ts). Knows the matches and statements that
 * decide TCP connections; anything else makes the rule "unknown" with the word it stopped at, or
 * "uncertain" where the word only narrows the match (limit, tcp flags, fib, marks).
 */
import type { NftExpr, NftField, NftValue, NftVerdict } from './nft-build.js';

export function tokenize(text: string): string[] {
  const tokens: string[] = [];
  // Quoted strings keep their quotes, so a log prefix "accept" is never read as a verdict.
  const pattern = /"(?:[^"\\]|\\.)*"|!=|==|<=|>=|[{},<>]|[^\s{},"<>!=]+|\S/g;
  for (let match = pattern.exec(text); match; match = pattern.exec(text)) tokens.push(match[0]);
  return tokens;
}

/** The items of "a, b-c, { … }" at the top level (elements of a set). */
export function splitValueList(text: string): string[] {
  return text.split(',').map((item) => item.trim()).filter(Boolean);
}

/** "21" → 21, "50000-50100" → range, anything else (addresses, names) stays a string. */
export function toValue(word: string): NftValue {
  const unquoted = unquote(word);
  if (/^\d+$/.test(unquoted)) return Number(unquoted);
  const range = /^(\d+)-(\d+)$/.exec(unquoted);
  if (range) return { range: [Number(range[1]), Number(range[2])] };
  return unquoted;
}

export function unquote(word: string): string {
  return word.replace(/^"(.*)"$/, '$1');
}

const VERDICTS = new Set(['accept', 'drop', 'return', 'continue']);
const FIELDS: Record<string, Record<string, NftField>> = {
  ip: { saddr: 'ip saddr', daddr: 'ip daddr', protocol: 'l4proto' },
  ip6: { saddr: 'ip6 saddr', daddr: 'ip6 daddr', nexthdr: 'l4proto' },
  tcp: { sport: 'tcp sport', dport: 'tcp dport' },
  udp: { sport: 'udp sport', dport: 'udp dport' },
  th: { sport: 'th sport', dport: 'th dport' },
  meta: { l4proto: 'l4proto', nfproto: 'nfproto', iifname: 'iifname', oifname: 'oifname', iif: 'iifname', oif: 'oifname' },
  ct: { state: 'ct state', helper: 'ct helper' },
};
const BARE_FIELDS: Record<string, NftField> = { iifname: 'iifname', oifname: 'oifname', iif: 'iifname', oif: 'oifname' };
/** Keywords that end a statement's optional words (the next statement starts there). */
const STATEMENT_START = new Set(['counter', 'log', 'limit', 'comment', 'accept', 'drop', 'reject', 'return', 'continue', 'jump', 'goto', 'dnat', 'snat', 'masquerade', 'redirect', 'notrack', 'meta', 'ct', 'ip', 'ip6', 'tcp', 'udp', 'th']);

export function parseRuleTokens(tokens: string[]): NftExpr[] {
  const exprs: NftExpr[] = [];
  let index = 0;
  const peek = (offset = 0) => tokens[index + offset];
  const next = () => tokens[index++];
  /** Skip optional words until the next statement keyword. */
  const skipOptions = () => {
    while (index < tokens.length && !STATEMENT_START.has(peek() as string)) index++;
  };
  while (index < tokens.length) {
    const word = next() as string;
    const fieldMap = FIELDS[word];
    const sub = peek();
    if (fieldMap && sub !== undefined && fieldMap[sub]) {
      index++;
      if (peek() === 'set') {
        index++;
        if (word === 'ct' && sub === 'helper') exprs.push({ kind: 'helper-set', name: unquote(next() ?? '') });
        else return [...exprs, { kind: 'unknown', reason: `"${word} ${sub} set" is not understood` }];
        continue;
      }
      const field = fieldMap[sub] as NftField;
      const expr = readMatch(field);
      if (expr.kind === 'unknown') return [...exprs, expr];
      exprs.push(expr);
      continue;
    }
    if (BARE_FIELDS[word]) {
      const expr = readMatch(BARE_FIELDS[word] as NftField);
      if (expr.kind === 'unknown') return [...exprs, expr];
      exprs.push(expr);
      continue;
    }
    if (VERDICTS.has(word)) exprs.push({ kind: 'verdict', verdict: word as NftVerdict });
    else if (word === 'reject') {
      exprs.push({ kind: 'verdict', verdict: 'reject' });
      if (peek() === 'with') index += peek(1) === 'tcp' ? 3 : 4; // with tcp reset | with icmp[x|v6] [type] X
    } else if (word === 'jump' || word === 'goto') exprs.push({ kind: word, chain: next() ?? '' });
    else if (word === 'counter' || word === 'log' || word === 'notrack') {
      exprs.push({ kind: 'noop' });
      skipOptions();
    } else if (word === 'comment') {
      index++;
      exprs.push({ kind: 'noop' });
    } else if (word === 'limit' || word === 'fib') {
      exprs.push({ kind: 'uncertain', reason: `${word} narrows the match in a way not evaluated` });
      skipOptions();
    } else if (FIELDS[word] && sub !== undefined && !STATEMENT_START.has(sub)) {
      // Another field of a known header (tcp flags, ct status, meta pkttype, ip dscp, …).
      index++;
      if (peek() === 'set') {
        // meta mark set …, ct mark set …: a statement that changes no decision.
        index += 2;
        exprs.push({ kind: 'noop' });
        continue;
      }
      const consumed = readMatch('l4proto');
      if (consumed.kind === 'unknown') return [...exprs, consumed];
      exprs.push({ kind: 'uncertain', reason: `${word} ${sub} narrows the match in a way not evaluated` });
    } else if (word === 'dnat' || word === 'snat' || word === 'redirect' || word === 'masquerade') {
      exprs.push(readNat(word));
    } else if (word === 'icmp' || word === 'icmpv6' || word === 'sctp' || word === 'dccp') {
      // Another protocol's match: the rule never applies to TCP.
      exprs.push({ kind: 'match', field: 'l4proto', negated: false, values: [word === 'icmpv6' ? 'ipv6-icmp' : word] });
      skipOptions();
    } else return [...exprs, { kind: 'unknown', reason: `"${word}" is not understood` }];
  }
  return exprs;

  function readMatch(field: NftField): NftExpr {
    let negated = false;
    let comparison: string | undefined;
    const operator = peek();
    if (operator === '!=' || operator === 'ne') {
      negated = true;
      index++;
    } else if (operator === '==' || operator === 'eq') index++;
    else if (operator === '<' || operator === '>' || operator === '<=' || operator === '>=') {
      comparison = operator;
      index++;
    }
    const first = peek();
    if (first === undefined) return { kind: 'unknown', reason: `${field} without a value` };
    if (first === 'vmap') {
      index++;
      if (peek()?.startsWith('@')) return { kind: 'vmap', field, entries: { setRef: (next() as string).slice(1) } };
      const entries = readBraced();
      if (!entries) return { kind: 'unknown', reason: `${field} vmap without { … }` };
      const pairs: [NftValue, NftVerdict | { jump: string } | { goto: string }][] = [];
      for (const entry of entries) {
        const [key, verdict, chain] = entry;
        if (key === undefined || verdict === undefined) return { kind: 'unknown', reason: 'a vmap entry is not understood' };
        if (verdict === 'jump' || verdict === 'goto') pairs.push([toValue(key), verdict === 'jump' ? { jump: chain ?? '' } : { goto: chain ?? '' }]);
        else if (VERDICTS.has(verdict) || verdict === 'reject') pairs.push([toValue(key), verdict as NftVerdict]);
        else return { kind: 'unknown', reason: `vmap verdict "${verdict}" is not understood` };
      }
      return { kind: 'vmap', field, entries: pairs };
    }
    if (first.startsWith('@')) {
      index++;
      return { kind: 'match', field, negated, values: { setRef: first.slice(1) } };
    }
    if (first === '.') return { kind: 'unknown', reason: 'a concatenation (a . b) is not evaluated' };
    if (first === '$') return { kind: 'unknown', reason: 'a variable ($name) is not expanded' };
    let values: string[];
    if (first === '{') {
      const items = readBraced();
      if (!items) return { kind: 'unknown', reason: `${field} { … } is not closed` };
      values = items.map((item) => item.join(' '));
    } else {
      values = [next() as string];
      while (peek() === ',') {
        index++;
        values.push(next() ?? '');
      }
    }
    if (peek() === '/') {
      // A bit mask (tcp flags syn / fin,syn,rst,ack): part of the value, read and set aside.
      index++;
      if (peek() === '{') readBraced();
      else {
        index++;
        while (peek() === ',') index += 2;
      }
    }
    if (values.some((value) => value.startsWith('$'))) return { kind: 'unknown', reason: 'a variable ($name) is not expanded' };
    if (peek() === '.') return { kind: 'unknown', reason: 'a concatenation (a . b) is not evaluated' };
    if (comparison) {
      const port = Number(values[0]);
      if (values.length !== 1 || !Number.isInteger(port)) return { kind: 'unknown', reason: `${field} ${comparison} ${values.join(',')} is not understood` };
      const range: [number, number] = comparison === '<' ? [0, port - 1] : comparison === '<=' ? [0, port] : comparison === '>' ? [port + 1, 65535] : [port, 65535];
      return { kind: 'match', field, negated, values: [{ range }] };
    }
    return { kind: 'match', field, negated, values: values.map(toValue) };
  }

  /** `{ a, b : accept, c }` → items, each its words; undefined if never closed. */
  function readBraced(): string[][] | undefined {
    if (next() !== '{') return undefined;
    const items: string[][] = [[]];
    while (index < tokens.length) {
      const token = next() as string;
      if (token === '}') return items.filter((item) => item.length > 0).map((item) => item.filter((word) => word !== ':'));
      if (token === ',') items.push([]);
      else if (token !== ':') (items[items.length - 1] as string[]).push(token);
    }
    return undefined;
  }

  function readNat(kind: 'dnat' | 'snat' | 'redirect' | 'masquerade'): NftExpr {
    if (peek() === 'ip' || peek() === 'ip6') index++;
    if (peek() !== 'to') {
      skipOptions(); // masquerade random / persistent / fully-random
      return { kind: 'nat', nat: kind };
    }
    index++;
    const target = next() ?? '';
    if (peek() === 'map' || target === 'numgen' || target === 'jhash' || target === 'ip' || target === 'ip6') {
      return { kind: 'nat', nat: kind, unknown: `${kind} to an address chosen by a map or expression is not evaluated` };
    }
    skipOptions();
    const bracketed = /^\[([^\]]+)\](?::(.+))?$/.exec(target);
    const [address, port] = bracketed
      ? [bracketed[1], bracketed[2]]
      : target.startsWith(':')
        ? [undefined, target.slice(1)]
        : /^[\d.]+(-[\d.]+)?:/.test(target)
          ? [target.slice(0, target.lastIndexOf(':')), target.slice(target.lastIndexOf(':') + 1)]
          : [target, undefined];
    return { kind: 'nat', nat: kind, ...(address ? { address } : {}), ...(port ? { ports: toValue(port) } : {}) };
  }
}
