/**
 * iptables-save / ip6tables-save output (and iptables-restore files) → FirewallFacts; also shell
 * lines of the form `iptables [-t T] -A|-I|-P …`, as firewall scripts write them. One firewall per
 * table; built-in chains hang on their hooks with the priority nftables gives the same table, so
 * evaluateTcp orders them as the kernel does.
 */
import { shellWords } from '../lines.js';
import { emptyFacts, FirewallParseError, type ChainFact, type FirewallFact, type FirewallFacts, type Hook, type Match, type Provenance, type RuleEffect } from './model.js';
import { applyOption, type RuleDraft } from './iptables-options.js';
import { portsTouched } from './nft-build.js';
import { checkedLines, provenance } from './text.js';

const TABLE_PRIORITY: Record<string, { type: ChainFact['type']; priority: Record<string, number> }> = {
  raw: { type: 'raw', priority: { PREROUTING: -300, OUTPUT: -300 } },
  mangle: { type: 'mangle', priority: { PREROUTING: -150, INPUT: -150, FORWARD: -150, OUTPUT: -150, POSTROUTING: -150 } },
  nat: { type: 'nat', priority: { PREROUTING: -100, INPUT: 100, OUTPUT: -100, POSTROUTING: 100 } },
  filter: { type: 'filter', priority: { INPUT: 0, FORWARD: 0, OUTPUT: 0 } },
  security: { type: 'filter', priority: { INPUT: 50, FORWARD: 50, OUTPUT: 50 } },
};
const HOOK_OF: Record<string, Hook> = { PREROUTING: 'prerouting', INPUT: 'input', FORWARD: 'forward', OUTPUT: 'output', POSTROUTING: 'postrouting' };
const POLICIES: Record<string, 'accept' | 'drop'> = { ACCEPT: 'accept', DROP: 'drop' };

export function parseIptablesSave(file: string, text: string): FirewallFacts {
  const facts = emptyFacts('iptables-save', file);
  const lines = checkedLines(file, text);
  const family = /^#.*ip6tables-(save|restore)/m.test(text.slice(0, 4096)) ? 6 : 4;
  const tables = new Map<string, FirewallFact>();
  let current: FirewallFact | undefined;
  const tableNamed = (name: string, at: Provenance): FirewallFact | undefined => {
    if (!TABLE_PRIORITY[name]) {
      facts.notUnderstood.push({ at, reason: `table "${name}" is not one iptables has` });
      return undefined;
    }
    let table = tables.get(name);
    if (!table) {
      table = { name: `${family === 6 ? 'ip6tables' : 'iptables'} ${name} table`, family: family === 6 ? 'ip6' : 'ip', chains: [], at, locationReason: 'iptables filters the host it runs on (INPUT/OUTPUT) and what it routes (FORWARD); where that host sits is not in the file' };
      tables.set(name, table);
    }
    return table;
  };
  const chainOf = (table: FirewallFact, tableName: string, name: string, at: Provenance): ChainFact => {
    let chain = table.chains.find((item) => item.name === name);
    if (!chain) {
      const builtIn = TABLE_PRIORITY[tableName]?.priority[name];
      chain = { name, rules: [], at, ...(builtIn !== undefined ? { hook: HOOK_OF[name] as Hook, type: TABLE_PRIORITY[tableName]?.type, priority: builtIn, policy: 'accept' as const } : {}) };
      table.chains.push(chain);
    }
    return chain;
  };
  let currentName = '';
  for (const line of lines) {
    // `iptables-save -c` puts [packets:bytes] before each rule.
    const statement = line.text.trim().replace(/^\[\d+:\d+\]\s+/, '');
    if (statement === '' || statement.startsWith('#')) continue;
    const at = provenance(file, line.number, statement);
    const table = /^\*(\w+)$/.exec(statement);
    if (table) {
      current = tableNamed(table[1] as string, at);
      currentName = table[1] as string;
      continue;
    }
    if (statement === 'COMMIT') {
      current = undefined;
      continue;
    }
    const declaration = /^:(\S+)\s+(\S+)(?:\s+\[\d+:\d+\])?$/.exec(statement);
    if (declaration) {
      if (!current) throw new FirewallParseError(file, line.number, 'a chain declared outside a *table … COMMIT block');
      const chain = chainOf(current, currentName, declaration[1] as string, at);
      const policy = POLICIES[declaration[2] as string];
      if (chain.hook && policy) chain.policy = policy;
      else if (chain.hook || declaration[2] !== '-') facts.notUnderstood.push({ at, reason: `policy "${declaration[2]}" is not understood` });
      continue;
    }
    let words = shellWords(statement);
    let tableName = currentName;
    let target = current;
    const command = /^(sudo\s+)?(ip6?tables)(-legacy|-nft)?$/.exec(words.slice(0, 2).join(' ')) ? words.slice(1) : /^(ip6?tables)(-legacy|-nft)?$/.test(words[0] ?? '') ? words : undefined;
    if (command) {
      words = command.slice(1);
      const tableFlag = words.findIndex((word) => word === '-t' || word === '--table');
      tableName = tableFlag === -1 ? 'filter' : (words[tableFlag + 1] ?? '');
      if (tableFlag !== -1) words.splice(tableFlag, 2);
      target = tableNamed(tableName, at);
      if (!target) continue;
    }
    const verb = words[0];
    if (!target || !verb?.startsWith('-')) {
      facts.notUnderstood.push({ at, reason: target ? 'not understood in an iptables-save file' : 'a rule outside a *table … COMMIT block' });
      continue;
    }
    if (verb === '-P' || verb === '--policy') {
      const chain = chainOf(target, tableName, words[1] ?? '', at);
      const policy = POLICIES[words[2] ?? ''];
      if (chain.hook && policy) chain.policy = policy;
      else facts.notUnderstood.push({ at, reason: `policy "${words[2] ?? ''}" for ${words[1] ?? ''} is not understood` });
    } else if (verb === '-N' || verb === '--new-chain') {
      chainOf(target, tableName, words[1] ?? '', at);
    } else if (verb === '-A' || verb === '--append' || verb === '-I' || verb === '--insert') {
      const chain = chainOf(target, tableName, words[1] ?? '', at);
      const insertAt = (verb === '-I' || verb === '--insert') && /^\d+$/.test(words[2] ?? '') ? Number(words[2]) - 1 : verb === '-I' || verb === '--insert' ? 0 : undefined;
      const rest = words.slice(insertAt !== undefined && /^\d+$/.test(words[2] ?? '') ? 3 : 2);
      const rule = readRule(facts, rest, at, family, chain.type === 'nat');
      if (insertAt === undefined) chain.rules.push(rule);
      else chain.rules.splice(insertAt, 0, rule);
    } else if (verb === '-F' || verb === '--flush' || verb === '-X' || verb === '--delete-chain' || verb === '-Z' || verb === '--zero') {
      if (verb === '-F' || verb === '--flush') for (const chain of target.chains) if (!words[1] || chain.name === words[1]) chain.rules = [];
    } else facts.notUnderstood.push({ at, reason: `iptables command ${verb} is not understood` });
  }
  facts.firewalls.push(...tables.values());
  return facts;
}

function readRule(facts: FirewallFacts, words: string[], at: Provenance, family: 4 | 6, natChain: boolean): ChainFact['rules'][number] {
  const draft: RuleDraft = { match: { family }, problems: [], effect: { kind: 'continue' } };
  let negate = false;
  for (let index = 0; index < words.length; ) {
    const word = words[index] as string;
    if (word === '!') {
      negate = true;
      index++;
      continue;
    }
    const used = applyOption(draft, word, words.slice(index + 1), negate);
    negate = false;
    if (used === undefined) {
      draft.problems.push(`option ${word} is not understood`);
      // Keep the target: scan on for -j/-g, so the rule's effect is still known.
      const jump = words.findIndex((item, position) => position > index && (item === '-j' || item === '-g' || item === '--jump' || item === '--goto'));
      if (jump === -1) break;
      index = jump;
      continue;
    }
    index += 1 + used;
  }
  const match: Match = draft.match;
  const unknown = draft.problems.length > 0 ? draft.problems.join('; ') : undefined;
  if (unknown) {
    facts.notUnderstood.push({ at, reason: unknown });
    facts.unknowns.push({ reason: unknown, ...portsTouched(match), at });
  } else if (match.uncertain?.length) {
    facts.unknowns.push({ reason: match.uncertain.map((item) => item.reason).join('; '), ...portsTouched(match), at });
  }
  if (draft.nat) facts.nat.push({ ...draft.nat, match, at, ...(unknown ? { unknown } : {}) });
  if (draft.helper) {
    const ports = match.dport && !match.dport.negated && match.dport.values.every((range) => range.to - range.from < 16)
      ? { ports: match.dport.values.flatMap((range) => Array.from({ length: range.to - range.from + 1 }, (_, offset) => range.from + offset)) }
      : {};
    facts.ftpInspection.push({ kind: 'helper-assigned', enabled: true, name: draft.helper, match, ...ports, at });
  }
  // In a nat chain DNAT/SNAT end the NAT decision; for filtering they are not verdicts.
  const effect: RuleEffect = natChain && draft.effect.kind === 'verdict' && draft.nat ? { kind: 'continue' } : draft.effect;
  return { at, match, effect, ...(unknown ? { unknown } : {}) };
}
