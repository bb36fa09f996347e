/**
 * Azure network security groups and GCP VPC firewall rules, from their JSON. Neither cloud runs
 * here: the readers and fixtures follow the documented formats (Azure "Network security groups"
 * and the networkSecurityGroups ARM/REST schema; GCP "VPC firewall rules" and the compute
 * firewalls resource).
 *
 * Both are priority-ordered: the lowest number decides. Azure: first matching rule by priority,
 * then its default rules (documented, added when the JSON omits them: VNet and load balancer in,
 * deny the rest; VNet and Internet out, deny the rest). GCP: at equal priority a deny beats an
 * allow; implied rules deny all ingress and allow all egress. Service tags are read as: Internet =
 * any address outside the private ranges, VirtualNetwork = the private ranges (an assumption: a
 * VNet may also use public space), AzureLoadBalancer = 168.63.129.16; other tags are uncertain.
 */
import { emptyFacts, FirewallParseError, type FirewallFacts, type Match, type Provenance, type RuleAction, type RuleFact, type ValueMatch } from './model.js';
import { jsonValueLines } from './json-lines.js';
import { portsTouched } from './nft-build.js';
import { parseJson, parsePortList, provenance } from './text.js';

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const strings = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : typeof value === 'string' && value !== '' ? [value] : []);

const PRIVATE = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', 'fc00::/7'];

interface Ordered {
  priority: number;
  /** Deny before allow at equal priority (GCP). */
  tieBreak: number;
  outbound: boolean;
  rule: RuleFact;
}

function finish(facts: FirewallFacts, name: string, at: Provenance, rules: Ordered[], policies: { in: RuleAction; out: RuleAction }, locationReason: string): void {
  rules.sort((a, b) => a.priority - b.priority || a.tieBreak - b.tieBreak);
  const established = (): RuleFact => ({ at, match: { state: { values: ['established', 'related'] } }, effect: { kind: 'verdict', action: 'accept' } });
  const chain = (outbound: boolean) => ({
    name: outbound ? 'outbound' : 'inbound', hook: outbound ? ('output' as const) : ('input' as const), type: 'filter' as const, priority: 0,
    policy: outbound ? policies.out : policies.in, rules: [established(), ...rules.filter((item) => item.outbound === outbound).map((item) => item.rule)], at,
  });
  facts.firewalls.push({ name, location: 'server', locationReason, chains: [chain(false), chain(true)], at });
}

function record(facts: FirewallFacts, rule: RuleFact): void {
  if (rule.unknown) {
    facts.notUnderstood.push({ at: rule.at, reason: rule.unknown });
    facts.unknowns.push({ reason: rule.unknown, ...portsTouched(rule.match), at: rule.at });
  } else if (rule.match.uncertain) facts.unknowns.push({ reason: rule.match.uncertain.map((item) => item.reason).join('; '), ...portsTouched(rule.match), at: rule.at });
}

/** Azure address prefixes (CIDRs, "*", service tags) → a match, or uncertain. */
function azureAddresses(match: Match, field: 'src' | 'dst', prefixes: string[]): void {
  if (prefixes.length === 0 || prefixes.includes('*') || prefixes.some((item) => /^(any|0\.0\.0\.0\/0)$/i.test(item))) return;
  const tag = (item: string) => /^[A-Za-z]/.test(item) && !item.includes(':');
  if (prefixes.length === 1 && prefixes[0]?.toLowerCase() === 'internet') match[field] = { values: PRIVATE, negated: true };
  else if (prefixes.length === 1 && prefixes[0]?.toLowerCase() === 'virtualnetwork') match[field] = { values: PRIVATE };
  else if (prefixes.length === 1 && prefixes[0]?.toLowerCase() === 'azureloadbalancer') match[field] = { values: ['168.63.129.16'] };
  else if (prefixes.some(tag)) (match.uncertain ??= []).push({ field, reason: `service tag ${prefixes.filter(tag).join(', ')}: its addresses are not in this file` });
  else match[field] = { values: prefixes };
}

const AZURE_DEFAULTS: [string, number, boolean, RuleAction, string[], string[]][] = [
  ['AllowVnetInBound', 65000, false, 'accept', ['VirtualNetwork'], ['VirtualNetwork']],
  ['AllowAzureLoadBalancerInBound', 65001, false, 'accept', ['AzureLoadBalancer'], ['*']],
  ['DenyAllInBound', 65500, false, 'drop', ['*'], ['*']],
  ['AllowVnetOutBound', 65000, true, 'accept', ['VirtualNetwork'], ['VirtualNetwork']],
  ['AllowInternetOutBound', 65001, true, 'accept', ['*'], ['Internet']],
  ['DenyAllOutBound', 65500, true, 'drop', ['*'], ['*']],
];

/** `az network nsg show`, an ARM template or resource, or `az network nsg rule list`. */
export function parseAzureNsg(file: string, text: string): FirewallFacts {
  const facts = emptyFacts('azure-nsg', file);
  const root = parseJson(file, text);
  const lines = jsonValueLines(text);
  const groups: { path: string; body: Json }[] = [];
  if (Array.isArray(root)) groups.push({ path: '', body: { name: 'rules', securityRules: root } });
  else if (isObject(root) && Array.isArray(root.resources)) {
    root.resources.forEach((resource, index) => {
      if (isObject(resource) && /networkSecurityGroups$/i.test(String(resource.type))) groups.push({ path: `/resources/${index}`, body: resource });
    });
  } else if (isObject(root)) groups.push({ path: '', body: root });
  if (groups.length === 0) throw new FirewallParseError(file, 1, 'no network security group in this JSON');
  for (const { path, body } of groups) {
    const properties = isObject(body.properties) ? body.properties : body;
    const base = isObject(body.properties) ? `${path}/properties` : path;
    const name = String(body.name ?? 'nsg');
    const at = provenance(file, lines.get(path) ?? 1, `network security group ${name}`);
    const rules: Ordered[] = [];
    const read = (key: 'securityRules' | 'defaultSecurityRules') => {
      if (!Array.isArray(properties[key])) return false;
      (properties[key] as unknown[]).forEach((item, index) => {
        const rule = isObject(item) ? (isObject(item.properties) ? { ...item.properties, name: item.name } : item) : {};
        const where = provenance(file, lines.get(`${base}/${key}/${index}`) ?? 1, `${name} rule ${String(rule.name ?? index)} priority ${String(rule.priority ?? '?')}`);
        const ordered = azureRule(rule, where);
        record(facts, ordered.rule);
        rules.push(ordered);
      });
      return true;
    };
    if (!read('securityRules') && !Array.isArray(properties.defaultSecurityRules)) facts.notUnderstood.push({ at, reason: 'no securityRules' });
    if (!read('defaultSecurityRules')) {
      for (const [ruleName, priority, outbound, action, source, destination] of AZURE_DEFAULTS) {
        rules.push(azureRule({ name: ruleName, priority, direction: outbound ? 'Outbound' : 'Inbound', access: action === 'accept' ? 'Allow' : 'Deny', protocol: '*', sourceAddressPrefixes: source, destinationAddressPrefixes: destination }, { ...at, text: `Azure default rule ${ruleName} (priority ${priority})` }));
      }
    }
    finish(facts, `Azure NSG ${name}`, at, rules, { in: 'drop', out: 'drop' }, 'an NSG filters the subnet or network interface it is associated with; which one is not in this file');
  }
  return facts;
}

function azureRule(rule: Json, at: Provenance): Ordered {
  const problems: string[] = [];
  const priority = Number(rule.priority);
  if (!Number.isInteger(priority) || priority < 100 || priority > 65500) problems.push(`priority ${String(rule.priority)} is not 100-4096 (or a default rule's)`);
  const direction = String(rule.direction ?? '').toLowerCase();
  if (direction !== 'inbound' && direction !== 'outbound') problems.push(`direction "${String(rule.direction)}" is not Inbound or Outbound`);
  const access = String(rule.access ?? '').toLowerCase();
  if (access !== 'allow' && access !== 'deny') problems.push(`access "${String(rule.access)}" is not Allow or Deny`);
  const match: Match = {};
  const protocol = String(rule.protocol ?? '*').toLowerCase();
  if (protocol !== '*' && protocol !== 'any') match.protocol = { values: [protocol] };
  azureAddresses(match, 'src', [...strings(rule.sourceAddressPrefix), ...strings(rule.sourceAddressPrefixes)]);
  azureAddresses(match, 'dst', [...strings(rule.destinationAddressPrefix), ...strings(rule.destinationAddressPrefixes)]);
  for (const [key, field] of [['sourcePort', 'sport'], ['destinationPort', 'dport']] as const) {
    const specs = [...strings(rule[`${key}Range`]), ...strings(rule[`${key}Ranges`])];
    if (specs.length === 0 || specs.includes('*')) continue;
    const ranges = parsePortList(specs);
    if (typeof ranges === 'string') problems.push(ranges);
    else match[field] = { values: ranges };
  }
  if (strings(rule.sourceApplicationSecurityGroups).length || Array.isArray(rule.sourceApplicationSecurityGroups) && rule.sourceApplicationSecurityGroups.length) {
    (match.uncertain ??= []).push({ field: 'src', reason: 'an application security group: its members are not in this file' });
  }
  const unknown = problems.length > 0 ? problems.join('; ') : undefined;
  return {
    priority: Number.isInteger(priority) ? priority : 0,
    tieBreak: 0,
    outbound: direction === 'outbound',
    rule: { at, match, effect: { kind: 'verdict', action: access === 'allow' ? 'accept' : 'drop' }, ...(unknown ? { unknown } : {}) },
  };
}

/** `gcloud compute firewall-rules list --format=json` (an array), an API list ({items}), or one rule. */
export function parseGcpFirewall(file: string, text: string): FirewallFacts {
  const facts = emptyFacts('gcp-firewall', file);
  const root = parseJson(file, text);
  const lines = jsonValueLines(text);
  const [items, base] = Array.isArray(root) ? [root, ''] : isObject(root) && Array.isArray(root.items) ? [root.items, '/items'] : isObject(root) ? [[root], undefined] : [undefined, undefined];
  if (!items) throw new FirewallParseError(file, 1, 'not GCP firewall rule JSON');
  const networks = new Map<string, { at: Provenance; rules: Ordered[] }>();
  items.forEach((item, index) => {
    const path = base === undefined ? '' : `${base}/${index}`;
    const rule = isObject(item) ? item : {};
    const at = provenance(file, lines.get(path) ?? 1, `firewall rule ${String(rule.name ?? index)} priority ${String(rule.priority ?? 1000)}`);
    const network = String(rule.network ?? 'default').replace(/^.*\/networks\//, '');
    const entry = networks.get(network) ?? { at, rules: [] };
    networks.set(network, entry);
    if (rule.disabled === true) return; // a disabled rule decides nothing
    entry.rules.push(...gcpRules(facts, rule, at));
  });
  for (const [network, entry] of networks) {
    finish(facts, `GCP VPC network ${network} firewall`, entry.at, entry.rules, { in: 'drop', out: 'accept' }, 'VPC firewall rules filter the instances their targets name (all instances when none); which instance is the FTP server is not in this file');
  }
  return facts;
}

function gcpRules(facts: FirewallFacts, rule: Json, at: Provenance): Ordered[] {
  const problems: string[] = [];
  const priority = rule.priority === undefined ? 1000 : Number(rule.priority);
  if (!Number.isInteger(priority) || priority < 0 || priority > 65535) problems.push(`priority ${String(rule.priority)} is not 0-65535`);
  const outbound = String(rule.direction ?? 'INGRESS').toUpperCase() === 'EGRESS';
  const base: Match = {};
  const ranges = strings(outbound ? rule.destinationRanges : rule.sourceRanges);
  const withValues = (values: string[]): ValueMatch<string> => ({ values });
  if (ranges.length > 0 && !ranges.includes('0.0.0.0/0')) base[outbound ? 'dst' : 'src'] = withValues(ranges);
  const tags = [...strings(rule.sourceTags), ...strings(rule.sourceServiceAccounts)];
  if (!outbound && tags.length > 0) (base.uncertain ??= []).push({ field: 'src', reason: `traffic from instances ${tags.join(', ')}: their addresses are not in this file` });
  const targets = [...strings(rule.targetTags), ...strings(rule.targetServiceAccounts)];
  if (targets.length > 0) (base.uncertain ??= []).push({ field: 'other', reason: `applies only to instances with ${targets.join(', ')}` });
  const out: Ordered[] = [];
  for (const [key, action] of [['denied', 'drop'], ['allowed', 'accept']] as const) {
    const entries = Array.isArray(rule[key]) ? (rule[key] as unknown[]) : [];
    for (const entry of entries) {
      const spec = isObject(entry) ? entry : {};
      const match: Match = structuredClone(base);
      const protocol = String(spec.IPProtocol ?? 'all').toLowerCase();
      if (protocol !== 'all') match.protocol = { values: [protocol] };
      const portSpecs = strings(spec.ports);
      const entryProblems = [...problems];
      if (portSpecs.length > 0) {
        const parsed = parsePortList(portSpecs);
        if (typeof parsed === 'string') entryProblems.push(parsed);
        else match.dport = { values: parsed };
      }
      const unknown = entryProblems.length > 0 ? entryProblems.join('; ') : undefined;
      const fact: RuleFact = { at, match, effect: { kind: 'verdict', action }, ...(unknown ? { unknown } : {}) };
      record(facts, fact);
      out.push({ priority: Number.isInteger(priority) ? priority : 0, tieBreak: action === 'drop' ? 0 : 1, outbound, rule: fact });
    }
  }
  if (out.length === 0) facts.notUnderstood.push({ at, reason: 'a rule with neither "allowed" nor "denied"' });
  return out;
}
