/**
 * What stands in front of an FTP server, read from configuration files into facts: the firewall
 * half of `preflight` (issue 17). Every parser in this folder produces one `FirewallFacts`; the
 * prediction engine reads it, and `evaluateTcp` (evaluate.ts) answers "what happens to this TCP
 * connection" from it alone.
 *
 * The shape follows the kernel's, because every format here is a flavour of it and the simulator's
 * topology (src/topology/model.ts) is built on it:
 * - a firewall is a set of chains; base chains hang on a hook (input/output/forward/…) and have a
 *   default policy; rules are tried in order, first terminal verdict wins; jump/goto/return as in
 *   nftables. Formats with other semantics are written in this shape by their parser, so one
 *   evaluator serves all: Windows Firewall (block beats allow) puts its block rules first, Azure and
 *   GCP sort by priority, security groups are allow-lists with policy drop on ingress.
 * - `in`/`out` of the topology model are the input/output hooks of a host firewall; an edge
 *   firewall's forward chain carries interface names instead (which side is outside is for the
 *   engine to say).
 * - addresses and ports are matched after destination NAT, as the kernel's filter hooks see them
 *   (the same rule as the topology model's).
 * Every fact carries where it came from (file:line), so the engine's findings can name it.
 */
import type { ConnState, FirewallLocation, RuleAction } from '../../topology/model.js';
import type { NotUnderstood, PortRange, Where } from '../model.js';

export type { ConnState, FirewallLocation, NotUnderstood, PortRange, RuleAction };

/** The formats this folder reads. */
export type FirewallKind =
  | 'nftables' // `nft list ruleset` text, or an `nft -f` script
  | 'nftables-json' // `nft -j list ruleset`
  | 'iptables-save' // iptables-save / ip6tables-save output, or an iptables-restore file
  | 'modprobe' // a modprobe.d file: `options nf_conntrack_ftp ports=…`
  | 'firewalld-zone' // /etc/firewalld/zones/*.xml
  | 'firewalld-list' // `firewall-cmd --list-all`
  | 'ufw' // `ufw status verbose`
  | 'netsh-rules' // `netsh advfirewall firewall show rule name=all`
  | 'netsh-global' // `netsh advfirewall show global` (StatefulFtp)
  | 'aws-security-groups' // `aws ec2 describe-security-groups` JSON
  | 'terraform-security-group' // Terraform `aws_security_group` resources (HCL subset)
  | 'azure-nsg' // Azure NSG JSON (az network nsg show, ARM template resource)
  | 'gcp-firewall'; // GCP firewall rule JSON (gcloud compute firewall-rules list --format=json)

/** Where a fact was read (file, 1-based line, the text as written): the one definition preflight shares. */
export type Provenance = Where;

export type Hook = 'prerouting' | 'input' | 'forward' | 'output' | 'postrouting';

/** One condition of a match: a list of values, possibly negated (`!=`, `! -s`). */
export interface ValueMatch<T> {
  values: T[];
  negated?: boolean;
}

/**
 * Why part of a rule cannot be evaluated: the engine must treat the rule as "may match" in that
 * dimension. E.g. a named set filled at run time (`ip saddr @blocklist`).
 */
export interface Uncertainty {
  /** Which part of the match is uncertain. */
  field: 'src' | 'dst' | 'sport' | 'dport' | 'iif' | 'oif' | 'state' | 'protocol' | 'other';
  reason: string;
}

export interface Match {
  /** 'tcp', 'udp', 'icmp', … ; absent: any protocol. */
  protocol?: ValueMatch<string>;
  /** Only IPv4 or only IPv6 (an `ip` table, ip6tables, `meta nfproto ipv6`); absent: both. */
  family?: 4 | 6;
  /** Addresses or CIDRs, IPv4 or IPv6 ("0.0.0.0/0" and "::/0" mean any). */
  src?: ValueMatch<string>;
  dst?: ValueMatch<string>;
  sport?: ValueMatch<PortRange>;
  dport?: ValueMatch<PortRange>;
  /** Conntrack states; 'invalid' and 'untracked' never match a connection the engine asks about. */
  state?: ValueMatch<ConnState | 'invalid' | 'untracked'>;
  /** Interface names; a trailing '+' (iptables) or '*' (nftables) is a prefix wildcard. */
  iif?: ValueMatch<string>;
  oif?: ValueMatch<string>;
  /**
   * `-m helper --helper ftp` / `ct helper "ftp"`: matches connections an FTP helper expected (the
   * data connections it opened a pinhole for), i.e. state related through FTP inspection.
   */
  helper?: string;
  /** Parts that cannot be evaluated; the rule "may match" whenever its other parts do. */
  uncertain?: Uncertainty[];
}

/** What a rule does when it matches. */
export type RuleEffect =
  | { kind: 'verdict'; action: RuleAction }
  | { kind: 'jump'; chain: string } // returns to the next rule when the called chain ends
  | { kind: 'goto'; chain: string } // does not return
  | { kind: 'return' }
  // counter, log, ct helper set, mark, …: not a decision, evaluation goes on with the next rule
  | { kind: 'continue' };

export interface RuleFact {
  at: Provenance;
  match: Match;
  effect: RuleEffect;
  /**
   * Set when the rule as a whole cannot be evaluated (not understood, an absurd value, a jump to a
   * chain that does not exist): the rule may match anything its understood parts allow, and its
   * effect is unknown.
   */
  unknown?: string;
}

export interface ChainFact {
  name: string;
  /** Base chains only: where packets enter it. Absent: a regular chain, reached by jump/goto. */
  hook?: Hook;
  /** nftables type: filter / nat / route; iptables: the table. */
  type?: 'filter' | 'nat' | 'route' | 'raw' | 'mangle';
  /** Lower runs first on the same hook (nftables priorities; iptables tables map onto them). */
  priority?: number;
  /** Base chains: what happens when no rule decided. */
  policy?: RuleAction;
  rules: RuleFact[];
  at: Provenance;
}

export interface FirewallFact {
  /** As a user would name it: "nftables table inet filter", "firewalld zone public", "sg-0abc (web)". */
  name: string;
  /** Where it likely sits, when the format says (Windows Firewall and ufw: on the server). */
  location?: FirewallLocation;
  /** Why `location` was chosen, or why it could not be. */
  locationReason?: string;
  /**
   * Firewalls with the same union key are attached together and a connection any of them allows
   * passes (AWS security groups on one instance); without one, firewalls are passed in series.
   */
  union?: string;
  /** nftables family of the table (ip, ip6, inet, …); others: absent. */
  family?: string;
  chains: ChainFact[];
  at: Provenance;
}

/** Destination NAT (port forwards) and source NAT (SNAT, masquerade). */
export interface NatFact {
  kind: 'dnat' | 'redirect' | 'snat' | 'masquerade';
  /** Which connections it applies to (iif, dst, dport for DNAT; oif, src for SNAT). */
  match: Match;
  /** The new address and/or port range; absent address: the port is changed only (redirect). */
  to?: { address?: string; ports?: PortRange };
  at: Provenance;
  /** Set when the rule cannot be evaluated (a map filled at run time, …). */
  unknown?: string;
}

/**
 * Stateful FTP inspection (nf_conntrack_ftp, firewalld's ftp service, Windows StatefulFtp):
 * whether a helper watches control connections, on which ports, and for which traffic.
 */
export interface FtpInspectionFact {
  kind:
    | 'helper-assigned' // ct helper set "ftp…", -j CT --helper ftp, firewalld service ftp
    | 'helper-object' // nft `ct helper NAME { type "ftp" protocol tcp; }`
    | 'module-ports' // options nf_conntrack_ftp ports=21,2121
    | 'stateful-ftp'; // Windows StatefulFtp Enable/Disable
  enabled: boolean;
  /** Control ports it watches, when said. */
  ports?: number[];
  /** The traffic it is assigned to (helper-assigned). */
  match?: Match;
  /** Helper object name (nft) or helper name ('ftp', 'ftp-2121'). */
  name?: string;
  at: Provenance;
}

/**
 * Something that makes the prediction "unknown" for the ports it touches: a set filled at run
 * time, a jump to an unknown chain, a rule that cannot be evaluated.
 */
export interface UnknownFact {
  reason: string;
  /** Destination ports it touches; absent: any port. */
  ports?: PortRange[];
  at: Provenance;
}

export interface FirewallFacts {
  kind: FirewallKind;
  file: string;
  firewalls: FirewallFact[];
  nat: NatFact[];
  ftpInspection: FtpInspectionFact[];
  unknowns: UnknownFact[];
  notUnderstood: NotUnderstood[];
}

/** Bad input that cannot be read at all: names the file and line. */
export class FirewallParseError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly reason: string,
  ) {
    super(`${file}:${line}: ${reason}`);
    this.name = 'FirewallParseError';
  }
}

export function emptyFacts(kind: FirewallKind, file: string): FirewallFacts {
  return { kind, file, firewalls: [], nat: [], ftpInspection: [], unknowns: [], notUnderstood: [] };
}
