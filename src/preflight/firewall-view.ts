/**
 * What the firewalls read from files do to the connections an FTP session makes: the control
 * connection, and a new connection to each port of the passive range. Ports are taken in spans
 * whose verdict cannot differ (cut at every port number a rule, a publication or the range
 * names), each asked of the firewall evaluator (firewalls/evaluate.ts) once.
 */
import { evaluateTcp, type TcpQuery, type TcpVerdict } from './firewalls/evaluate.js';
import type { FirewallFacts, FtpInspectionFact, Match } from './firewalls/model.js';
import type { FirewallLocation } from '../topology/model.js';
import type { PortRange, Where } from './model.js';

export interface SpanVerdict {
  ports: PortRange;
  verdict: TcpVerdict;
}

export interface FirewallView {
  facts: FirewallFacts;
  location: FirewallLocation;
  direction: TcpQuery['direction'];
  /** Why it is placed there. */
  placedBecause: string;
  control: TcpVerdict;
  /** A new connection to each span of the passive range. */
  passive: SpanVerdict[];
  /** What a data connection the FTP helper expected ('related') gets, on the first passive port. */
  related?: TcpVerdict;
  /** The FTP helper watching the control port, when one does. */
  helper?: FtpInspectionFact;
}

export interface ViewQuestion {
  controlPort: number;
  passiveRange: PortRange;
  /** Ports are published through DNAT on a Docker/Kubernetes host: its firewall is the edge. */
  published: boolean;
  client: string;
  /** The interface name connections arrive on, compared with rules' iif/iifname. */
  interfaceName: string;
}

export function viewFirewall(facts: FirewallFacts, question: ViewQuestion): FirewallView {
  const declared = facts.firewalls.find((firewall) => firewall.location !== undefined)?.location;
  const hasForward = facts.firewalls.some((firewall) => firewall.chains.some((chain) => chain.hook === 'forward'));
  let location: FirewallLocation;
  let direction: TcpQuery['direction'];
  let placedBecause: string;
  if (question.published && declared !== 'client') {
    location = 'edge';
    direction = 'forward';
    placedBecause = 'ports are published by DNAT on this host, so its forward path (not input) is what sees them';
  } else {
    location = declared ?? 'server';
    direction = location === 'server' || !hasForward ? 'in' : 'forward';
    placedBecause = declared ? `the file says it sits on the ${declared}` : 'nothing says otherwise: taken as the server host\'s own firewall';
  }
  const ask = (port: number, state: TcpQuery['state']): TcpVerdict => evaluateTcp(facts, { direction, src: question.client, dport: port, state, iif: question.interfaceName, family: 4 });
  const control = ask(question.controlPort, 'new');
  const passive = spans(question.passiveRange, cutPoints(facts)).map((ports) => ({ ports, verdict: ask(ports.from, 'new') }));
  const helper = facts.ftpInspection.find((inspection) => inspection.enabled && watches(inspection, question.controlPort));
  const view: FirewallView = { facts, location, direction, placedBecause, control, passive, related: ask(question.passiveRange.from, 'related') };
  if (helper) view.helper = helper;
  return view;
}

function watches(inspection: FtpInspectionFact, port: number): boolean {
  if (inspection.ports) return inspection.ports.includes(port);
  const dport = inspection.match?.dport;
  if (!dport) return inspection.kind !== 'helper-object' && (inspection.kind !== 'module-ports' || port === 21);
  const inside = dport.values.some((range) => range.from <= port && port <= range.to);
  return dport.negated ? !inside : inside;
}

/** Every port where some rule's destination-port match starts or stops. */
function cutPoints(facts: FirewallFacts): number[] {
  const points: number[] = [];
  const add = (match: Match | undefined) => {
    for (const range of match?.dport?.values ?? []) points.push(range.from, range.to + 1);
  };
  for (const firewall of facts.firewalls) for (const chain of firewall.chains) for (const rule of chain.rules) add(rule.match);
  for (const nat of facts.nat) add(nat.match);
  return points;
}

/** The range cut into spans at the given points. */
export function spans(range: PortRange, points: readonly number[]): PortRange[] {
  const cuts = [...new Set(points.filter((point) => point > range.from && point <= range.to))].sort((a, b) => a - b);
  const out: PortRange[] = [];
  let from = range.from;
  for (const cut of cuts) {
    out.push({ from, to: cut - 1 });
    from = cut;
  }
  out.push({ from, to: range.to });
  return out;
}

/** "nftables.conf:14 tcp dport 21 accept" or "nftables.conf:3 (chain input) policy drop". */
export function verdictPlace(verdict: TcpVerdict): string {
  if (verdict.by === 'policy') return verdict.chain ? `${verdict.chain.file}:${verdict.chain.line} (${verdict.chain.text.replace(/\s*\{\s*$/, '')}) policy ${verdict.verdict}` : 'no chain filters this way';
  return `${verdict.by.file}:${verdict.by.line} ${verdict.by.text}`;
}

/** The verdict as a sentence part: "nftables.conf:8 tcp dport 21 accept accepts", policies as they are. */
export function verdictPhrase(verdict: TcpVerdict): string {
  const words: Record<string, string> = { accept: 'accepts', drop: 'drops', reject: 'rejects', unknown: 'may match' };
  return verdict.by === 'policy' ? verdictPlace(verdict) : `${verdictPlace(verdict)}: ${words[verdict.verdict] ?? verdict.verdict}`;
}

export function whereOfVerdict(verdict: TcpVerdict): Where | undefined {
  if (verdict.by === 'policy') return verdict.chain;
  return { file: verdict.by.file, line: verdict.by.line, text: verdict.by.text };
}
