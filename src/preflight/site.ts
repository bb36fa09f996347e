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

const SETTINGS = ['controlPort', 'passiveRange', 'advertisedAddress', 'tls', 'tlsRequired', 'passiveDisabled'] as const;

export function mergeSite(inputs: readonly InputFacts[], firewalls: readonly FirewallFacts[]): SiteFacts {
  const site: SiteFacts = {
    inputs: [...inputs.map(({ file, kind }) => ({ file, kind })), ...firewalls.map(({ file, kind }) => ({ file, kind }))],
    publications: inputs.flatMap((input) => input.publications),
    firewalls: [...firewalls],
    notUnderstood: [...inputs.flatMap((input) => input.notUnderstood), ...firewalls.flatMap((facts) => facts.notUnderstood)],
    notes: inputs.flatMap((input) => input.notes),
  };
  const servers = inputs.flatMap((input) => input.servers.slice(0, 1));
  // Image conventions first, config files after: a later value replaces an earlier one.
  const ordered = [...servers.filter((server) => server.image !== undefined), ...servers.filter((server) => server.image === undefined)];
  for (const server of ordered) site.server = site.server ? mergeServer(site.server, server, site.notes) : { ...server };
  return site;
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
