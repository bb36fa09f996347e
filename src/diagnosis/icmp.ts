/**
 * An ICMP destination-unreachable that answered a SYN, in words (pure). The code says who answered
 * and why: "administratively prohibited" is a firewall's reject rule naming itself (nftables
 * `reject with icmpx admin-prohibited`, iptables `REJECT --reject-with icmp-admin-prohibited`);
 * "port unreachable" in answer to TCP is a reject rule's default too, since a host's own TCP stack
 * answers a closed port with a reset; "host/address unreachable" is a router that could not reach
 * the host. The reporter is the ICMP's source address.
 */
import type { ObservedIcmpUnreachable } from '../evidence/observed.js';
import { provenanceText } from '../evidence/provenance.js';

type IcmpKind = 'prohibited' | 'port' | 'host' | 'network' | 'other';

interface CodeWords {
  kind: IcmpKind;
  words: string;
}

/** RFC 792 / RFC 1812 (type 3) codes we name; the rest are said by number. */
const ICMP4: Record<number, CodeWords> = {
  0: { kind: 'network', words: 'network unreachable' },
  1: { kind: 'host', words: 'host unreachable' },
  3: { kind: 'port', words: 'port unreachable' },
  9: { kind: 'prohibited', words: 'network administratively prohibited' },
  10: { kind: 'prohibited', words: 'host administratively prohibited' },
  13: { kind: 'prohibited', words: 'communication administratively prohibited' },
};

/** RFC 4443 (type 1) codes. */
const ICMP6: Record<number, CodeWords> = {
  0: { kind: 'network', words: 'no route to destination' },
  1: { kind: 'prohibited', words: 'communication with destination administratively prohibited' },
  3: { kind: 'host', words: 'address unreachable' },
  4: { kind: 'port', words: 'port unreachable' },
  5: { kind: 'prohibited', words: 'source address failed ingress/egress policy' },
  6: { kind: 'prohibited', words: 'reject route to destination' },
};

function codeWords(icmp: ObservedIcmpUnreachable): CodeWords {
  return (icmp.version === 4 ? ICMP4 : ICMP6)[icmp.code] ?? { kind: 'other', words: icmp.name };
}

/** 'ICMP type 3 code 13 "communication administratively prohibited"'. */
export function icmpCodeText(icmp: ObservedIcmpUnreachable): string {
  return `${icmp.version === 4 ? 'ICMP type 3' : 'ICMPv6 type 1'} code ${icmp.code} "${codeWords(icmp).words}"`;
}

/** A firewall's reject rather than a router that could not deliver. */
export function icmpIsFirewallReject(icmp: ObservedIcmpUnreachable): boolean {
  const kind = codeWords(icmp).kind;
  return kind === 'prohibited' || kind === 'port';
}

/** "ICMP type 3 code 13 (…) from 192.0.2.1 at client.pcap frame 12": for the proof line. */
export function icmpProof(icmp: ObservedIcmpUnreachable): string {
  const where = provenanceText(icmp.at);
  return `${icmpCodeText(icmp)} from ${icmp.reporter}${where ? ` at ${where}` : ''}`;
}

/** Who answered, in words: the dialled host's own address is its own firewall. */
function reporterWords(icmp: ObservedIcmpUnreachable, dialedHost: string | undefined): string {
  return dialedHost !== undefined && icmp.reporter === dialedHost ? `the server's own firewall (the ICMP came from the server's address ${icmp.reporter})` : `a firewall at ${icmp.reporter}`;
}

/** The SYN's fate in one clause, for "the client's data connect … <clause>". */
export function icmpClause(icmp: ObservedIcmpUnreachable, dialedHost: string | undefined, afterWait: string): string {
  const { kind } = codeWords(icmp);
  const code = icmpCodeText(icmp);
  const frame = icmp.at.source === 'capture' ? `, frame ${icmp.at.frame}` : '';
  const answered = `failed${afterWait}: ${icmp.reporter} answered ${code} (${frame.slice(2) || 'seen'})`;
  const v4 = icmp.version === 4;
  switch (kind) {
    case 'prohibited': {
      const rules = v4
        ? 'nftables `reject with icmpx admin-prohibited`, iptables `-j REJECT --reject-with icmp-admin-prohibited`, or `icmp-host-prohibited`, the default of RHEL\'s iptables and older firewalld'
        : 'nftables `reject with icmpx admin-prohibited`, ip6tables `-j REJECT --reject-with icmp6-adm-prohibited`';
      return `was rejected${afterWait} by ${reporterWords(icmp, dialedHost)} as administratively prohibited (${code}${frame}): a firewall rule rejects connections to the data port (${rules}) — the firewall is there and chose to refuse: the FTP server never saw the connection`;
    }
    case 'port':
      return (
        `was rejected${afterWait} by ${reporterWords(icmp, dialedHost)} with ${code}${frame}: a host's own TCP answers a closed port with a reset, not this, so it is a firewall reject rule's default answer ` +
        `(an ${v4 ? 'iptables' : 'ip6tables'} \`-j REJECT\` or an nftables \`reject\` without \`with\`) on the data port`
      );
    case 'host':
      return `${answered}: a router that could not reach the host (no ${v4 ? 'ARP' : 'neighbour-discovery'} answer: the host is down or the address is wrong on that network), or a firewall rejecting with that code`;
    case 'network':
      return `${answered}: a router with no route to the server's network`;
    default:
      return `${answered}: a router or firewall on the path refusing to forward to this address and port`;
  }
}

/** For the summary, "the 2 to 40000-40001 <words>": when one firewall rejected them all, who and how. */
export function icmpSummaryWords(icmps: readonly (ObservedIcmpUnreachable | undefined)[]): string | undefined {
  const [first] = icmps;
  if (!first || icmps.some((icmp) => icmp?.reporter !== first.reporter || codeWords(icmp).kind !== codeWords(first).kind)) return undefined;
  const { kind } = codeWords(first);
  if (kind === 'prohibited') return `were rejected as administratively prohibited by a firewall at ${first.reporter}`;
  if (kind === 'port') return `were rejected by a firewall at ${first.reporter} (ICMP port unreachable)`;
  return undefined;
}

/** For a finding's title, "Data connections to … are <words>": who rejected them and how, when a firewall did. */
export function icmpTitleWords(icmp: ObservedIcmpUnreachable): string | undefined {
  const { kind } = codeWords(icmp);
  if (kind === 'prohibited') return `rejected as administratively prohibited by a firewall (${icmp.reporter})`;
  if (kind === 'port') return `rejected by a firewall (${icmp.reporter}, ICMP port unreachable)`;
  return undefined;
}
