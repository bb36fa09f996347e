/**
 * Which kernel rule decided the failing connection? Pure.
 *
 * Counters count packets, not connections: a policy-drop counter that moved says *something* was
 * dropped, not that it was the data connection the probe waited for. So a moved counter is only
 * blamed for a connection when the rule it counts would also match that connection, as each hop
 * sees it (after destination NAT on the edge and the server, as the forward chain does), walking
 * the hops in the order the connection's first packet crosses them. Names come out in the
 * simulator's vocabulary (hop = firewall name, rule = its comment or "policy drop"), so the two
 * backends' `failure` fields can be compared directly.
 */
import { renderRule } from '../topology/rule-text.js';
import { addressFamily, inCidr } from '../ftp/address.js';
import type { FirewallLocation, Rule, Topology } from '../topology/model.js';
import { resolveAddresses } from './addresses.js';
import type { CounterRule } from './counters.js';
import { authTlsText, commentText, IDLE_TIMEOUT_TEXT, policyText, ruleText } from './ruleset.js';

/** A connection the probe saw fail, as the probe knows it. */
export interface FailedConnection {
  /** passive: the client dials the server; active: the server dials the client. */
  kind: 'passive' | 'active';
  /** "198.51.100.10:40000" when known; absent when only the role is known. */
  from?: string;
  /** "10.0.0.5:5503". */
  to: string;
}

export interface Blame {
  hop: string;
  rule: string;
}

interface Endpoint {
  address?: string;
  port?: number;
}

/** What one hop's filter sees of the connection's first packet. */
interface View {
  scope: FirewallLocation;
  direction: 'in' | 'out';
  src: Endpoint;
  dst: Endpoint;
}

/** "10.0.0.5:5503" or "[2001:db8:2::5]:5503". */
export function parseEndpoint(text: string | undefined): Endpoint {
  const match = /^(\d{1,3}(?:\.\d{1,3}){3}):(\d{1,5})$/.exec(text ?? '') ?? /^\[([0-9a-fA-F:.]+)\]:(\d{1,5})$/.exec(text ?? '');
  return match && addressFamily(match[1] ?? '') !== 0 ? { address: match[1], port: Number(match[2]) } : {};
}

function addressMatches(spec: string | undefined, address: string | undefined): boolean {
  if (spec === undefined || address === undefined) return true; // unknown: cannot rule it out
  return inCidr(address, spec);
}

function portRange(spec: number | string): { from: number; to: number } {
  const [from = '0', to] = String(spec).split('-');
  return { from: Number(from), to: Number(to ?? from) };
}

/**
 * An unknown source port is an ephemeral one (the probe never learns the source port of a
 * connection that did not open, and servers dial from ephemeral ports unless told otherwise).
 */
function portMatches(spec: number | string | undefined, port: number | undefined): boolean {
  if (spec === undefined) return true;
  const range = portRange(spec);
  if (port === undefined) return range.to >= 1024;
  return port >= range.from && port <= range.to;
}

function ruleMatches(rule: Rule, view: View, family: 4 | 6): boolean {
  if (rule.direction !== undefined && rule.direction !== view.direction) return false;
  if (rule.family !== undefined && rule.family !== family) return false;
  // A data connection that failed was not one a helper expected (that would have let it through
  // as `related`), so its first packet is `new`.
  if (rule.state !== undefined && !rule.state.includes('new')) return false;
  return (
    addressMatches(rule.src, view.src.address) &&
    addressMatches(rule.dst, view.dst.address) &&
    portMatches(rule.sport, view.src.port) &&
    portMatches(rule.dport, view.dst.port)
  );
}


/** The connection's address family: that of its destination (IPv4 when unknown). */
function familyOf(connection: FailedConnection): 4 | 6 {
  return addressFamily(parseEndpoint(connection.to).address ?? '') === 6 ? 6 : 4;
}

/** The hops a connection's first packet crosses, in order, and what each one sees. */
function viewsOf(topology: Topology, connection: FailedConnection): View[] {
  const resolved = resolveAddresses(topology);
  const from = parseEndpoint(connection.from);
  const to = parseEndpoint(connection.to);
  if (familyOf(connection) === 6) return viewsOf6(resolved.v6, connection.kind, from, to, topology.server?.activeSourcePort);
  const addresses = resolved;
  const forwarded = (endpoint: Endpoint): Endpoint => {
    if (endpoint.address !== addresses.edgeOutside || endpoint.port === undefined) return endpoint;
    const port = endpoint.port;
    const inRange = (range: { from: number; to: number }): boolean => port >= range.from && port <= range.to;
    if ((topology.nat?.forward ?? []).map(portRange).some(inRange)) return { address: addresses.server, port };
    const moved = (topology.nat?.forwardToPort ?? []).find((rule) => inRange(portRange(rule.ports)));
    return moved ? { address: addresses.server, port: moved.toPort } : endpoint;
  };
  if (connection.kind === 'passive') {
    const src: Endpoint = { address: from.address ?? addresses.client, ...(from.port !== undefined ? { port: from.port } : {}) };
    const natted = (topology.nat?.sourcePool?.length ?? 0) > 0 || topology.nat?.masquerade;
    return [
      { scope: 'client', direction: 'out', src, dst: to },
      { scope: 'edge', direction: 'in', src, dst: forwarded(to) },
      { scope: 'server', direction: 'in', src: natted ? { ...(src.port !== undefined ? { port: src.port } : {}) } : src, dst: forwarded(to) },
    ];
  }
  const sourcePort = from.port ?? topology.server?.activeSourcePort;
  const src: Endpoint = { address: from.address ?? addresses.server, ...(sourcePort !== undefined ? { port: sourcePort } : {}) };
  return [
    { scope: 'server', direction: 'out', src, dst: to },
    { scope: 'edge', direction: 'out', src, dst: to },
    // Behind a port forward the edge may rewrite the source on the way out: unknown to the client.
    { scope: 'client', direction: 'in', src: topology.nat?.forward?.length ? { ...(src.port !== undefined ? { port: src.port } : {}) } : src, dst: to },
  ];
}

/** IPv6 is routed, never NATed: every hop sees the same addresses. */
function viewsOf6(v6: ReturnType<typeof resolveAddresses>['v6'], kind: FailedConnection['kind'], from: Endpoint, to: Endpoint, activeSourcePort: number | undefined): View[] {
  if (kind === 'passive') {
    const src: Endpoint = { ...(v6 ? { address: from.address ?? v6.client } : from.address ? { address: from.address } : {}), ...(from.port !== undefined ? { port: from.port } : {}) };
    return (['client', 'edge', 'server'] as const).map((scope) => ({ scope, direction: scope === 'client' ? 'out' : 'in', src, dst: to }));
  }
  const sourcePort = from.port ?? activeSourcePort;
  const src: Endpoint = { ...(v6 ? { address: from.address ?? v6.server } : from.address ? { address: from.address } : {}), ...(sourcePort !== undefined ? { port: sourcePort } : {}) };
  return (['server', 'edge', 'client'] as const).map((scope) => ({ scope, direction: scope === 'client' ? 'in' : 'out', src, dst: to }));
}

const moved = (counters: CounterRule[]): Set<string> =>
  new Set(counters.filter((rule) => rule.packets > 0).map((rule) => commentText(rule.scope, rule.kind, rule.text)));

/**
 * The first hop along the connection's path that blocked it: in each firewall there, the first
 * rule matching the connection decides, as in the kernel's chain; a blocking decision is only
 * blamed when its counter moved (else the connection did not end there: a NAT, or an address
 * the probe could not know, changed what the hop saw).
 */
export function blameConnection(topology: Topology, counters: CounterRule[], connection: FailedConnection): Blame | undefined {
  const hit = moved(counters);
  for (const view of viewsOf(topology, connection)) {
    for (const firewall of (topology.firewalls ?? []).filter((candidate) => candidate.at === view.scope)) {
      const decided = firewall.rules.findIndex((rule) => ruleMatches(rule, view, familyOf(connection)));
      const rule = firewall.rules[decided];
      if (rule) {
        if (rule.action !== 'accept' && hit.has(commentText(view.scope, `rule:${decided + 1}`, ruleText(firewall, rule)))) {
          return { hop: firewall.name, rule: rule.comment || renderRule(rule) };
        }
        continue;
      }
      if (firewall.policy !== 'accept' && hit.has(commentText(view.scope, 'policy', policyText(firewall)))) {
        return { hop: firewall.name, rule: `policy ${firewall.policy}` };
      }
    }
  }
  return undefined;
}

/**
 * When no failed connection explains the failure (the control connection died, AUTH TLS was
 * reset): the blocking decision the kernel took, if exactly that kind of decision was taken.
 * Only decisions that end an established session count, so stray drops cannot be blamed.
 */
export function blameSession(topology: Topology, counters: CounterRule[]): Blame | undefined {
  const hit = moved(counters);
  const authTls = (topology.firewalls ?? []).find((firewall) => firewall.ftpHelper?.blockAuthTls && hit.has(commentText(firewall.at, 'auth-tls', authTlsText(firewall))));
  if (authTls) return { hop: authTls.name, rule: 'ftp helper: AUTH TLS blocked' };
  const timeout = topology.nat?.idleTimeoutMs;
  if (timeout !== undefined && hit.has(commentText('nat', 'timeout', IDLE_TIMEOUT_TEXT))) return { hop: 'nat', rule: `idle timeout ${timeout} ms` };
  return undefined;
}
