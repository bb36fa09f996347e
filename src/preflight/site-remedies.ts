/**
 * Remedies fitted to the files read: `probe` cannot know which firewall stands in the way and
 * offers every product's; preflight read the files, so a passive-port finding shows the host or
 * cloud firewall remedies only of the firewalls actually read, the server's remedy narrows its
 * range to what gets through (not the setting already in place), and each publishing file read
 * gets its own line: publish the server's whole range.
 */
import { remediesFor, type RemedyContext } from '../diagnosis/remedies/index.js';
import type { Finding, Remedy } from '../report/model.js';
import type { FirewallKind } from './firewalls/model.js';
import { rangeText, type PortRange } from './model.js';
import type { Reach } from './reach.js';
import type { SiteFacts } from './site.js';

/** Remedy products that are a firewall, and the file kinds that are each. */
const FIREWALL_PRODUCTS: ReadonlyMap<string, readonly FirewallKind[]> = new Map([
  ['nftables', ['nftables', 'nftables-json', 'firewalld-zone', 'firewalld-list', 'modprobe']],
  ['iptables', ['iptables-save', 'ufw', 'modprobe']],
  ['Windows Firewall', ['netsh-rules', 'netsh-global']],
  ['Cloud security group', ['aws-security-groups', 'terraform-security-group', 'azure-nsg', 'gcp-firewall']],
]);

const PASSIVE_CODES = new Set(['PASV_PORT_OUT_OF_RANGE', 'DATA_CHANNEL_BLOCKED', 'DATA_CHANNEL_REFUSED', 'TLS_BREAKS_INSPECTION']);

export function fitRemediesToSite(findings: readonly Finding[], site: SiteFacts, reach: Reach, context: RemedyContext): Finding[] {
  const kinds = new Set(site.firewalls.map((facts) => facts.kind));
  return findings.map((finding) => {
    if (!PASSIVE_CODES.has(finding.code)) return finding;
    let remedies = finding.remedies.map((remedy) => hideUnreadFirewall(remedy, kinds));
    if (finding.code === 'PASV_PORT_OUT_OF_RANGE' && site.server) remedies = [...publishRemedies(site, reach, context.range), ...narrowServer(remedies, site.server.product, reach, context)];
    // The whole range unpublished: the same two ways as half of it (not the range already set).
    else if (finding.code === 'DATA_CHANNEL_REFUSED' && site.server && reach.passive.every((span) => span.outcome === 'refused')) remedies = [...publishRemedies(site, reach, context.range), ...moveServer(remedies, site.server.product, site, reach, context)];
    return { ...finding, remedies };
  });
}

function hideUnreadFirewall(remedy: Remedy, kinds: ReadonlySet<FirewallKind>): Remedy {
  const fileKinds = FIREWALL_PRODUCTS.get(remedy.product);
  if (!fileKinds || fileKinds.some((kind) => kinds.has(kind))) return remedy;
  return { ...remedy, shown: false };
}

/** The server's own remedy, for the largest span that gets through instead of its current range. */
function narrowServer(remedies: Remedy[], product: string, reach: Reach, context: RemedyContext): Remedy[] {
  const open = reach.passive.filter((span) => span.outcome === 'open').sort((a, b) => size(b.ports) - size(a.ports))[0];
  if (!open) return remedies;
  const [narrowed] = remediesFor(['passive-range'], { ...context, range: open.ports, rangeIsExample: false }).filter((remedy) => remedy.product === product);
  if (!narrowed) return remedies;
  const text = `Or narrow the server's range to what gets through, ${rangeText(open.ports)}: ${narrowed.text}`;
  return remedies.map((remedy) => (remedy.product === product ? { ...narrowed, text } : remedy));
}

/** The server's own remedy, for the largest passive span published (the control port's aside). */
function moveServer(remedies: Remedy[], product: string, site: SiteFacts, reach: Reach, context: RemedyContext): Remedy[] {
  const control = reach.control.ports.from;
  const published = site.publications
    .filter((publication) => publication.protocol === 'tcp' && publication.hostPorts.from === publication.serverPorts.from && publication.hostPorts.to === publication.serverPorts.to && !(publication.serverPorts.from <= control && control <= publication.serverPorts.to))
    .sort((a, b) => size(b.serverPorts) - size(a.serverPorts))[0];
  if (!published) return remedies;
  const [moved] = remediesFor(['passive-range'], { ...context, range: published.serverPorts, rangeIsExample: false }).filter((remedy) => remedy.product === product);
  if (!moved) return remedies;
  const text = `Or move the server's range into what is published, ${rangeText(published.serverPorts)}: ${moved.text}`;
  return remedies.map((remedy) => (remedy.product === product ? { ...moved, text } : remedy));
}

/** A publishing file that leaves part of the range unpublished: publish it all there. */
function publishRemedies(site: SiteFacts, reach: Reach, range: PortRange): Remedy[] {
  if (!reach.passive.some((span) => span.outcome === 'refused')) return [];
  const files = [...new Map(site.publications.map((publication) => [publication.at.file, publication])).values()];
  const all = rangeText(range);
  return files.map((publication): Remedy => {
    if (publication.via.startsWith('Kubernetes')) return { product: 'Kubernetes', text: `Publish every port of the server's passive range ${all} in ${publication.at.file} (a Service lists ports one at a time: one entry each).` };
    if (publication.via === 'compose ports') return { product: 'Docker Compose', text: `Publish the server's whole passive range ${all} in ${publication.at.file} (under ports:).`, commands: [`- "${all}:${all}"`] };
    return { product: 'Docker', text: `Publish the server's whole passive range ${all} (${publication.at.file}).`, commands: [`-p ${all}:${all}`] };
  });
}

const size = (range: PortRange): number => range.to - range.from + 1;
