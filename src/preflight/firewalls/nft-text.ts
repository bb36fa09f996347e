/**
 * `nft list ruleset` text (and `nft -f` scripts in the same syntax) → the expression lists of
 * nft-build.ts. Blocks (table, chain, set, map, ct helper) are tracked line by line; a statement
 * whose braces do not close on its line (a long `elements = { … }`) is joined with the next lines.
 * Every line is understood or reported with its number.
 */
import { emptyFacts, FirewallParseError, type FirewallFacts, type Provenance } from './model.js';
import { buildNftFacts, NAMED_PRIORITIES, type NftChain, type NftSet, type NftTable } from './nft-build.js';
import { parseRuleTokens, splitValueList, tokenize, toValue } from './nft-tokens.js';
import { shellWords } from '../lines.js';
import { checkedLines, provenance } from './text.js';

/** Past this many joined lines a statement's braces are taken as broken, not as long. */
const MAX_JOINED_LINES = 10_000;
const OBJECT_BLOCK = /^(counter|quota|limit|ct timeout|ct expectation|secmark|synproxy|flowtable)\s+\S+\s*\{$/;

type Block =
  | { kind: 'table'; table: NftTable }
  | { kind: 'chain'; chain: NftChain; table: NftTable }
  | { kind: 'set'; set: NftSet; table: NftTable }
  | { kind: 'helper'; helper: NftTable['helpers'][number] }
  | { kind: 'object' };

export function parseNftText(file: string, text: string): FirewallFacts {
  const facts = emptyFacts('nftables', file);
  const lines = splitChainOpeners(checkedLines(file, text));
  const tables: NftTable[] = [];
  const stack: Block[] = [];
  /** The line each open block started on, to name an unclosed one. */
  const openedAt: number[] = [];
  let lastLine = 0;
  const syncOpened = () => {
    while (openedAt.length < stack.length) openedAt.push(lastLine);
  };
  const complain = (at: Provenance, reason: string) => facts.notUnderstood.push({ at, reason });
  for (let index = 0; index < lines.length; index++) {
    const first = lines[index] as (typeof lines)[number];
    let statement = stripComment(first.text).trim();
    // Join a statement whose braces do not close on its line (not a block opener).
    let joined = 0;
    while (!/\{$/.test(statement) || /=\s*\{$/.test(statement)) {
      if (braceBalance(statement) <= 0) break;
      if (++joined > MAX_JOINED_LINES || index + 1 >= lines.length) throw new FirewallParseError(file, first.number, 'a "{" is never closed');
      index++;
      statement = `${statement} ${stripComment((lines[index] as (typeof lines)[number]).text).trim()}`;
    }
    if (statement === '') continue;
    syncOpened();
    lastLine = first.number;
    const at = provenance(file, first.number, statement);
    const top = stack[stack.length - 1];
    if (statement === '}') {
      if (!stack.pop()) throw new FirewallParseError(file, first.number, 'a "}" closes nothing');
      openedAt.pop();
      continue;
    }
    if (!top) {
      const table = /^table\s+(ip|ip6|inet|arp|bridge|netdev)\s+("?)([\w.-]+)\2\s*(\{)?$/.exec(statement);
      if (table) {
        if (!table[4]) continue; // `table inet x`: declares it, nothing more
        const found = tables.find((item) => item.family === table[1] && item.name === table[3]);
        const current = found ?? { family: table[1] as string, name: table[3] as string, at, chains: [], sets: [], helpers: [] };
        if (!found) tables.push(current);
        stack.push({ kind: 'table', table: current });
        continue;
      }
      const deletion = /^(?:delete|destroy)\s+table\s+(\w+)\s+([\w.-]+)$/.exec(statement);
      if (deletion) {
        const at2 = tables.findIndex((item) => item.family === deletion[1] && item.name === deletion[2]);
        if (at2 !== -1) tables.splice(at2, 1);
        continue;
      }
      if (statement === 'flush ruleset') {
        tables.length = 0;
        continue;
      }
      if (command(statement, at, tables, complain)) continue;
      complain(at, /^(include|define)\b/.test(statement) ? `${statement.split(/\s/)[0]} is not followed: what it brings in is not evaluated` : 'not understood at the top level of an nftables ruleset');
      continue;
    }
    if (top.kind === 'object' || top.kind === 'helper') {
      if (top.kind === 'helper') {
        const type = /^type\s+"([^"]+)"\s+protocol\s+(\w+)/.exec(statement);
        if (type) top.helper.type = type[1] as string;
        else if (!/^(l3proto\s+\w+|policy\b.*)$/.test(statement)) complain(at, 'not understood inside a ct helper');
      } else if (/\{$/.test(statement)) stack.push({ kind: 'object' });
      continue;
    }
    if (top.kind === 'table') {
      tableStatement(statement, at, top.table, stack, complain);
      continue;
    }
    if (top.kind === 'set') {
      setStatement(statement, at, top.set, complain);
      continue;
    }
    chainStatement(statement, at, top.chain, complain);
  }
  syncOpened();
  if (stack.length > 0) throw new FirewallParseError(file, openedAt[openedAt.length - 1] ?? lines.length, `this block is not closed by the end of the file (${stack.length} open)`);
  buildNftFacts(facts, tables);
  return facts;
}

function tableStatement(statement: string, at: Provenance, table: NftTable, stack: Block[], complain: (at: Provenance, reason: string) => void): void {
  const block = /^(chain|set|map)\s+("?)([\w.-]+)\2\s*\{$/.exec(statement);
  if (block) {
    const name = block[3] as string;
    if (block[1] === 'chain') {
      const chain = table.chains.find((item) => item.name === name) ?? { name, at, rules: [] };
      if (!table.chains.includes(chain)) table.chains.push(chain);
      stack.push({ kind: 'chain', chain, table });
    } else {
      const set: NftSet = { name, dynamic: false, at };
      if (block[1] === 'map') set.verdicts = [];
      table.sets.push(set);
      stack.push({ kind: 'set', set, table });
    }
    return;
  }
  const helper = /^ct\s+helper\s+("?)([\w.-]+)\1\s*\{$/.exec(statement);
  if (helper) {
    const item = { name: helper[2] as string, type: '', at };
    table.helpers.push(item);
    stack.push({ kind: 'helper', helper: item });
    return;
  }
  if (OBJECT_BLOCK.test(statement)) {
    stack.push({ kind: 'object' }); // named counters, quotas, …: no bearing on what is accepted
    return;
  }
  if (/^(flags\s+\w+|comment\s+".*")$/.test(statement)) return;
  const hook = /^chain\b.*\bhook\s+(\w+)/.exec(statement);
  if (hook) {
    // A base chain not understood may drop anything on its hook: its ports are unknown, never open.
    const chain: NftChain = { name: `(not understood, line ${at.line})`, at, type: 'filter', hook: hook[1] as string, priority: 0, rules: [{ at, exprs: [{ kind: 'unknown', reason: 'this chain is not understood: what it drops is unknown' }] }] };
    table.chains.push(chain);
    if (/\{$/.test(statement)) stack.push({ kind: 'chain', chain, table });
    return;
  }
  complain(at, 'not understood inside an nftables table');
}

/**
 * `chain forward { type filter hook forward priority 0; policy drop;` with its rules on the next
 * lines, and a whole chain on one line: nft accepts both. The opener, the chain's statements and a
 * closing "}" become lines of their own (the same line number), as if written one per line.
 */
function splitChainOpeners<Line extends { number: number; text: string }>(lines: readonly Line[]): Line[] {
  return lines.flatMap((line) => {
    const opener = /^(chain\s+("?)[\w.-]+\2\s*\{)\s*(\S.*)$/.exec(stripComment(line.text).trim());
    if (!opener) return [line];
    let rest = opener[3] as string;
    const closes = /\}\s*;?$/.test(rest) && braceBalance(rest) < 0;
    if (closes) rest = rest.replace(/\}\s*;?$/, '');
    const statements = rest
      .split(';')
      .map((part) => part.trim())
      .filter((part) => part !== '')
      .map((part) => (/^type\s/.test(part) ? `${part};` : part));
    return [opener[1] as string, ...statements, ...(closes ? ['}'] : [])].map((text) => ({ ...line, text }));
  });
}

function setStatement(statement: string, at: Provenance, set: NftSet, complain: (at: Provenance, reason: string) => void): void {
  const flags = /^flags\s+(.+)$/.exec(statement);
  if (flags) {
    if (/\b(dynamic|timeout)\b/.test(flags[1] as string)) set.dynamic = true;
    return;
  }
  const elements = /^elements\s*=\s*\{(.*)\}$/.exec(statement);
  if (elements) {
    const items = splitValueList(elements[1] as string);
    if (set.verdicts) {
      for (const item of items) {
        const [key, verdict] = item.split(/\s+:\s+/);
        const parsed = verdict === undefined ? undefined : /^(accept|drop|reject|return|continue|jump\s+\S+|goto\s+\S+)$/.exec(verdict.trim());
        if (!parsed || key === undefined) {
          set.verdicts = undefined; // a data map (addresses, marks): not a verdict map
          break;
        }
        const word = parsed[1] as string;
        const [kind, chain] = word.split(/\s+/);
        set.verdicts.push([toValue(key.trim()), kind === 'jump' ? { jump: chain as string } : kind === 'goto' ? { goto: chain as string } : (kind as 'accept')]);
      }
    }
    // "1.2.3.4 expires 9s" and "… timeout 1h": an element's timers are not part of its value.
    set.elements = items.map((item) => toValue(item.replace(/\s+(timeout|expires|comment|counter)\b.*$/, '').split(/\s+:\s+/)[0] as string));
    return;
  }
  if (/^(type|typeof)\s+/.test(statement)) return;
  if (/^(size\s+\d+|timeout\s+\S+|gc-interval\s+\S+|policy\s+\w+|auto-merge|counter|comment\s+".*")$/.test(statement)) return;
  complain(at, 'not understood inside an nftables set');
}

function chainStatement(statement: string, at: Provenance, chain: NftChain, complain: (at: Provenance, reason: string) => void): void {
  const header = /^type\s+(filter|nat|route)\s+hook\s+(\w+)(?:\s+device\s+"?[\w.-]+"?)?\s+priority\s+([\w-]+)(?:\s*([+-])\s*(\d+))?\s*;(?:\s*policy\s+(accept|drop)\s*;)?$/.exec(statement);
  if (header) {
    const [, type, hook, priority = '0', sign, offset, policy] = header;
    const base = NAMED_PRIORITIES[priority] ?? Number(priority);
    if (Number.isNaN(base)) complain(at, `priority "${priority}" is not a known name or number`);
    chain.type = type as NftChain['type'];
    chain.hook = hook;
    chain.priority = (Number.isNaN(base) ? 0 : base) + (sign === '-' ? -1 : 1) * Number(offset ?? 0);
    if (policy) chain.policy = policy as 'accept' | 'drop';
    return;
  }
  const policy = /^policy\s+(accept|drop)\s*;?$/.exec(statement);
  if (policy) {
    chain.policy = policy[1] as 'accept' | 'drop';
    return;
  }
  if (/^(comment\s+".*"|devices\s*=\s*\{.*\})$/.test(statement)) return;
  chain.rules.push({ at, exprs: parseRuleTokens(tokenize(statement)) });
}

/**
 * The command form, as scripts and forum answers write rules one at a time (with or without a
 * leading `nft`): add/create table, add chain with its `{ type … }`, add set/map, add/insert rule,
 * add element.
 * Returns false for anything else.
 */
function command(line: string, at: Provenance, tables: NftTable[], complain: (at: Provenance, reason: string) => void): boolean {
  const unwrapped = /^(sudo\s+)?nft\s+/.test(line) ? shellWords(line.replace(/^(sudo\s+)?nft\s+/, '')).filter((word) => !word.startsWith('-')).join(' ') : line;
  const match = /^(add|create|insert)\s+(table|chain|rule|element|set|map)\s+(ip|ip6|inet|arp|bridge|netdev)\s+([\w.-]+)(?:\s+([\w.-]+))?\s*(.*)$/.exec(unwrapped);
  if (!match) return false;
  const [, verb, what, family = '', tableName = '', name, rest = ''] = match;
  let table = tables.find((item) => item.family === family && item.name === tableName);
  if (!table) {
    if (what !== 'table') complain(at, `table ${family} ${tableName} is used before it is added`);
    table = { family, name: tableName, at, chains: [], sets: [], helpers: [] };
    tables.push(table);
  }
  if (what === 'table') return true;
  if (!name) {
    complain(at, `${verb} ${what} without a name`);
    return true;
  }
  if (what === 'set' || what === 'map') {
    const set: NftSet = { name, dynamic: false, at, ...(what === 'map' ? { verdicts: [] } : {}) };
    table.sets.push(set);
    const body = /^\{(.*)\}$/.exec(rest.trim())?.[1] ?? '';
    for (const part of body.split(';').map((item) => item.trim()).filter(Boolean)) setStatement(part, at, set, complain);
    return true;
  }
  if (what === 'element') {
    const set = table.sets.find((item) => item.name === name);
    if (!set) complain(at, `set ${name} is not in the file`);
    else setStatement(`elements = ${rest.trim()}`, at, set, complain);
    return true;
  }
  let chain = table.chains.find((item) => item.name === name);
  if (!chain) {
    chain = { name, at, rules: [] };
    table.chains.push(chain);
  }
  if (what === 'chain') {
    const body = /^\{(.*)\}$/.exec(rest.trim())?.[1]?.trim();
    if (body) chainStatement(body.replace(/\s*;\s*/g, '; ').replace(/;?\s*$/, ';'), at, chain, complain);
    return true;
  }
  const rule = { at, exprs: parseRuleTokens(tokenize(rest)) };
  if (verb === 'insert') chain.rules.unshift(rule);
  else chain.rules.push(rule);
  return true;
}

/** A `#` outside quotes starts a comment (nft -a prints `# handle 7`). */
function stripComment(line: string): string {
  let quoted = false;
  for (let index = 0; index < line.length; index++) {
    if (line[index] === '"') quoted = !quoted;
    else if (line[index] === '#' && !quoted) return line.slice(0, index);
  }
  return line;
}

function braceBalance(text: string): number {
  let balance = 0;
  let quoted = false;
  for (const char of text) {
    if (char === '"') quoted = !quoted;
    else if (!quoted && char === '{') balance++;
    else if (!quoted && char === '}') balance--;
  }
  return balance;
}
