/**
 * All inputs read into one site: the server (one, its settings merged from every file that speaks
 * of it), what publishes its ports, the firewalls in front, and everything not understood.
 * A server config file (vsftpd.conf, proftpd.conf…) says more than an image's defaults, so its
 * settings win over a container image's conventions; between two files of the same standing the
 * later one named wins, and the disagreement is said.
 */
import type { FirewallFacts } from './firewalls/model.js';
import type { Fact, InputFacts, NotUnderstood, Publication, ServerFacts } from './model.js';

export interface SiteFacts {
  inputs: { file: string; kind: string }[];
  server?: ServerFacts;
  publications: Publication[];
  firewalls: FirewallFacts[];
  notUnderstood: NotUnderstood[];
  notes: string[];
}

const SETTINGS = ['controlPort', 'passiveRange', 'advertisedAddress', 'tls', 'tlsRequired', 'passiveDisabled', 'pasvRefused'] as const;

/**
 * Everything but the server's settings is taken in file-name order, not the order named: the same
 * files give the same report, byte for byte, however the command line lists them. Only between
 * server files of the same standing does the order named matter (the later wins, said in a note).
 */
export function mergeSite(given: readonly InputFacts[], givenFirewalls: readonly FirewallFacts[]): SiteFacts {
  const inputs = [...given].sort(byFile);
  const firewalls = [...givenFirewalls].sort(byFile);
  const site: SiteFacts = {
    inputs: [...inputs.map(({ file, kind }) => ({ file, kind })), ...firewalls.map(({ file, kind }) => ({ file, kind }))],
    publications: [...inputs.flatMap((input) => input.publications), ...firewalls.flatMap(forwardsOf)],
    firewalls: [...firewalls],
    notUnderstood: [...inputs.flatMap((input) => input.notUnderstood), ...firewalls.flatMap((facts) => facts.notUnderstood)],
    notes: inputs.flatMap((input) => input.notes),
  };
  const servers = given.flatMap((input) => input.servers.slice(0, 1));
  // Image conventions first, config files after: a later value replaces an earlier one.
  const ordered = [...servers.filter((server) => server.image !== undefined), ...servers.filter((server) => server.image === undefined)];
  for (const server of ordered) site.server = site.server ? mergeServer(site.server, server, site.notes) : { ...server };
  // An image's "without PASV_ADDRESS…" note is moot once a config file sets the address.
  if (site.server?.advertisedAddress) site.notes = site.notes.filter((note) => !note.includes("advertises the container's own (private) address"));
  return site;
}

/** Code-unit order, not localeCompare: the same on every machine and locale. */
function byFile(a: { file: string }, b: { file: string }): number {
  return a.file < b.file ? -1 : a.file > b.file ? 1 : 0;
}

/**
 * A firewall's DNAT rules are port publishing as much as Docker's are: each TCP port range it
 * forwards becomes a publication (its own port, or the one port it is sent to).
 */
function forwardsOf(facts: FirewallFacts): Publication[] {
  const out: Publication[] = [];
  for (const nat of facts.nat) {
    if (nat.kind !== 'dnat' || nat.unknown || nat.match.dport?.negated) continue;
    const protocols = nat.match.protocol?.values ?? ['tcp'];
    if (!protocols.some((protocol) => protocol === 'tcp' || protocol === '6')) continue;
    for (const range of nat.match.dport?.values ?? []) {
      const target = nat.to?.ports;
      const serverPorts = !target || target.to - target.from === range.to - range.from ? (target ?? range) : { from: target.from, to: target.from };
      out.push({ hostPorts: range, serverPorts, protocol: 'tcp', via: `${facts.kind} DNAT`, at: nat.at });
    }
  }
  return out;
}

function mergeServer(base: ServerFacts, next: ServerFacts, notes: string[]): ServerFacts {
  const merged: ServerFacts = { ...base, product: next.image === undefined ? next.product : base.product };
  if (next.image && !merged.image) merged.image = next.image;
  for (const key of SETTINGS) {
    const later = next[key] as Fact<unknown> | undefined;
    if (!later) continue;
    const earlier = base[key] as Fact<unknown> | undefined;
    if (earlier && JSON.stringify(earlier.value) !== JSON.stringify(later.value) && !earlier.at.text.includes(' default ')) {
      notes.push(`${later.at.file}:${later.at.line} (${later.at.text}) overrides ${earlier.at.file}:${earlier.at.line} (${earlier.at.text})`);
    }
    (merged as unknown as Record<string, unknown>)[key] = later;
  }
  return merged;
}
