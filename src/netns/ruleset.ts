/**
 * Pure: a scenario topology → the nftables scripts of the three namespaces (client, edge, server).
 *
 * Semantics (the kernel side of the scenario model; the simulator must agree):
 * - Rules decide *connections*: every filter chain first accepts packets of connections already
 *   accepted (`ct state established`), so user rules and the policy see only packets that open a
 *   connection (state new, or related for a data connection an FTP helper expected).
 * - Packets without a conntrack entry (`ct state invalid`, e.g. after an idle timeout with
 *   nf_conntrack_tcp_loose=0) are dropped.
 * - User rules are TCP only (the model is about TCP connections), in order, first match wins.
 * - A firewall with an ftpHelper accepts the connections its helper expected (the ALG "pinhole")
 *   after the user rules and before the policy, so an explicit user rule can still drop them.
 * - `in`/`out` on the edge: iif outside → oif inside / the reverse; on a host: input / output chain.
 *   The forward chain sees addresses after destination NAT, as the model says.
 * - reject = TCP reset (the client sees ECONNREFUSED).
 * - Dual stack: the tables are `inet`, so a rule without addresses or `family` covers IPv4 and IPv6
 *   alike; `family` becomes `meta nfproto`. ICMPv6 is accepted (neighbour discovery is how IPv6
 *   finds its next hop), the FTP helper is declared for both families, and NAT stays IPv4 only.
 * Every rule has a counter and a comment `<scope>/<kind> <text>` that counters.ts parses back.
 */
import type { Firewall, FirewallLocation, Rule, Topology } from '../topology/model.js';
import { addressKeyword, checkAddressMatch, portSet, portSpec, resolveAddresses, type ResolvedAddresses } from './addresses.js';

export interface RulesetNames {
  /** The edge's interface on the outside link (toward the client). */
  edgeOutside: string;
  /** The edge's interface on the inside link (toward the server). */
  edgeInside: string;
}

export interface Rulesets {
  edge: string;
  client: string;
  server: string;
}

export const TABLE = 'ftpdoctor';
const DEFAULT_HELPER_PORTS = [21];
/** "AUTH " at the start of a TCP payload: AUTH TLS / AUTH SSL (clients send it upper-case). */
const AUTH_PAYLOAD_MATCH = '@ih,0,40 0x4155544820';

/**
 * What the kernel cannot reproduce for this topology, one sentence each. A non-empty list means
 * the backend must report the scenario as not reproducible instead of faking it.
 */
export function kernelLimitations(topology: Topology): string[] {
  const limitations: string[] = [];
  for (const firewall of topology.firewalls ?? []) {
    if (firewall.ftpHelper?.epsv === false) {
      limitations.push(
        `${firewall.name}: nf_conntrack_ftp always parses EPSV/229 and EPRT, so the kernel cannot model an EPSV-blind FTP helper`,
      );
    }
  }
  const nat = topology.nat;
  const edgeHelper = topology.firewalls?.some((firewall) => firewall.at === 'edge' && firewall.ftpHelper);
  if (edgeHelper && !nat?.rewriteFtp && (nat?.masquerade || (nat?.sourcePool?.length ?? 0) > 0)) {
    limitations.push(
      'source NAT with an FTP helper but without rewriting: nf_nat_ftp rewrites every NATed connection that has the helper, and stateless source NAT cannot do masquerading or per-connection pools',
    );
  }
  if (edgeHelper && !nat?.rewriteFtp && (nat?.forwardToPort?.length ?? 0) > 0) {
    limitations.push(
      'a port forward that changes the port, with an FTP helper but without rewriting: the stateless translation that keeps nf_nat_ftp out cannot map replies from one inside port back to a range of outside ports',
    );
  }
  if (nat?.rewriteFtp && (nat.forward?.length ?? 0) === 0 && (nat.forwardToPort?.length ?? 0) === 0 && !nat.masquerade && !(nat.sourcePool?.length ?? 0)) {
    limitations.push('rewriteFtp without any NAT: nf_nat_ftp only rewrites connections the kernel NATs');
  }
  return limitations;
}

export function buildRuleset(topology: Topology, names: RulesetNames): Rulesets {
  const addresses = resolveAddresses(topology);
  const firewallAt = (at: FirewallLocation) => (topology.firewalls ?? []).filter((firewall) => firewall.at === at);
  const ipv6 = addresses.v6 !== undefined;
  return {
    client: hostScript('client', firewallAt('client'), ipv6),
    server: hostScript('server', firewallAt('server'), ipv6),
    edge: edgeScript(topology, firewallAt('edge'), names, addresses),
  };
}

/** nft comment text: no quotes or backslashes, and within the kernel's comment length limit. */
export function comment(scope: string, kind: string, text: string): string {
  return `comment "${commentText(scope, kind, text)}"`;
}

/** The text inside comment "…" exactly as the kernel stores it (counters.ts reads it back). */
export function commentText(scope: string, kind: string, text: string): string {
  return `${scope}/${kind} ${text}`.replace(/["\\\n\r\t]/g, ' ').replace(/[^\x20-\x7e]/g, '?').slice(0, 120);
}

export function describeRule(rule: Rule): string {
  const parts: string[] = [rule.action];
  if (rule.direction) parts.push(rule.direction);
  if (rule.src) parts.push(`from ${rule.src}`);
  if (rule.sport !== undefined) parts.push(`sport ${rule.sport}`);
  if (rule.dst) parts.push(`to ${rule.dst}`);
  if (rule.dport !== undefined) parts.push(`dport ${rule.dport}`);
  if (rule.state?.length) parts.push(`state ${rule.state.join(',')}`);
  if (rule.family !== undefined) parts.push(`IPv${rule.family} only`);
  return parts.join(' ');
}

/** Comment texts of the rules that can decide a connection (attribution.ts matches them back). */
export const ruleText = (firewall: Firewall, rule: Rule): string => `${firewall.name}: ${rule.comment || describeRule(rule)}`;
export const policyText = (firewall: Firewall): string => `${firewall.name}: no rule matched, policy ${firewall.policy}`;
export const authTlsText = (firewall: Firewall): string => `${firewall.name}: blocks AUTH TLS`;
export const IDLE_TIMEOUT_TEXT = 'no conntrack entry: idle timeout expired';

function verdict(action: Rule['action']): string {
  return action === 'reject' ? 'reject with tcp reset' : action;
}

/** The match part of a user rule; `direction` is handled by the caller (chain or interfaces). */
function ruleMatch(rule: Rule): string {
  const parts = rule.family === undefined ? [] : [`meta nfproto ipv${rule.family}`];
  parts.push('meta l4proto tcp');
  if (rule.src) parts.push(`${addressKeyword(rule.src)} saddr ${checkAddressMatch(rule.src)}`);
  if (rule.dst) parts.push(`${addressKeyword(rule.dst)} daddr ${checkAddressMatch(rule.dst)}`);
  if (rule.sport !== undefined) parts.push(`tcp sport ${portSpec(rule.sport)}`);
  if (rule.dport !== undefined) parts.push(`tcp dport ${portSpec(rule.dport)}`);
  if (rule.state?.length) parts.push(`ct state { ${rule.state.join(', ')} }`);
  return parts.join(' ');
}

interface ChainInput {
  scope: string;
  firewall: Firewall;
  /** Rules of this chain, with their index in the firewall's list (stable rule ids). */
  rules: { rule: Rule; index: number; prefix: string }[];
  /** Loopback accept line for host chains. */
  loopback?: string;
  /** Dual stack: accept ICMPv6, without which IPv6 cannot even find its neighbours. */
  ipv6?: boolean;
}

/** The body of one filter chain (after its `type ... policy` line). */
function filterChainBody(input: ChainInput): string[] {
  const { scope, firewall } = input;
  const lines: string[] = [];
  const helper = firewall.ftpHelper;
  if (input.loopback) lines.push(`${input.loopback} counter accept ${comment(scope, 'loopback', 'local traffic')}`);
  if (helper?.blockAuthTls) {
    // Before the established accept: AUTH TLS travels inside the already accepted control connection.
    const ports = portSet(helper.ports ?? DEFAULT_HELPER_PORTS);
    lines.push(
      `tcp dport ${ports} ${AUTH_PAYLOAD_MATCH} counter reject with tcp reset ${comment(scope, 'auth-tls', authTlsText(firewall))}`,
    );
  }
  lines.push(`ct state established counter accept ${comment(scope, 'established', 'packets of accepted connections')}`);
  lines.push(`ct state invalid counter drop ${comment(scope, 'invalid', `${firewall.name}: no conntrack entry`)}`);
  lines.push(`meta l4proto icmp ct state related counter accept ${comment(scope, 'icmp', 'ICMP errors about accepted connections')}`);
  if (input.ipv6) lines.push(`meta l4proto ipv6-icmp counter accept ${comment(scope, 'icmp', 'ICMPv6: neighbour discovery and errors')}`);
  for (const { rule, index, prefix } of input.rules) {
    const text = ruleText(firewall, rule);
    const match = [prefix, ruleMatch(rule)].filter(Boolean).join(' ');
    lines.push(`${match} counter ${verdict(rule.action)} ${comment(scope, `rule:${index + 1}`, text)}`);
  }
  if (helper) {
    lines.push(
      `meta l4proto tcp ct state related counter accept ${comment(scope, 'expect', `${firewall.name}: data connection expected by the FTP helper`)}`,
    );
  }
  if (firewall.policy === 'reject') {
    lines.push(`meta l4proto tcp counter reject with tcp reset ${comment(scope, 'policy', policyText(firewall))}`);
  }
  lines.push(`counter ${firewall.policy === 'accept' ? 'accept' : 'drop'} ${comment(scope, 'policy', policyText(firewall))}`);
  return lines;
}

function chain(name: string, header: string, body: string[]): string[] {
  return [`  chain ${name} {`, `    ${header}`, ...body.map((line) => `    ${line}`), '  }'];
}

function tableScript(body: string[]): string {
  // Declaring then deleting the table makes the script idempotent (re-applying replaces it).
  return [`table inet ${TABLE}`, `delete table inet ${TABLE}`, `table inet ${TABLE} {`, ...body, '}', ''].join('\n');
}

/** `l3proto inet`: one helper object for IPv4 and IPv6 control connections (nf_conntrack_ftp does both). */
function helperObject(ipv6: boolean): string[] {
  return ['  ct helper ftp_helper {', '    type "ftp" protocol tcp', `    l3proto ${ipv6 ? 'inet' : 'ip'}`, '  }'];
}

/** Since Linux 6.0 helpers are never automatic: attach ours to new control connections. */
function helperAssignment(scope: string, firewall: Firewall): string {
  const ports = portSet(firewall.ftpHelper?.ports ?? DEFAULT_HELPER_PORTS);
  return `ct state new tcp dport ${ports} ct helper set "ftp_helper" counter ${comment(scope, 'helper', `${firewall.name}: FTP helper on port ${ports}`)}`;
}

function hostScript(scope: 'client' | 'server', firewalls: Firewall[], ipv6: boolean): string {
  const body: string[] = [];
  if (firewalls.some((firewall) => firewall.ftpHelper)) body.push(...helperObject(ipv6));
  for (const [position, firewall] of firewalls.entries()) {
    const suffix = firewalls.length > 1 ? `_${position + 1}` : '';
    const indexed = firewall.rules.map((rule, index) => ({ rule, index, prefix: '' }));
    if (firewall.ftpHelper) {
      // Inbound control connections are seen in prerouting, our own outbound ones in output.
      body.push(...chain(`helpers_in${suffix}`, 'type filter hook prerouting priority filter; policy accept;', [helperAssignment(scope, firewall)]));
      body.push(...chain(`helpers_out${suffix}`, 'type filter hook output priority filter; policy accept;', [helperAssignment(scope, firewall)]));
    }
    const policy = firewall.policy === 'accept' ? 'accept' : 'drop';
    body.push(
      ...chain(`filter_input${suffix}`, `type filter hook input priority filter; policy ${policy};`, filterChainBody({
        scope, firewall, ipv6, loopback: 'iifname "lo"', rules: indexed.filter(({ rule }) => rule.direction !== 'out'),
      })),
      ...chain(`filter_output${suffix}`, `type filter hook output priority filter; policy ${policy};`, filterChainBody({
        scope, firewall, ipv6, loopback: 'oifname "lo"', rules: indexed.filter(({ rule }) => rule.direction !== 'in'),
      })),
    );
  }
  return body.length === 0 ? '' : tableScript(body);
}

function edgeScript(topology: Topology, firewalls: Firewall[], names: RulesetNames, addresses: ResolvedAddresses): string {
  const outside = `"${names.edgeOutside}"`;
  const inside = `"${names.edgeInside}"`;
  const interfaces = { in: `iifname ${outside} oifname ${inside}`, out: `iifname ${inside} oifname ${outside}` };
  const nat = topology.nat ?? {};
  const helperFirewalls = firewalls.filter((firewall) => firewall.ftpHelper);
  const body: string[] = [];
  // The NAT helper needs the conntrack helper attached even when no edge firewall asked for one.
  const rewriteHelper: Firewall | undefined =
    nat.rewriteFtp && helperFirewalls.length === 0
      ? { name: 'edge NAT', at: 'edge', policy: 'accept', rules: [], ftpHelper: { ports: [topology.server?.port ?? 21] } }
      : undefined;
  const helperSources = rewriteHelper ? [rewriteHelper] : helperFirewalls;
  const ipv6 = addresses.v6 !== undefined;
  if (helperSources.length > 0) body.push(...helperObject(ipv6));
  if (nat.idleTimeoutMs !== undefined) {
    const seconds = Math.max(1, Math.ceil(nat.idleTimeoutMs / 1000));
    body.push('  ct timeout idle_timeout {', '    protocol tcp', `    l3proto ${ipv6 ? 'inet' : 'ip'}`, `    policy = { established: ${seconds} }`, '  }');
  }
  const conntrack: string[] = helperSources.map((firewall) => helperAssignment('edge', firewall));
  if (nat.idleTimeoutMs !== undefined) {
    conntrack.push(`ct state new counter ct timeout set "idle_timeout" ${comment('nat', 'timeout-set', `idle timeout ${nat.idleTimeoutMs} ms`)}`);
    // Before routing: an expired NATed connection must not fall through to the edge's own input.
    conntrack.push(`ct state invalid counter drop ${comment('nat', 'timeout', IDLE_TIMEOUT_TEXT)}`);
  }
  if (conntrack.length > 0) body.push(...chain('conntrack', 'type filter hook prerouting priority filter; policy accept;', conntrack));
  body.push(...natChains(nat, helperFirewalls.length > 0, interfaces, names, addresses));
  for (const [position, firewall] of firewalls.entries()) {
    const suffix = firewalls.length > 1 ? `_${position + 1}` : '';
    const rules = firewall.rules.map((rule, index) => ({
      rule, index, prefix: rule.direction ? interfaces[rule.direction] : '',
    }));
    const policy = firewall.policy === 'accept' ? 'accept' : 'drop';
    body.push(...chain(`filter_forward${suffix}`, `type filter hook forward priority filter; policy ${policy};`, filterChainBody({ scope: 'edge', firewall, rules, ipv6 })));
  }
  return body.length === 0 ? '' : tableScript(body);
}

function natChains(
  nat: NonNullable<Topology['nat']>,
  edgeHelper: boolean,
  interfaces: { in: string; out: string },
  names: RulesetNames,
  addresses: ResolvedAddresses,
): string[] {
  const lines: string[] = [];
  const forward = nat.forward ?? [];
  const pool = nat.sourcePool ?? [];
  const stateless = forward.length > 0 && edgeHelper && !nat.rewriteFtp;
  if (stateless) {
    // Helper without rewriting: nf_nat_ftp rewrites every NATed connection that has the helper, so
    // translate statelessly before conntrack (raw). Conntrack then sees the server's own address,
    // the helper still opens pinholes, and nothing is NATed, so nothing is rewritten.
    const ports = portSet(forward);
    lines.push(...chain('stateless_dnat', 'type filter hook prerouting priority raw; policy accept;', [
      `iifname "${names.edgeOutside}" ip daddr ${addresses.edgeOutside} tcp dport ${ports} counter ip daddr set ${addresses.server} ${comment('nat', 'dnat', `stateless forward ${ports} to ${addresses.server}`)}`,
    ]));
    lines.push(...chain('stateless_undnat', 'type filter hook postrouting priority srcnat; policy accept;', [
      `oifname "${names.edgeOutside}" ip saddr ${addresses.server} tcp sport ${ports} counter ip saddr set ${addresses.edgeOutside} ${comment('nat', 'undnat', `replies from ${addresses.server}`)}`,
    ]));
  }
  const destination: string[] = [];
  if (forward.length > 0 && !stateless) {
    const ports = portSet(forward);
    destination.push(
      `iifname "${names.edgeOutside}" ip daddr ${addresses.edgeOutside} tcp dport ${ports} counter dnat ip to ${addresses.server} ${comment('nat', 'dnat', `forward ${ports} to ${addresses.server}`)}`,
    );
  }
  for (const rule of nat.forwardToPort ?? []) {
    // Every port of the range goes to the one inside port (validation keeps it disjoint from `forward`).
    const ports = portSpec(rule.ports);
    const target = portSpec(rule.toPort);
    destination.push(
      `iifname "${names.edgeOutside}" ip daddr ${addresses.edgeOutside} tcp dport ${ports} counter dnat ip to ${addresses.server}:${target} ${comment('nat', 'dnat', `forward ${ports} to ${addresses.server}:${target}`)}`,
    );
  }
  if (destination.length > 0) lines.push(...chain('nat_prerouting', 'type nat hook prerouting priority dstnat; policy accept;', destination));
  const source: string[] = [];
  // NAT is IPv4 only: in a dual-stack inet table, masquerade would otherwise NAT IPv6 too (NAT66).
  const ipv4Only = addresses.v6 ? 'meta nfproto ipv4 ' : '';
  if (pool.length > 0) {
    const map = pool.map((address, index) => `${index} : ${address}`).join(', ');
    source.push(
      `${ipv4Only}${interfaces.in} counter snat ip to numgen inc mod ${pool.length} map { ${map} } ${comment('nat', 'snat', `source pool ${pool.join(',')}`)}`,
    );
  }
  if (nat.masquerade) {
    source.push(`${ipv4Only}${interfaces.in} counter masquerade ${comment('nat', 'snat', `masquerade behind ${addresses.edgeInside}`)}`);
  }
  if (source.length > 0) lines.push(...chain('nat_postrouting', 'type nat hook postrouting priority srcnat; policy accept;', source));
  return lines;
}
