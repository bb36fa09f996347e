/**
 * `ufw status verbose` (also `ufw status` and `ufw status numbered`) → FirewallFacts. ufw is a
 * host firewall: its "Default:" line gives the policy of incoming (input), outgoing (output) and
 * routed (forward) traffic; its before-rules accept loopback and established/related connections
 * ahead of the user rules, which are tried in order, first match wins. A rule line is read from
 * its action word (ALLOW/DENY/REJECT/LIMIT, IN/OUT/FWD): "To" is before it, "From" after.
 */
import { emptyFacts, type ChainFact, type FirewallFacts, type Hook, type Match, type Provenance, type RuleAction, type RuleFact } from './model.js';
import { portsTouched } from './nft-build.js';
import { checkedLines, parsePortList, provenance } from './text.js';

const POLICY: Record<string, RuleAction> = { deny: 'drop', allow: 'accept', reject: 'reject' };
const ACTION: Record<string, RuleAction> = { ALLOW: 'accept', DENY: 'drop', REJECT: 'reject', LIMIT: 'accept' };
const DIRECTION: Record<string, Hook> = { IN: 'input', OUT: 'output', FWD: 'forward' };
/** Application profiles (/etc/ufw/applications.d) of common packages; others are named unknown. */
const APPS: Record<string, string> = {
  OpenSSH: '22/tcp', Apache: '80/tcp', 'Apache Secure': '443/tcp', 'Apache Full': '80,443/tcp',
  'Nginx HTTP': '80/tcp', 'Nginx HTTPS': '443/tcp', 'Nginx Full': '80,443/tcp', Postfix: '25/tcp',
};
const RULE = /^(?:\[\s*\d+\]\s*)?(.*?)\s+(ALLOW|DENY|REJECT|LIMIT)(?:\s+(IN|OUT|FWD))?\s+(.*?)\s*(?:#\s*(.*))?$/;

export function parseUfw(file: string, text: string): FirewallFacts {
  const facts = emptyFacts('ufw', file);
  const chains = new Map<Hook, ChainFact>();
  let statusAt: Provenance | undefined;
  let active = false;
  const chain = (hook: Hook, at: Provenance): ChainFact => {
    let found = chains.get(hook);
    if (!found) {
      // ufw's before-rules: loopback and packets of accepted connections first.
      found = { name: `ufw ${hook}`, hook, type: 'filter', priority: 0, policy: 'accept', at, rules: [
        { at: statusAt ?? at, match: { iif: { values: ['lo'] } }, effect: { kind: 'verdict', action: 'accept' } },
        { at: statusAt ?? at, match: { state: { values: ['established', 'related'] } }, effect: { kind: 'verdict', action: 'accept' } },
      ] };
      chains.set(hook, found);
    }
    return found;
  };
  for (const line of checkedLines(file, text)) {
    const trimmed = line.text.trim();
    if (trimmed === '' || /^(To\s+Action\s+From|--[\s-]*|Logging:.*|New profiles:.*)$/.test(trimmed)) continue;
    const at = provenance(file, line.number, trimmed);
    const status = /^Status:\s*(active|inactive)$/.exec(trimmed);
    if (status) {
      statusAt = at;
      active = status[1] === 'active';
      continue;
    }
    const defaults = /^Default:\s*(.*)$/.exec(trimmed);
    if (defaults) {
      for (const part of (defaults[1] as string).split(',')) {
        const policy = /^\s*(deny|allow|reject|disabled)\s+\((incoming|outgoing|routed)\)\s*$/.exec(part);
        if (!policy) facts.notUnderstood.push({ at, reason: `default "${part.trim()}" is not understood` });
        else if (policy[1] !== 'disabled') chain(({ incoming: 'input', outgoing: 'output', routed: 'forward' } as const)[policy[2] as 'incoming'], at).policy = POLICY[policy[1] as string];
      }
      continue;
    }
    const rule = RULE.exec(trimmed);
    if (!rule) {
      facts.notUnderstood.push({ at, reason: 'not a line of ufw status' });
      continue;
    }
    const [, to = '', action = '', direction = 'IN', from = ''] = rule;
    const hook = DIRECTION[direction] as Hook;
    chain(hook, at).rules.push(readRule(facts, at, to, from, action, hook));
  }
  facts.firewalls.push({
    name: 'ufw',
    location: 'server',
    locationReason: active ? 'ufw filters the host it runs on' : 'ufw is inactive: it filters nothing',
    chains: active ? [...chains.values()] : [],
    at: statusAt ?? provenance(file, 1, ''),
  });
  if (!statusAt) facts.notUnderstood.push({ at: provenance(file, 1, ''), reason: 'no "Status:" line: whether ufw is active is not known' });
  return facts;
}

function readRule(facts: FirewallFacts, at: Provenance, to: string, from: string, action: string, hook: Hook): RuleFact {
  const match: Match = {};
  const problems: string[] = [];
  const v6 = /\(v6\)/.test(to) || /\(v6\)/.test(from);
  match.family = v6 ? 6 : 4;
  const side = (text: string, address: 'src' | 'dst', port: 'sport' | 'dport') => {
    let rest = text.replace(/\s*\(v6\)/g, '').trim();
    const iface = /\s+on\s+(\S+)$/.exec(rest);
    if (iface) {
      match[hook === 'output' ? 'oif' : 'iif'] = { values: [iface[1] as string] };
      rest = rest.slice(0, iface.index).trim();
    }
    if (rest === 'Anywhere' || rest === '') return;
    const app = APPS[rest];
    if (app) rest = app;
    const words = rest.split(/\s+/);
    const last = words[words.length - 1] as string;
    const portSpec = /^([\d,:]+)(?:\/(tcp|udp))?$/.exec(last);
    if (portSpec) {
      const ranges = parsePortList((portSpec[1] as string).split(','));
      if (typeof ranges === 'string') problems.push(ranges);
      else match[port] = { values: ranges };
      if (portSpec[2]) match.protocol = { values: [portSpec[2]] };
      words.pop();
    }
    if (words.length === 1 && /^[\d.:a-fA-F/]+$/.test(words[0] as string) && /[.:]/.test(words[0] as string)) match[address] = { values: [words[0] as string] };
    else if (words.length > 0) problems.push(`"${words.join(' ')}" is not an address, port or known application profile`);
  };
  side(to, 'dst', 'dport');
  side(from, 'src', 'sport');
  // A rule with an IPv6 address is IPv6 even without the "(v6)" ufw adds to Anywhere rules.
  if ([match.src, match.dst].some((value) => value?.values.some((item) => item.includes(':')))) match.family = 6;
  if (action === 'LIMIT') (match.uncertain ??= []).push({ field: 'other', reason: 'LIMIT refuses an address that opens 6 connections in 30 s' });
  const unknown = problems.length > 0 ? problems.join('; ') : undefined;
  if (unknown) {
    facts.notUnderstood.push({ at, reason: unknown });
    facts.unknowns.push({ reason: unknown, ...portsTouched(match), at });
  } else if (match.uncertain) facts.unknowns.push({ reason: match.uncertain.map((item) => item.reason).join('; '), ...portsTouched(match), at });
  return { at, match, effect: { kind: 'verdict', action: ACTION[action] as RuleAction }, ...(unknown ? { unknown } : {}) };
}
