/**
 * The site as the scenario the simulator (and the netns backend) already runs: the server's
 * settings on the server host, publishing as the edge's DNAT, each firewall read from a file as
 * rules on the host it sits on (compiled from its verdicts for the ports that matter, see
 * firewall-view.ts), FTP inspection as the helper. The scenario's addresses stand for the real
 * ones: the address clients dial is the edge's outside address (behind NAT) or the server's.
 */
import { isIP } from 'node:net';
import { DEFAULT_ADDRESSES, type Firewall, type Rule, type RuleAction, type Scenario, type Topology } from '../topology/model.js';
import type { TcpVerdict } from './firewalls/evaluate.js';
import { viewFirewall, type FirewallView } from './firewall-view.js';
import { rangeText, type PortRange } from './model.js';
import type { SiteFacts } from './site.js';

export interface PredictOptions {
  /** What clients dial (an IPv4 address); absent: taken from the advertised address when public. */
  publicAddress?: string;
  client: 'inside' | 'outside';
  /** The interface client connections arrive on, as rules name it (iifname); default: one no rule names. */
  interfaceName?: string;
}

export interface BuiltScenario {
  scenario: Scenario;
  views: FirewallView[];
  controlPort: number;
  passiveRange: PortRange;
  /** The public address the prediction assumes, and whether the user gave it. */
  publicAddress?: { address: string; given: boolean };
  behindNat: boolean;
  client: PredictOptions['client'];
  assumptions: string[];
}

/** Ports an OS hands out when a server has no range (Linux's ephemeral range is inside this). */
export const ANY_PORT: PortRange = { from: 1024, to: 65535 };

export const NO_INTERFACE = 'client-side0';

export function isPrivateAddress(address: string): boolean {
  return /^(10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.|127\.|169\.254\.|0\.|100\.(6[4-9]|[7-9]\d|1[01]\d|12[0-7])\.)/.test(address);
}

export function buildScenario(site: SiteFacts, options: PredictOptions): BuiltScenario {
  const server = site.server;
  const assumptions: string[] = [];
  const tls = server?.tls?.value ?? 'none';
  const controlPort = server?.controlPort?.value ?? (tls === 'implicit' ? 990 : 21);
  const passiveRange = server?.passiveRange?.value ?? ANY_PORT;
  if (!server) assumptions.push(`no server configuration read: which passive ports the server hands out is unknown (${rangeText(ANY_PORT)} is checked)`);
  else if (!server.passiveRange) assumptions.push(`no passive range is set: the server hands out any free port (${rangeText(ANY_PORT)} is checked)`);
  const published = options.client === 'outside' && site.publications.length > 0;
  const natFromFirewall = site.firewalls.some((facts) => facts.nat.some((nat) => nat.kind === 'dnat'));
  const behindNat = options.client === 'outside' && (published || natFromFirewall);
  const client = DEFAULT_ADDRESSES.client;
  const views = site.firewalls.map((facts) => viewFirewall(facts, { controlPort, passiveRange, published, client, interfaceName: options.interfaceName ?? NO_INTERFACE }));
  const topology: Topology = { server: { port: controlPort, tls } };
  const settings = topology.server as NonNullable<Topology['server']>;
  if (server?.passiveRange) settings.pasvRange = rangeText(server.passiveRange.value);
  if (server?.tlsRequired?.value && tls !== 'none') settings.requireTls = true;
  // The public address: given, or the advertised one when it is a public IP.
  const advertised = server?.advertisedAddress?.value;
  const publicAddress = options.publicAddress ? { address: options.publicAddress, given: true } : advertised && isIP(advertised) === 4 && !isPrivateAddress(advertised) ? { address: advertised, given: false } : undefined;
  const dialled = behindNat ? DEFAULT_ADDRESSES.edgeOutside : DEFAULT_ADDRESSES.server;
  if (advertised !== undefined) {
    if (isIP(advertised) === 0) {
      assumptions.push(`${server?.advertisedAddress?.at.file}:${server?.advertisedAddress?.at.line}: ${advertised} is a name; taken to resolve to the address clients dial`);
      settings.externalIp = dialled;
    } else if (publicAddress && advertised === publicAddress.address) settings.externalIp = dialled;
    else settings.externalIp = advertised;
  }
  if (behindNat) {
    const nat: NonNullable<Topology['nat']> = {};
    const forward: string[] = [];
    const forwardToPort: { ports: string; toPort: number }[] = [];
    for (const publication of site.publications) {
      if (publication.protocol !== 'tcp') continue;
      if (publication.hostPorts.from === publication.serverPorts.from) forward.push(rangeText(publication.hostPorts));
      else if (publication.serverPorts.from === publication.serverPorts.to) forwardToPort.push({ ports: rangeText(publication.hostPorts), toPort: publication.serverPorts.from });
      else assumptions.push(`${publication.at.file}:${publication.at.line}: host ports ${rangeText(publication.hostPorts)} go to other container ports (${rangeText(publication.serverPorts)}); the simulation cannot shift a range, these are left out`);
    }
    if (forward.length > 0) nat.forward = disjoint(forward);
    if (forwardToPort.length > 0) nat.forwardToPort = forwardToPort;
    topology.nat = nat;
  }
  const firewalls = views.map((view) => compileFirewall(view, controlPort));
  // Inside clients do not cross the edge: only the server host's own firewall stands between.
  topology.firewalls = options.client === 'inside' ? firewalls.filter((firewall) => firewall.at !== 'edge') : firewalls;
  if (topology.firewalls.length === 0) delete topology.firewalls;
  const scenario: Scenario = {
    id: 'preflight',
    title: `preflight of ${site.inputs.map((input) => input.file).join(', ')}`,
    description: 'The site the configuration files describe, as `ftp-doctor preflight` read it.',
    source: 'ftp-doctor preflight',
    topology,
    client: { dial: behindNat ? 'edge' : 'server', modes: ['epsv', 'pasv'], tls: tls === 'implicit' ? 'implicit' : tls === 'explicit' ? 'explicit' : 'none' },
    expect: { verdict: 'pass' },
  };
  return { scenario, views, controlPort, passiveRange, ...(publicAddress ? { publicAddress } : {}), behindNat, client: options.client, assumptions };
}

/** Published ranges that overlap are merged (a port may be forwarded once). */
function disjoint(ranges: string[]): string[] {
  const parsed = ranges.map((text) => text.split('-').map(Number)).map(([from = 0, to]) => ({ from, to: to ?? from })).sort((a, b) => a.from - b.from);
  const out: PortRange[] = [];
  for (const range of parsed) {
    const last = out.at(-1);
    if (last && range.from <= last.to + 1) last.to = Math.max(last.to, range.to);
    else out.push({ ...range });
  }
  return out.map(rangeText);
}

const action = (verdict: TcpVerdict): RuleAction => (verdict.verdict === 'unknown' ? 'accept' : verdict.verdict);

const placeText = (verdict: TcpVerdict): string => (verdict.by === 'policy' ? (verdict.chain ? `${verdict.chain.file}:${verdict.chain.line} policy` : 'no rule') : `${verdict.by.file}:${verdict.by.line}`);

/** One firewall of the topology from a view: the control port, each passive span, related data. */
function compileFirewall(view: FirewallView, controlPort: number): Firewall {
  const rules: Rule[] = [];
  if (view.helper && view.related?.verdict === 'accept') rules.push({ comment: `${placeText(view.related)} (related, FTP helper)`, direction: 'in', state: ['related'], action: 'accept' });
  rules.push({ comment: placeText(view.control), direction: 'in', dport: controlPort, state: ['new'], action: action(view.control) });
  for (const span of view.passive) rules.push({ comment: placeText(span.verdict), direction: 'in', dport: rangeText(span.ports), state: ['new'], action: action(span.verdict) });
  const firewall: Firewall = { name: `${view.facts.kind} ${view.facts.file}`, at: view.location, policy: 'accept', rules };
  if (view.helper) firewall.ftpHelper = { ports: view.helper.ports ?? [] };
  if (firewall.ftpHelper && (firewall.ftpHelper.ports ?? []).length === 0) delete firewall.ftpHelper.ports;
  return firewall;
}
