/**
 * The scenario file format (YAML or JSON), shared by the simulator backend (src/net/sim) and the
 * real-kernel backend (netns). A scenario is data, not code: a topology, what the client does,
 * and what must happen.
 *
 * The topology always has one shape, because it is the shape of every case in the IIS firewall
 * documents it reproduces (docs/sources.md):
 *
 *     client host ──(outside link)── edge router ──(inside link)── server host
 *
 * Firewalls can sit on the client host (its own input/output filter: blocks active-mode
 * connections back to it), on the edge router (the network firewall / NAT box), and on the server
 * host (e.g. Windows Firewall on the IIS machine). NAT is done by the edge router.
 */
import type { DataMode } from '../ftp/data-mode.js';
import type { Verdict } from '../findings/severity.js';

export type FirewallLocation = 'client' | 'edge' | 'server';
export type RuleAction = 'accept' | 'drop' | 'reject';
export type ConnState = 'new' | 'established' | 'related';

/**
 * `in` / `out` are relative to where the firewall sits: on a host, `in` arrives at the host and
 * `out` leaves it; on the edge, `in` travels from the outside (client side) toward the inside
 * (server side) and `out` the reverse. Addresses and ports are matched after destination NAT,
 * as the kernel's forward chain sees them.
 */
export interface Rule {
  comment?: string;
  direction?: 'in' | 'out'; // absent: both
  src?: string; // address or CIDR
  dst?: string;
  sport?: number | string; // 20, or "5500-5525"
  dport?: number | string;
  state?: ConnState[]; // absent: any state
  /**
   * Only IPv4 (4) or only IPv6 (6) connections; absent: both, as a rule in an nftables `inet`
   * table. A rule with a `src`/`dst` already matches only that address's family. This is what
   * makes "the IPv6 rules lack the passive range" (ip6tables forgotten) expressible.
   */
  family?: 4 | 6;
  action: RuleAction;
}

export interface FtpHelper {
  /** The control port the helper watches (nf_conntrack_ftp ports=, StatefulFtp: 21). */
  ports?: number[];
  /** Understands EPSV/229 and EPRT (default true); false models old ALGs. */
  epsv?: boolean;
  /** Blocks AUTH TLS outright (answers/drops it), as some third-party filters do. */
  blockAuthTls?: boolean;
}

export interface Firewall {
  name: string; // shown in traces: "edge firewall"
  at: FirewallLocation;
  /** What happens to a connection no rule matched. */
  policy: RuleAction;
  rules: Rule[];
  /** Stateful FTP inspection (ALG) on this firewall; absent: none. */
  ftpHelper?: FtpHelper;
}

export interface PortForward {
  /** Ports on the edge's outside address: 21, or "5500-5525". */
  ports: number | string;
  /** The server port they are sent to. */
  toPort: number;
}

export interface Nat {
  /**
   * Destination NAT on the edge: connections to the edge's outside address on these ports go to
   * the server's inside address (same port). E.g. ["21", "5500-5525"].
   */
  forward?: (number | string)[];
  /**
   * Port forwards that change the port, as a router's port-forwarding table writes them: connections
   * to the edge's outside address on `ports` go to the server's inside address on `toPort` (every
   * port of a range to that one port). This is how a forward gone wrong is written — the passive
   * range sent to the control port, copied from the rule above it — so a data connection reaches a
   * listener other than the one the server opened. A port may not be in both this and `forward`.
   */
  forwardToPort?: PortForward[];
  /** nf_nat_ftp-style rewriting of addresses inside 227/229/PORT/EPRT. Needs an ftpHelper on the edge. */
  rewriteFtp?: boolean;
  /**
   * Source NAT of client connections going inside, to these addresses (on the inside link),
   * one per new connection in turn: a SNAT pool / multi-egress NAT.
   */
  sourcePool?: string[];
  /** Masquerade client connections going inside behind the edge's inside address. */
  masquerade?: boolean;
  /** Conntrack idle timeout for established connections, in ms (a NAT/firewall dropping idle control). */
  idleTimeoutMs?: number;
}

export interface ServerSettings {
  /** Our reference server (default), or a real vsftpd where the backend has one (netns only). */
  software?: 'ftp-doctor' | 'vsftpd';
  port?: number;
  pasvRange?: string; // "5500-5525"
  externalIp?: string;
  tls?: 'none' | 'explicit' | 'implicit';
  /** Refuse login before AUTH TLS (and data without PROT P). */
  requireTls?: boolean;
  requireSessionReuse?: boolean;
  allowCcc?: boolean;
  activeSourcePort?: number;
  /** Deliberate misbehaviour (conformance). */
  misbehave?: {
    advertiseAddress?: string;
    outOfRangePorts?: string; // hand out ports from this range instead of pasvRange
    refuseEpsv?: boolean;
    refusePort?: boolean;
    coalesceReplies?: boolean;
  };
  /** A file of this many bytes is served as /big.bin (long-transfer scenarios). */
  bigFileBytes?: number;
  /** Throttle data sends to this many bytes per second (long-transfer scenarios). */
  throttleBytesPerSecond?: number;
}

/**
 * Hosts always have an IPv4 address. A topology is dual stack (every host also has an IPv6
 * address) as soon as any `address6`/`outside6`/`inside6` is given; the others then take the
 * defaults of DEFAULT_ADDRESSES6. IPv6 is routed, never NATed: `nat` applies to IPv4 only.
 */
export interface Topology {
  client?: { address?: string; address6?: string }; // default 198.51.100.10 (2001:db8:1::10)
  edge?: { outside?: string; inside?: string; outside6?: string; inside6?: string }; // defaults 198.51.100.1, 10.0.0.1 (2001:db8:1::1, 2001:db8:2::1)
  server?: { address?: string; address6?: string } & ServerSettings; // default 10.0.0.5 (2001:db8:2::5)
  firewalls?: Firewall[];
  nat?: Nat;
}

export interface ClientPlan {
  /** Which address the client dials: the server's own (routed) or the edge's outside (NAT). */
  dial?: 'server' | 'edge';
  /**
   * Which of the dialled host's addresses: IPv4 (default) or IPv6 (needs a dual-stack topology,
   * and `dial: server`, since IPv6 is not NATed).
   */
  family?: 4 | 6;
  user?: string; // default anonymous
  password?: string;
  modes?: DataMode[]; // default ['epsv', 'pasv']
  tls?: 'none' | 'explicit' | 'implicit';
  /** After login on TLS, send CCC so inspection can read the rest (RFC 4217 §12.3). */
  ccc?: boolean;
  /** Resume the control connection's TLS session on data connections (default true). */
  resumeTlsSession?: boolean;
  expectRange?: string;
  expectAddress?: string;
  samples?: number;
  useAdvertisedAddress?: boolean;
  /** RETR this path after the LIST (long-transfer scenarios). */
  retrieve?: string;
  connectTimeoutMs?: number;
  dataTimeoutMs?: number;
}

export interface Expectation {
  verdict: Verdict;
  /** Finding codes that must be present. */
  findings?: string[];
  /** Finding codes that must not be present. */
  absent?: string[];
  /** Step id where the data channel fails, e.g. "data:pasv". */
  failingStep?: string;
}

export interface Scenario {
  id: string;
  title: string;
  description: string;
  /** Where the case comes from, by title and section (docs/sources.md): 'Microsoft, "Configuring FTP Firewall Settings in IIS 7" §Step 1', "RFC 2428". */
  source: string;
  /** The id of this scenario's fixed (or broken) counterpart. */
  pairedWith?: string;
  tags?: string[];
  topology: Topology;
  client: ClientPlan;
  expect: Expectation;
  /** Where the scenario was loaded from (set by the loader). */
  file?: string;
}

export const DEFAULT_ADDRESSES = {
  client: '198.51.100.10',
  edgeOutside: '198.51.100.1',
  edgeInside: '10.0.0.1',
  server: '10.0.0.5',
} as const;

/** IPv6 addresses of a dual-stack topology, from the documentation prefix 2001:db8::/32 (RFC 3849). */
export const DEFAULT_ADDRESSES6 = {
  client: '2001:db8:1::10',
  edgeOutside: '2001:db8:1::1',
  edgeInside: '2001:db8:2::1',
  server: '2001:db8:2::5',
} as const;

export interface Addresses6 {
  client: string;
  edgeOutside: string;
  edgeInside: string;
  server: string;
}

/** The topology's IPv6 addresses with defaults filled in, or undefined when it is IPv4 only. */
export function topologyAddresses6(topology: Topology): Addresses6 | undefined {
  const given = {
    client: topology.client?.address6,
    edgeOutside: topology.edge?.outside6,
    edgeInside: topology.edge?.inside6,
    server: topology.server?.address6,
  };
  if (Object.values(given).every((value) => value === undefined)) return undefined;
  return {
    client: given.client ?? DEFAULT_ADDRESSES6.client,
    edgeOutside: given.edgeOutside ?? DEFAULT_ADDRESSES6.edgeOutside,
    edgeInside: given.edgeInside ?? DEFAULT_ADDRESSES6.edgeInside,
    server: given.server ?? DEFAULT_ADDRESSES6.server,
  };
}
