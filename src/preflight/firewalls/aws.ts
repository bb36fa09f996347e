/**
 * AWS security groups: `aws ec2 describe-security-groups` JSON, read into the one SecurityGroup
 * shape that the Terraform reader (terraform.ts) also produces, and turned into facts here.
 * Security groups cannot run here: fixtures are written from the documented formats.
 *
 * Semantics (AWS, "Security group rules"): allow rules only; a connection no ingress rule allows
 * is dropped; replies to allowed connections pass (stateful); several groups on one instance allow
 * what any of them allows (the facts' `union`); which instance a group is attached to is not in
 * these files.
 */
import { emptyFacts, FirewallParseError, type FirewallFacts, type Match, type Provenance, type RuleFact } from './model.js';
import { jsonValueLines } from './json-lines.js';
import { portsTouched } from './nft-build.js';
import { parseJson, provenance } from './text.js';

export interface Permission {
  /** "tcp", "udp", "icmp", "-1"/"all" (every protocol), or a protocol number. */
  protocol: string;
  from?: number;
  to?: number;
  cidrs: string[];
  /** Sources that cannot be evaluated here (another security group, a prefix list, a variable). */
  uncertain: string[];
  at: Provenance;
}

export interface SecurityGroup {
  name: string;
  ingress: Permission[];
  /** Absent: AWS's default egress rule (all traffic out). */
  egress?: Permission[];
  at: Provenance;
}

const UNION = 'aws-security-groups';

export function securityGroupFacts(facts: FirewallFacts, group: SecurityGroup): void {
  const established = (at: Provenance): RuleFact => ({ at, match: { state: { values: ['established', 'related'] } }, effect: { kind: 'verdict', action: 'accept' } });
  const rules = (permissions: Permission[], outbound: boolean) => permissions.flatMap((permission) => permissionRules(facts, permission, outbound));
  const egress = group.egress === undefined
    ? { policy: 'accept' as const, rules: [] }
    : { policy: 'drop' as const, rules: rules(group.egress, true) };
  facts.firewalls.push({
    name: `AWS security group ${group.name}`,
    union: UNION,
    location: 'server',
    locationReason: 'a security group filters the network interfaces it is attached to (here: taken to be the FTP server\'s); which ones is not in this file',
    chains: [
      { name: 'ingress', hook: 'input', type: 'filter', priority: 0, policy: 'drop', rules: [established(group.at), ...rules(group.ingress, false)], at: group.at },
      { name: 'egress', hook: 'output', type: 'filter', priority: 0, policy: egress.policy, rules: [established(group.at), ...egress.rules], at: group.at },
    ],
    at: group.at,
  });
}

function permissionRules(facts: FirewallFacts, permission: Permission, outbound: boolean): RuleFact[] {
  const match: Match = {};
  const problems: string[] = [];
  const protocol = permission.protocol.toLowerCase();
  const allProtocols = protocol === '-1' || protocol === 'all';
  if (!allProtocols) match.protocol = { values: [protocol === '6' ? 'tcp' : protocol === '17' ? 'udp' : protocol] };
  const tcpLike = protocol === 'tcp' || protocol === 'udp' || protocol === '6' || protocol === '17';
  if (tcpLike && !(permission.from === undefined && permission.to === undefined)) {
    const from = permission.from ?? 0;
    const to = permission.to ?? from;
    if (!Number.isInteger(from) || !Number.isInteger(to) || from < 0 || to > 65535) problems.push(`port range ${from}-${to} is outside 0-65535`);
    else if (from > to) problems.push(`port range ${from}-${to} runs backwards`);
    else match.dport = { values: [{ from, to }] };
  }
  if (permission.uncertain.length > 0) {
    (match.uncertain ??= []).push({ field: outbound ? 'dst' : 'src', reason: permission.uncertain.join('; ') });
  }
  const unknown = problems.length > 0 ? problems.join('; ') : undefined;
  if (unknown) {
    facts.notUnderstood.push({ at: permission.at, reason: unknown });
    facts.unknowns.push({ reason: unknown, at: permission.at });
  } else if (match.uncertain) facts.unknowns.push({ reason: match.uncertain.map((item) => item.reason).join('; '), ...portsTouched(match), at: permission.at });
  const rule = (cidrs: string[] | undefined): RuleFact => ({
    at: permission.at,
    match: cidrs ? { ...match, [outbound ? 'dst' : 'src']: { values: cidrs } } : match,
    effect: { kind: 'verdict', action: 'accept' },
    ...(unknown ? { unknown } : {}),
  });
  // A permission whose only sources are uncertain is one rule that may match; else one with the CIDRs.
  if (permission.cidrs.length === 0) return permission.uncertain.length > 0 || unknown ? [rule(undefined)] : [];
  const rules = [rule(permission.cidrs)];
  if (permission.uncertain.length > 0) rules.push(rule(undefined));
  for (const item of rules.slice(0, 1)) delete item.match.uncertain;
  return rules;
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/** `aws ec2 describe-security-groups` output (or one group object, or a list of them). */
export function parseAwsSecurityGroups(file: string, text: string): FirewallFacts {
  const facts = emptyFacts('aws-security-groups', file);
  const root = parseJson(file, text);
  const lines = jsonValueLines(text);
  const groups = isObject(root) && Array.isArray(root.SecurityGroups) ? root.SecurityGroups : Array.isArray(root) ? root : isObject(root) && root.IpPermissions ? [root] : undefined;
  if (!groups) throw new FirewallParseError(file, 1, 'not describe-security-groups JSON: no "SecurityGroups" array');
  const base = isObject(root) && Array.isArray(root.SecurityGroups) ? '/SecurityGroups' : Array.isArray(root) ? '' : undefined;
  for (const [index, group] of groups.entries()) {
    const path = base === undefined ? '' : `${base}/${index}`;
    const at = (suffix: string, text: string) => provenance(file, lines.get(`${path}${suffix}`) ?? 1, text);
    if (!isObject(group)) {
      facts.notUnderstood.push({ at: at('', JSON.stringify(group).slice(0, 80)), reason: 'a security group that is not an object' });
      continue;
    }
    const name = `${String(group.GroupId ?? '?')}${group.GroupName ? ` (${String(group.GroupName)})` : ''}`;
    const permissions = (key: 'IpPermissions' | 'IpPermissionsEgress') => list(group[key]).map((item, position): Permission => {
      const permission = isObject(item) ? item : {};
      const where = at(`/${key}/${position}`, `${name} ${key}[${position}] ${String(permission.IpProtocol ?? '')} ${String(permission.FromPort ?? '')}-${String(permission.ToPort ?? '')}`);
      const cidrs = [...list(permission.IpRanges).map((range) => (isObject(range) ? String(range.CidrIp) : '')), ...list(permission.Ipv6Ranges).map((range) => (isObject(range) ? String(range.CidrIpv6) : ''))].filter(Boolean);
      const uncertain = [
        ...list(permission.UserIdGroupPairs).map((pair) => `traffic from security group ${isObject(pair) ? String(pair.GroupId) : '?'} (its members are not in this file)`),
        ...list(permission.PrefixListIds).map((prefix) => `prefix list ${isObject(prefix) ? String(prefix.PrefixListId) : '?'} (its addresses are not in this file)`),
      ];
      return { protocol: String(permission.IpProtocol ?? '-1'), ...(typeof permission.FromPort === 'number' ? { from: permission.FromPort } : {}), ...(typeof permission.ToPort === 'number' ? { to: permission.ToPort } : {}), cidrs, uncertain, at: where };
    });
    securityGroupFacts(facts, {
      name,
      ingress: permissions('IpPermissions'),
      ...(group.IpPermissionsEgress === undefined ? {} : { egress: permissions('IpPermissionsEgress') }),
      at: at('', `security group ${name}`),
    });
  }
  return facts;
}
