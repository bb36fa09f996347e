/**
 * firewalld: a zone file (/etc/firewalld/zones/NAME.xml) and `firewall-cmd --list-all` output, both
 * read into one Zone and turned into facts here, so the two spellings mean the same.
 *
 * What a zone does to a new connection (firewalld's nftables backend): established/related are
 * accepted first; then deny rich rules (drop/reject), then allows (rich accept rules, services,
 * ports); then the zone target: `default` and %%REJECT%% reject, DROP drops, ACCEPT accepts.
 * The ftp service opens 21/tcp and assigns the kernel FTP helper to it, which lets the data
 * connections it expects in as related.
 */
import { readXml } from '../xml.js';
import { emptyFacts, type FirewallFacts, type Match, type PortRange, type Provenance, type RuleAction, type RuleFact } from './model.js';
import { portsTouched } from './nft-build.js';
import { checkedLines, parsePortRange, provenance } from './text.js';

/** Ports of the services a default zone lists or an FTP host is likely to; others are named unknown. */
const SERVICES: Record<string, { ports: [string, PortRange][]; ftpHelper?: boolean }> = {
  ftp: { ports: [['tcp', { from: 21, to: 21 }]], ftpHelper: true },
  ssh: { ports: [['tcp', { from: 22, to: 22 }]] },
  http: { ports: [['tcp', { from: 80, to: 80 }]] },
  https: { ports: [['tcp', { from: 443, to: 443 }]] },
  ftps: { ports: [['tcp', { from: 990, to: 990 }]] },
  cockpit: { ports: [['tcp', { from: 9090, to: 9090 }]] },
  'dhcpv6-client': { ports: [['udp', { from: 546, to: 546 }]] },
  mdns: { ports: [['udp', { from: 5353, to: 5353 }]] },
  'samba-client': { ports: [['udp', { from: 137, to: 138 }]] },
  mysql: { ports: [['tcp', { from: 3306, to: 3306 }]] },
  postgresql: { ports: [['tcp', { from: 5432, to: 5432 }]] },
};

export interface ZoneRule {
  family?: 4 | 6;
  source?: string;
  sourceNegated?: boolean;
  destination?: string;
  service?: string;
  port?: { protocol: string; spec: string };
  action?: RuleAction;
  at: Provenance;
}

export interface Zone {
  name: string;
  target: string;
  services: { name: string; at: Provenance }[];
  ports: { protocol: string; spec: string; at: Provenance }[];
  forwardPorts: { port: string; protocol: string; toPort?: string; toAddr?: string; at: Provenance }[];
  masquerade?: Provenance;
  rules: ZoneRule[];
  at: Provenance;
}

const TARGETS: Record<string, RuleAction> = { default: 'reject', '%%REJECT%%': 'reject', REJECT: 'reject', DROP: 'drop', ACCEPT: 'accept' };

export function zoneFacts(facts: FirewallFacts, zone: Zone): void {
  const policy = TARGETS[zone.target];
  if (!policy) facts.notUnderstood.push({ at: zone.at, reason: `zone target "${zone.target}" is not understood` });
  const rules: RuleFact[] = [{ at: zone.at, match: { state: { values: ['established', 'related'] } }, effect: { kind: 'verdict', action: 'accept' } }];
  const deny: RuleFact[] = [];
  const allow: RuleFact[] = [];
  const add = (list: RuleFact[], at: Provenance, match: Match, action: RuleAction, unknown?: string) => {
    list.push({ at, match, effect: { kind: 'verdict', action }, ...(unknown ? { unknown } : {}) });
    if (unknown) {
      facts.notUnderstood.push({ at, reason: unknown });
      facts.unknowns.push({ reason: unknown, ...portsTouched(match), at });
    }
  };
  const serviceRules = (name: string, at: Provenance, base: Match, action: RuleAction, list: RuleFact[]) => {
    const service = SERVICES[name];
    if (!service) {
      add(list, at, base, action, `service "${name}": its ports are defined in its own service file, not read here`);
      return;
    }
    for (const [protocol, range] of service.ports) add(list, at, { ...base, protocol: { values: [protocol] }, dport: { values: [range] } }, action);
    if (service.ftpHelper && action === 'accept') {
      facts.ftpInspection.push({ kind: 'helper-assigned', enabled: true, name: 'ftp', ports: [21], match: { ...base, protocol: { values: ['tcp'] }, dport: { values: [{ from: 21, to: 21 }] } }, at });
    }
  };
  const portRule = (port: { protocol: string; spec: string }, at: Provenance, base: Match, action: RuleAction, list: RuleFact[]) => {
    const range = parsePortRange(port.spec);
    if (typeof range === 'string') add(list, at, { ...base, protocol: { values: [port.protocol] } }, action, range);
    else add(list, at, { ...base, protocol: { values: [port.protocol] }, dport: { values: [range] } }, action);
  };
  for (const rule of zone.rules) {
    const base: Match = {
      ...(rule.family ? { family: rule.family } : {}),
      ...(rule.source ? { src: { values: [rule.source], ...(rule.sourceNegated ? { negated: true } : {}) } } : {}),
      ...(rule.destination ? { dst: { values: [rule.destination] } } : {}),
    };
    if (!rule.action) {
      facts.notUnderstood.push({ at: rule.at, reason: 'a rich rule without accept, reject or drop (log/audit/mark only) decides nothing' });
      continue;
    }
    const list = rule.action === 'accept' ? allow : deny;
    if (rule.service) serviceRules(rule.service, rule.at, base, rule.action, list);
    else if (rule.port) portRule(rule.port, rule.at, base, rule.action, list);
    else add(list, rule.at, base, rule.action);
  }
  for (const service of zone.services) serviceRules(service.name, service.at, {}, 'accept', allow);
  for (const port of zone.ports) portRule(port, port.at, {}, 'accept', allow);
  for (const forward of zone.forwardPorts) {
    const from = parsePortRange(forward.port);
    const to = forward.toPort ? parsePortRange(forward.toPort) : undefined;
    const bad = [from, to].find((item): item is string => typeof item === 'string');
    const match: Match = { protocol: { values: [forward.protocol] }, ...(typeof from === 'string' ? {} : { dport: { values: [from] } }) };
    facts.nat.push({ kind: forward.toAddr ? 'dnat' : 'redirect', match, to: { ...(forward.toAddr ? { address: forward.toAddr } : {}), ...(to && typeof to !== 'string' ? { ports: to } : {}) }, at: forward.at, ...(bad ? { unknown: bad } : {}) });
    if (bad) facts.notUnderstood.push({ at: forward.at, reason: bad });
  }
  if (zone.masquerade) facts.nat.push({ kind: 'masquerade', match: {}, at: zone.masquerade });
  facts.firewalls.push({
    name: `firewalld zone ${zone.name}`,
    location: 'server',
    locationReason: 'firewalld filters the host it runs on; the zone applies to its interfaces and sources',
    chains: [{ name: `zone ${zone.name}`, hook: 'input', type: 'filter', priority: 0, policy: policy ?? 'reject', rules: [...rules, ...deny, ...allow], at: zone.at }],
    at: zone.at,
  });
}

/** /etc/firewalld/zones/NAME.xml */
export function parseFirewalldZone(file: string, text: string): FirewallFacts {
  checkedLines(file, text); // the shared checks, line length included
  const facts = emptyFacts('firewalld-zone', file);
  const { elements, problems } = readXml(text);
  for (const problem of problems) facts.notUnderstood.push({ at: provenance(file, problem.line, ''), reason: problem.reason });
  const root = elements.find((element) => element.name === 'zone');
  const name = file.replace(/^.*[\\/]/, '').replace(/\.xml$/, '');
  const zone: Zone = { name, target: root?.attributes.target ?? 'default', services: [], ports: [], forwardPorts: [], rules: [], at: provenance(file, root?.line ?? 1, root?.tag ?? '') };
  if (!root) facts.notUnderstood.push({ at: zone.at, reason: 'no <zone> element' });
  let rule: ZoneRule | undefined;
  for (const element of elements) {
    const at = provenance(file, element.line, element.tag);
    const parent = element.ancestors[element.ancestors.length - 1];
    const value = element.attributes;
    if (element.name === 'zone') continue;
    if (parent === 'zone') {
      rule = undefined;
      if (element.name === 'service') zone.services.push({ name: value.name ?? '', at });
      else if (element.name === 'port') zone.ports.push({ protocol: value.protocol ?? 'tcp', spec: value.port ?? '', at });
      else if (element.name === 'forward-port') zone.forwardPorts.push({ port: value.port ?? '', protocol: value.protocol ?? 'tcp', ...(value['to-port'] ? { toPort: value['to-port'] } : {}), ...(value['to-addr'] ? { toAddr: value['to-addr'] } : {}), at });
      else if (element.name === 'masquerade') zone.masquerade = at;
      else if (element.name === 'rule') {
        rule = { ...(value.family === 'ipv4' ? { family: 4 as const } : value.family === 'ipv6' ? { family: 6 as const } : {}), at };
        zone.rules.push(rule);
      } else if (!['short', 'description', 'interface', 'source', 'forward', 'icmp-block', 'icmp-block-inversion', 'protocol', 'source-port'].includes(element.name)) {
        facts.notUnderstood.push({ at, reason: `<${element.name}> in a zone is not understood` });
      }
      continue;
    }
    if (rule && element.ancestors.includes('rule')) {
      if (element.name === 'source') Object.assign(rule, { source: value.address ?? value.ipset ?? '', ...(value.invert === 'true' || value.invert === 'yes' ? { sourceNegated: true } : {}) });
      else if (element.name === 'destination') rule.destination = value.address ?? '';
      else if (element.name === 'service') rule.service = value.name ?? '';
      else if (element.name === 'port') rule.port = { protocol: value.protocol ?? 'tcp', spec: value.port ?? '' };
      else if (element.name === 'accept' || element.name === 'drop') rule.action = element.name;
      else if (element.name === 'reject') rule.action = 'reject';
      else if (!['log', 'audit', 'limit', 'nflog'].includes(element.name)) facts.notUnderstood.push({ at, reason: `<${element.name}> in a rich rule is not understood` });
      if (element.name === 'source' && value.ipset) facts.notUnderstood.push({ at, reason: `ipset ${value.ipset} is filled at run time` });
    }
  }
  zoneFacts(facts, zone);
  return facts;
}

/** `firewall-cmd --list-all` (one zone) or `--list-all-zones` (several). */
export function parseFirewalldList(file: string, text: string): FirewallFacts {
  const facts = emptyFacts('firewalld-list', file);
  let zone: Zone | undefined;
  let list: string | undefined;
  for (const line of checkedLines(file, text)) {
    const at = provenance(file, line.number, line.text);
    if (line.text.trim() === '') continue;
    const header = /^(\S+)(\s+\([^)]*\))?\s*$/.exec(line.text);
    if (header) {
      if (zone) zoneFacts(facts, zone);
      zone = { name: header[1] as string, target: 'default', services: [], ports: [], forwardPorts: [], rules: [], at };
      list = undefined;
      continue;
    }
    if (!zone) {
      facts.notUnderstood.push({ at, reason: 'not a line of firewall-cmd --list-all' });
      continue;
    }
    const field = /^\s+([a-z -]+):\s*(.*)$/.exec(line.text);
    const [key, rest] = field ? [field[1] as string, (field[2] as string).trim()] : [list, line.text.trim()];
    if (field) list = key;
    const words = rest.split(/\s+/).filter(Boolean);
    if (key === 'target') zone.target = rest;
    else if (key === 'services') zone.services.push(...words.map((name) => ({ name, at })));
    else if (key === 'ports') {
      for (const word of words) {
        const [spec = '', protocol = 'tcp'] = word.split('/');
        zone.ports.push({ protocol, spec, at });
      }
    } else if (key === 'masquerade') {
      if (rest === 'yes') zone.masquerade = at;
    } else if (key === 'forward-ports') {
      for (const word of words) {
        const parts = Object.fromEntries(word.split(':').map((part) => part.split('=') as [string, string]));
        zone.forwardPorts.push({ port: parts.port ?? '', protocol: parts.proto ?? 'tcp', ...(parts.toport ? { toPort: parts.toport } : {}), ...(parts.toaddr ? { toAddr: parts.toaddr } : {}), at });
      }
    } else if (key === 'rich rules') {
      if (rest) zone.rules.push(parseRichRule(rest, at, facts));
    } else if (!['icmp-block-inversion', 'interfaces', 'sources', 'protocols', 'forward', 'source-ports', 'icmp-blocks', 'ingress-priority', 'egress-priority', 'summary', 'description'].includes(key ?? '')) {
      facts.notUnderstood.push({ at, reason: `"${key ?? line.text.trim()}" is not understood` });
    }
  }
  if (zone) zoneFacts(facts, zone);
  return facts;
}

/** A rich rule in firewalld's own language: rule family="ipv4" source address="…" port port="21" protocol="tcp" accept */
export function parseRichRule(text: string, at: Provenance, facts: FirewallFacts): ZoneRule {
  const rule: ZoneRule = { at };
  const attribute = (name: string, within: string) => new RegExp(`${name}="([^"]*)"`).exec(within)?.[1];
  rule.family = attribute('family', text) === 'ipv6' ? 6 : attribute('family', text) === 'ipv4' ? 4 : undefined;
  if (rule.family === undefined) delete rule.family;
  const source = /source\s+(not\s+)?(?:address|ipset)="([^"]*)"/.exec(text);
  if (source) Object.assign(rule, { source: source[2], ...(source[1] ? { sourceNegated: true } : {}) });
  if (/source\s+(not\s+)?ipset=/.test(text)) facts.notUnderstood.push({ at, reason: 'an ipset is filled at run time' });
  const destination = /destination\s+(?:not\s+)?address="([^"]*)"/.exec(text);
  if (destination) rule.destination = destination[1];
  const service = /service\s+name="([^"]*)"/.exec(text);
  if (service) rule.service = service[1];
  const port = /(?:^|\s)port\s+port="([^"]*)"\s+protocol="([^"]*)"/.exec(text);
  if (port) rule.port = { spec: port[1] as string, protocol: port[2] as string };
  // The action word, outside quoted values (a log prefix="drop" is not one).
  const action = [...text.replace(/"[^"]*"/g, '""').matchAll(/\b(accept|reject|drop)\b/g)].pop();
  if (action) rule.action = action[1] as RuleAction;
  return rule;
}
