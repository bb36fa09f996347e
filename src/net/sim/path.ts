/**
 * The path walker: what happens to the first packets of a new connection on its way from one
 * host to another. client host filter → edge (DNAT, forward filter, SNAT) → server host filter,
 * or the reverse. Each host's conntrack decides the state (new, or related through an FTP helper
 * expectation); each firewall's verdict is traced. Then the handshake's replies (SYN-ACK or RST)
 * must get back, and the dialler's following packets (state established) must get through.
 */
import type { TraceEntry } from '../../evidence/record.js';
import type { ConnState } from '../../topology/model.js';
import { addressFamily, formatEndpoint, portMatches, sameAddress, type Endpoint, type PortSpec } from './address.js';
import type { Expectation, Track, Tuple } from './conntrack.js';
import type { Host, HostName, ListenerEntry } from './hosts.js';
import { evaluate, reverseDirection, type Direction, type Verdict } from './rules.js';

export interface NatPlan {
  forward: PortSpec[];
  /** Forwards to another port on the server (a port forward with its own inside port). */
  forwardToPort: { spec: PortSpec; toPort: number }[];
  rewriteFtp: boolean;
  idleTimeoutMs?: number;
  /** The source address for the next client connection going inside, if any SNAT applies. */
  nextSource(): string | undefined;
}

export interface World {
  hosts: Record<HostName, Host>;
  addresses: { client: string; edgeOutside: string; edgeInside: string; server: string };
  nat: NatPlan;
  /** Addresses the edge owns besides outside/inside (SNAT pool). */
  locate(address: string): HostName | undefined;
  record(entry: Omit<TraceEntry, 't'>): void;
}

/** One host the connection passes or ends at, with its conntrack entry. */
export interface Crossing {
  host: Host;
  direction: Direction;
  /** What the filter saw: source before SNAT, destination after DNAT. */
  view: Tuple;
  track: Track;
  /** Filtered by this host's firewalls (false: a connection ending at the edge itself). */
  filtered: boolean;
  /** Passes the edge as a forwarded connection (NAT, idle timeout, ALG rewriting apply). */
  forwarded: boolean;
}

export type Walk =
  | { kind: 'drop' }
  | { kind: 'refused' }
  | {
      kind: 'connected';
      host: Host;
      listener: ListenerEntry;
      crossings: Crossing[];
      /** The connection as the acceptor sees it: src after SNAT, dst after DNAT. */
      arrived: Tuple;
      /** The handshake completed for the dialler but its packets never reach the acceptor. */
      halfOpen: boolean;
    };

const reversed = (tuple: Tuple): Tuple => ({ src: tuple.dst, dst: tuple.src });

type Note = (at: string, decision: TraceEntry['decision'], rule: string, detail?: string) => void;

export function walk(world: World, from: Host, source: Endpoint, destination: Endpoint, label: string): Walk {
  const note: Note = (at, decision, rule, detail) =>
    world.record({ at, connection: label, decision, rule, ...(detail !== undefined ? { detail } : {}) });
  const crossings: Crossing[] = [];

  /** Filters one host's crossing; the state comes from that host's conntrack expectations. */
  const pass = (host: Host, direction: Direction, view: Tuple, track: Track, forwarded: boolean, expectation: Expectation | undefined): Verdict['action'] => {
    const state: ConnState = expectation ? 'related' : 'new';
    crossings.push({ host, direction, view, track, filtered: true, forwarded });
    const context = `${direction} ${state} ${formatEndpoint(view.src)} -> ${formatEndpoint(view.dst)}${expectation ? ` (${expectation.reason})` : ''}`;
    for (const firewall of host.firewalls) {
      const verdict = evaluate(firewall, { direction, src: view.src, dst: view.dst, state });
      note(firewall.firewall.name, verdict.action, verdict.rule, context);
      if (verdict.action !== 'accept') return verdict.action;
    }
    return 'accept';
  };
  const stopped = (action: Verdict['action']): Walk => (action === 'reject' ? { kind: 'refused' } : { kind: 'drop' });
  const endHost = (host: Host, direction: Direction, view: Tuple): Verdict['action'] =>
    pass(host, direction, view, { label, original: view, reply: reversed(view) }, false, host.conntrack.take(view.src, view.dst));

  // Traffic to one's own address never leaves the host.
  if (from.owns(destination.address)) return deliver(world, from, { src: source, dst: destination }, crossings, note);

  let src = source;
  let dst = destination;
  if (from.name !== 'edge') {
    const action = endHost(from, 'out', { src, dst });
    if (action !== 'accept') return stopped(action);
  }
  let target = world.locate(dst.address);

  if (from.name !== 'edge' && target !== undefined) {
    const edge = world.hosts.edge;
    const expectation = edge.conntrack.take(src, dst);
    let translated = expectation?.translate;
    if (translated) note('nat', 'dnat', 'ftp helper expectation', `${formatEndpoint(dst)} => ${formatEndpoint(translated)} (${expectation?.reason})`);
    const forwardRule = from.name === 'client' && sameAddress(dst.address, world.addresses.edgeOutside) ? portForward(world.nat, dst.port) : undefined;
    if (!translated && forwardRule) {
      translated = { address: world.addresses.server, port: forwardRule.toPort ?? dst.port };
      note('nat', 'dnat', forwardRule.rule, `${formatEndpoint(dst)} => ${formatEndpoint(translated)}`);
    }
    const original = { src, dst };
    const afterDnat = translated ?? dst;
    target = world.locate(afterDnat.address);
    if (target === 'edge') {
      // Ends at the router itself: its input, not the forward chain the firewall rules describe.
      const view = { src, dst: afterDnat };
      crossings.push({ host: edge, direction: 'in', view, track: { label, original, reply: reversed(view) }, filtered: false, forwarded: false });
      return deliver(world, edge, view, crossings, note);
    }
    if (target !== undefined) {
      const direction: Direction = from.name === 'client' ? 'in' : 'out';
      const view = { src, dst: afterDnat };
      let snatted = src;
      // NAT applies to IPv4 only: IPv6 is routed as is (NAT66 is rare and not modelled).
      const pooled = direction === 'in' && addressFamily(src.address) === 4 ? world.nat.nextSource() : undefined;
      if (pooled !== undefined) {
        snatted = { address: pooled, port: src.port };
        note('nat', 'snat', 'source NAT', `${formatEndpoint(src)} => ${formatEndpoint(snatted)}`);
      }
      const action = pass(edge, direction, view, { label, original, reply: { src: afterDnat, dst: snatted } }, true, expectation);
      if (action !== 'accept') return stopped(action);
      src = snatted;
      dst = afterDnat;
    }
  }
  if (target === undefined) {
    note('network', 'drop', 'no route', `nothing answers at ${dst.address}`);
    return { kind: 'drop' };
  }

  const host = world.hosts[target];
  const arrived = { src, dst };
  const action = endHost(host, 'in', arrived);
  if (action !== 'accept') return stopped(action);
  return deliver(world, host, arrived, crossings, note);
}

/** The port forward for a port on the edge's outside address (validation keeps them disjoint). */
function portForward(nat: NatPlan, port: number): { rule: string; toPort?: number } | undefined {
  const same = nat.forward.find((spec) => portMatches(spec, port));
  if (same) return { rule: `forward ${same.text}` };
  const moved = nat.forwardToPort.find((forward) => portMatches(forward.spec, port));
  return moved ? { rule: `forward ${moved.spec.text} to port ${moved.toPort}`, toPort: moved.toPort } : undefined;
}

function deliver(world: World, host: Host, arrived: Tuple, crossings: Crossing[], note: Note): Walk {
  const listener = host.listenerFor(arrived.dst.address, arrived.dst.port);
  // The answer (SYN-ACK, or RST from a closed port) travels back as an established reply.
  for (const crossing of [...crossings].reverse()) {
    if (!crossing.filtered) continue;
    const back = reverseDirection(crossing.direction);
    const blocked = firstBlock(crossing, back, reversed(crossing.view));
    if (blocked) {
      note(blocked.at, blocked.verdict.action, blocked.verdict.rule, `the ${listener ? 'SYN-ACK' : 'RST'} back to the dialler is blocked (${back} established): the connect never completes`);
      return { kind: 'drop' };
    }
  }
  if (!listener) {
    note(host.name, 'reject', 'no listener', `nothing listens on ${formatEndpoint(arrived.dst)}`);
    return { kind: 'refused' };
  }
  // The dialler's next packets are "established": a filter that drops them leaves it half-open.
  let halfOpen = false;
  for (const crossing of crossings) {
    if (!crossing.filtered) continue;
    const blocked = firstBlock(crossing, crossing.direction, crossing.view);
    if (blocked) {
      note(blocked.at, blocked.verdict.action, blocked.verdict.rule, `packets after the handshake are blocked (${crossing.direction} established): the acceptor never sees the connection`);
      halfOpen = true;
      break;
    }
  }
  if (!halfOpen) note(host.name, 'accept', 'listener', `accepted on ${formatEndpoint(arrived.dst)}`);
  return { kind: 'connected', host, listener, crossings, arrived, halfOpen };
}

function firstBlock(crossing: Crossing, direction: Direction, view: Tuple): { at: string; verdict: Verdict } | undefined {
  for (const firewall of crossing.host.firewalls) {
    const verdict = evaluate(firewall, { direction, src: view.src, dst: view.dst, state: 'established' });
    if (verdict.action !== 'accept') return { at: firewall.firewall.name, verdict };
  }
  return undefined;
}
