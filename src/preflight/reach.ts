/**
 * Static reachability: for the control port and each span of the passive range, what happens to
 * a client's new connection, with every file:line that decides it. Publishing first (a port not
 * published on a Docker/Kubernetes host is refused there), then each firewall's verdict, then the
 * FTP helper (which opens data ports only while it can read the control connection).
 */
import { spans, verdictPhrase, verdictPlace, type FirewallView } from './firewall-view.js';
import { placeOf, quoteOf, rangeText, type PortRange, type Publication } from './model.js';
import type { BuiltScenario } from './scenario-build.js';
import type { SiteFacts } from './site.js';

export type Outcome = 'open' | 'blocked' | 'refused' | 'unknown';

export interface PortsOutcome {
  ports: PortRange;
  outcome: Outcome;
  /** Evidence lines: "compose.yml:9 publishes 50000-50050", "nftables.conf:3 policy drop". */
  because: string[];
  /** Open only through an FTP helper: fails as soon as the control connection is encrypted. */
  viaHelper?: string;
}

export interface Reach {
  control: PortsOutcome;
  passive: PortsOutcome[];
}

export function reachOf(site: SiteFacts, built: BuiltScenario, tlsInUse: boolean): Reach {
  const publications = built.behindNat ? site.publications.filter((publication) => publication.protocol === 'tcp') : [];
  const cuts = [...publications.flatMap((publication) => [publication.serverPorts.from, publication.serverPorts.to + 1]), ...built.views.flatMap((view) => view.passive.map((span) => span.ports.from))];
  const control = judge({ from: built.controlPort, to: built.controlPort }, publications, built, 'control', tlsInUse, site);
  const passive = spans(built.passiveRange, cuts).map((ports) => judge(ports, publications, built, 'passive', tlsInUse, site));
  return { control, passive: fold(passive) };
}

function judge(ports: PortRange, publications: Publication[], built: BuiltScenario, what: 'control' | 'passive', tlsInUse: boolean, site: SiteFacts): PortsOutcome {
  const because: string[] = [];
  if (built.behindNat && publications.length > 0) {
    const same = publications.find((publication) => publication.serverPorts.from <= ports.from && ports.from <= publication.serverPorts.to && publication.hostPorts.from === publication.serverPorts.from);
    if (!same) {
      const shifted = publications.find((publication) => publication.serverPorts.from <= ports.from && ports.from <= publication.serverPorts.to);
      const near = nearest(publications, ports);
      const listed = near ? `${placeOf(near.at)} publishes ${rangeText(near.hostPorts)}` : 'nothing is published';
      if (shifted && what === 'control') because.push(`${quoteOf(shifted.at)}: clients dial host port ${rangeText(shifted.hostPorts)} for it`);
      else {
        because.push(shifted ? `${quoteOf(shifted.at)} publishes container ports ${rangeText(shifted.serverPorts)} on other host ports (${rangeText(shifted.hostPorts)}), but the server's replies name the container ports` : `not published: ${listed}`);
        return { ports, outcome: 'refused', because };
      }
    } else because.push(`${quoteOf(same.at)} publishes ${rangeText(same.hostPorts)}`);
  }
  let outcome: Outcome = 'open';
  let viaHelper: string | undefined;
  for (const view of built.views) {
    // An inside client does not cross the edge (as in the scenario built).
    if (built.client === 'inside' && view.location === 'edge') continue;
    const verdict = what === 'control' ? view.control : view.passive.find((span) => span.ports.from <= ports.from && ports.from <= span.ports.to)?.verdict;
    if (!verdict) continue;
    if (verdict.verdict === 'accept') {
      // "No chain filters this way" says nothing about the port: not worth a line.
      if (verdict.by !== 'policy' || verdict.chain) because.push(verdictPhrase(verdict));
      continue;
    }
    if (verdict.verdict === 'unknown') {
      because.push(`${verdictPlace(verdict)}: ${verdict.reason ?? 'cannot be evaluated'}`);
      if (outcome === 'open') outcome = 'unknown';
      continue;
    }
    if (what === 'passive' && view.helper && view.related?.verdict === 'accept') {
      viaHelper = `${placeOf(view.helper.at)} ${view.helper.at.text} (FTP inspection), ${verdictPlace(view.related)} accepts what it expects`;
      because.push(`${verdictPhrase(verdict)} new connections; only ${viaHelper}`);
      if (!tlsInUse) continue;
    } else because.push(verdictPhrase(verdict));
    return { ports, outcome: verdict.verdict === 'reject' ? 'refused' : 'blocked', because, ...(viaHelper ? { viaHelper } : {}) };
  }
  void site;
  return { ports, outcome, because, ...(viaHelper ? { viaHelper } : {}) };
}

/** The publication whose ports lie closest to these (the one a reader compares them with). */
export function nearest(publications: readonly Publication[], ports: PortRange): Publication | undefined {
  const distance = (publication: Publication) => Math.max(0, publication.serverPorts.from - ports.to, ports.from - publication.serverPorts.to);
  return [...publications].sort((a, b) => distance(a) - distance(b))[0];
}

/**
 * Neighbouring spans with the same outcome are one, their reasons joined: ports published one per
 * entry (compose "21100:21100", "21101:21101"; a Kubernetes Service can publish no other way) are
 * one span, not several one-port spans (the simulation would pin a one-port server to each).
 */
function fold(outcomes: PortsOutcome[]): PortsOutcome[] {
  const out: PortsOutcome[] = [];
  for (const outcome of outcomes) {
    const last = out.at(-1);
    if (last && last.outcome === outcome.outcome && last.viaHelper === outcome.viaHelper && last.ports.to + 1 === outcome.ports.from) {
      last.ports = { from: last.ports.from, to: outcome.ports.to };
      for (const line of outcome.because) if (!last.because.includes(line)) last.because.push(line);
    } else out.push({ ...outcome, because: [...outcome.because] });
  }
  return out;
}
