/**
 * Windows Firewall from netsh output. Windows does not run here: both readers are written from the
 * documented output of `netsh advfirewall firewall show rule name=all` and `netsh advfirewall show
 * global` (Microsoft, "Netsh AdvFirewall Firewall Commands"; "Configuring FTP Firewall Settings in
 * IIS 7" for StatefulFtp).
 *
 * Rules: each block is a rule name, a line of dashes, then `Label: value` lines. Other locales
 * translate the labels (and some values), so a label not known by name is read by its place in
 * the block, which netsh keeps in every language. Semantics: a block rule beats any allow rule
 * whatever their order, inbound is blocked and outbound allowed by default (Windows' shipped
 * profile policy; `netsh advfirewall show allprofiles` says otherwise when changed), and replies
 * to accepted connections pass. Disabled rules decide nothing. Profiles are not told apart.
 */
import { emptyFacts, type FirewallFacts, type Match, type Provenance, type RuleAction, type RuleFact } from './model.js';
import { portsTouched } from './nft-build.js';
import { checkedLines, parsePortList, provenance } from './text.js';

type Field = 'enabled' | 'direction' | 'profiles' | 'grouping' | 'localip' | 'remoteip' | 'protocol' | 'localport' | 'remoteport' | 'edge' | 'action';
/** The order netsh prints a rule's fields in, every locale. */
const ORDER: Field[] = ['enabled', 'direction', 'profiles', 'grouping', 'localip', 'remoteip', 'protocol', 'localport', 'remoteport', 'edge', 'action'];
const LABELS: Record<string, Field> = {
  enabled: 'enabled', direction: 'direction', profiles: 'profiles', grouping: 'grouping', localip: 'localip', remoteip: 'remoteip',
  protocol: 'protocol', localport: 'localport', remoteport: 'remoteport', 'edge traversal': 'edge', action: 'action',
  // German, French, Spanish labels as Windows prints them (best effort; unknown ones go by place).
  aktiviert: 'enabled', richtung: 'direction', protokoll: 'protocol', 'lokaler port': 'localport', aktion: 'action',
  activée: 'enabled', activé: 'enabled', sens: 'direction', protocole: 'protocol', 'port local': 'localport', 'port distant': 'remoteport',
  habilitada: 'enabled', dirección: 'direction', protocolo: 'protocol', 'puerto local': 'localport', 'puerto remoto': 'remoteport', acción: 'action',
};
const YES = new Set(['yes', 'ja', 'oui', 'sí', 'si', 'sì', 'sim', 'да', 'tak', 'evet']);
const NO = new Set(['no', 'nein', 'non', 'não', 'nao', 'нет', 'nie', 'hayır']);
const ALLOW = new Set(['allow', 'zulassen', 'autoriser', 'permitir', 'consenti', 'разрешить']);
const BLOCK = new Set(['block', 'blockieren', 'bloquer', 'bloquear', 'blocca', 'блокировать']);
const KEYWORD_ADDRESSES = /^(localsubnet|dns|dhcp|wins|defaultgateway|internet|intranet|remotecorpnet|ply2renders|captiveportaladdresses)$/i;

interface Block {
  name: string;
  at: Provenance;
  raw: { label: string; value: string; at: Provenance }[];
  fields: Partial<Record<Field, { value: string; at: Provenance }>>;
}

/** Fields only `verbose` prints, in English; they are skipped, not counted as places. */
const VERBOSE_LABELS = new Set(['program', 'service', 'interfacetypes', 'security', 'rule source', 'description', 'type', 'code']);

/** Labels known by name; the others by their place, and the last field of a block is always Action. */
function assignFields(block: Block): void {
  let position = 0;
  for (const [index, item] of block.raw.entries()) {
    if (VERBOSE_LABELS.has(item.label)) continue;
    const key = LABELS[item.label] ?? (index === block.raw.length - 1 ? 'action' : ORDER[position]);
    position++;
    if (key) block.fields[key] = { value: item.value, at: item.at };
  }
}

export function parseNetshRules(file: string, text: string): FirewallFacts {
  const facts = emptyFacts('netsh-rules', file);
  const lines = checkedLines(file, text);
  const blocks: Block[] = [];
  let block: Block | undefined;
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index] as (typeof lines)[number];
    const trimmed = line.text.trim();
    if (trimmed === '' || /^(Ok|OK)\.?$/.test(trimmed)) continue;
    const next = lines[index + 1]?.text.trim() ?? '';
    if (/^-{10,}$/.test(next)) {
      // "Rule Name:   X" (any locale): the name is what follows the first colon.
      const colon = trimmed.indexOf(':');
      block = { name: colon === -1 ? trimmed : trimmed.slice(colon + 1).trim(), at: provenance(file, line.number, trimmed), raw: [], fields: {} };
      blocks.push(block);
      index++;
      continue;
    }
    const field = /^([^:]+?):\s*(.*)$/.exec(trimmed);
    const at = provenance(file, line.number, trimmed);
    if (!block || !field) {
      facts.notUnderstood.push({ at, reason: block ? 'not a "Label: value" line' : 'a line before the first rule' });
      continue;
    }
    block.raw.push({ label: (field[1] as string).trim().toLowerCase(), value: (field[2] as string).trim(), at });
  }
  for (const item of blocks) assignFields(item);
  const inbound: RuleFact[] = [];
  const outbound: RuleFact[] = [];
  for (const rule of blocks) {
    const fact = readRule(facts, rule);
    if (fact) (rule.fields.direction?.value.toLowerCase() === 'out' ? outbound : inbound).push(fact);
  }
  const established = (at: Provenance): RuleFact => ({ at, match: { state: { values: ['established'] } }, effect: { kind: 'verdict', action: 'accept' } });
  // Block beats allow: block rules first, then allow rules, each in file order.
  const order = (rules: RuleFact[]) => [...rules.filter(isBlock), ...rules.filter((rule) => !isBlock(rule))];
  const at = blocks[0]?.at ?? provenance(file, 1, '');
  facts.firewalls.push({
    name: 'Windows Firewall',
    location: 'server',
    locationReason: 'Windows Firewall filters the Windows host it runs on (the FTP server, for IIS)',
    chains: [
      { name: 'inbound', hook: 'input', type: 'filter', priority: 0, policy: 'drop', rules: [established(at), ...order(inbound)], at },
      { name: 'outbound', hook: 'output', type: 'filter', priority: 0, policy: 'accept', rules: [established(at), ...order(outbound)], at },
    ],
    at,
  });
  return facts;
}

const isBlock = (rule: RuleFact) => rule.effect.kind === 'verdict' && rule.effect.action === 'drop';

function readRule(facts: FirewallFacts, rule: Block): RuleFact | undefined {
  const value = (field: Field) => rule.fields[field]?.value ?? '';
  const problems: string[] = [];
  const enabled = value('enabled').toLowerCase();
  if (NO.has(enabled)) return undefined; // a disabled rule decides nothing
  if (!YES.has(enabled)) problems.push(`Enabled "${value('enabled')}" is not understood`);
  const actionWord = value('action').toLowerCase();
  const action: RuleAction | undefined = ALLOW.has(actionWord) || actionWord === 'bypass' ? 'accept' : BLOCK.has(actionWord) ? 'drop' : undefined;
  if (!action) problems.push(`Action "${value('action')}" is not understood`);
  const match: Match = {};
  const protocol = value('protocol').toLowerCase();
  if (protocol && protocol !== 'any') match.protocol = { values: [protocol === '6' ? 'tcp' : protocol === '17' ? 'udp' : protocol] };
  const port = (field: 'localport' | 'remoteport', target: 'dport' | 'sport') => {
    const spec = value(field);
    if (spec === '' || /^any$/i.test(spec)) return;
    const ranges = parsePortList(spec.split(',').map((item) => item.trim()));
    if (typeof ranges === 'string') {
      if (/^[A-Za-z]/.test(spec)) (match.uncertain ??= []).push({ field: target, reason: `${field === 'localport' ? 'LocalPort' : 'RemotePort'} ${spec} is a dynamic port set` });
      else problems.push(ranges);
    } else match[target] = { values: ranges };
  };
  // Inbound rules: the local port is the destination; outbound: the remote one.
  const outbound = value('direction').toLowerCase() === 'out';
  port('localport', outbound ? 'sport' : 'dport');
  port('remoteport', outbound ? 'dport' : 'sport');
  const address = (field: 'localip' | 'remoteip', target: 'src' | 'dst') => {
    const spec = value(field);
    if (spec === '' || /^any$/i.test(spec)) return;
    const items = spec.split(',').map((item) => item.trim());
    if (items.some((item) => KEYWORD_ADDRESSES.test(item))) {
      (match.uncertain ??= []).push({ field: target, reason: `${field === 'localip' ? 'LocalIP' : 'RemoteIP'} ${spec} depends on the network Windows is on` });
      return;
    }
    match[target] = { values: items.map(netmaskToPrefix) };
  };
  address('localip', outbound ? 'src' : 'dst');
  address('remoteip', outbound ? 'dst' : 'src');
  if (actionWord === 'bypass') (match.uncertain ??= []).push({ field: 'other', reason: 'Bypass allows only IPsec-authenticated connections' });
  const unknown = problems.length > 0 ? problems.join('; ') : undefined;
  const at = rule.at;
  if (unknown) {
    facts.notUnderstood.push({ at, reason: unknown });
    facts.unknowns.push({ reason: unknown, ...portsTouched(match), at });
  } else if (match.uncertain) facts.unknowns.push({ reason: match.uncertain.map((item) => item.reason).join('; '), ...portsTouched(match), at });
  return { at, match, effect: { kind: 'verdict', action: action ?? 'drop' }, ...(unknown ? { unknown } : {}) };
}

/** "192.168.1.0/255.255.255.0" (how netsh prints subnets) → "192.168.1.0/24". */
function netmaskToPrefix(item: string): string {
  const [address, mask] = item.split('/');
  if (!mask || !/^\d+\.\d+\.\d+\.\d+$/.test(mask)) return item;
  const bits = mask.split('.').map(Number).reduce((count, octet) => count + octet.toString(2).replace(/0/g, '').length, 0);
  return `${address}/${bits}`;
}

/** `netsh advfirewall show global`: the StatefulFtp setting (the rest is IPsec and categories). */
export function parseNetshGlobal(file: string, text: string): FirewallFacts {
  const facts = emptyFacts('netsh-global', file);
  for (const line of checkedLines(file, text)) {
    const trimmed = line.text.trim();
    if (trimmed === '' || /^(-{10,}|Ok\.?|[^:]+:)$/.test(trimmed)) continue;
    const at = provenance(file, line.number, trimmed);
    const setting = /^(\S+)\s{2,}(.+)$/.exec(trimmed);
    if (!setting) {
      facts.notUnderstood.push({ at, reason: 'not a "Setting   value" line' });
      continue;
    }
    if ((setting[1] as string).toLowerCase() !== 'statefulftp') continue; // IPsec, main mode, categories: nothing about FTP
    const word = (setting[2] as string).trim().toLowerCase();
    // NotConfigured: Windows' default, which is enabled.
    const enabled = /^(enable|enabled|notconfigured|aktivieren|activer|habilitar)$/.test(word) ? true : /^(disable|disabled|deaktivieren|désactiver|deshabilitar)$/.test(word) ? false : undefined;
    if (enabled === undefined) facts.notUnderstood.push({ at, reason: `StatefulFtp "${setting[2] as string}" is not understood` });
    else facts.ftpInspection.push({ kind: 'stateful-ftp', enabled, ports: [21], name: 'Windows Firewall StatefulFtp', at });
  }
  return facts;
}
