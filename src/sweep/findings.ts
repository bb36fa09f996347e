/**
 * Pure: per-port results → folded spans, the first and last failing port, and findings with
 * remedies. A finding names the spans it is about, so "5520-5525 dropped" in the table and the
 * finding's evidence always agree.
 */
import { foldPorts, formatSpans, type PortSpan } from '../report/format.js';
import type { Finding, FindingCode, PortState } from '../report/model.js';
import { findingEntry } from '../findings/registry.js';
import { remediesFor, type Problem, type RemedyContext } from '../diagnosis/remedies/index.js';
import { rangeSize, type PortRange, type PortResult } from './options.js';

/**
 * 16384 → "16,384", as toLocaleString('en-US') writes it, without its cost: the first use of Intl
 * in a process loads ICU data (7–140 ms in profiles of a sweep, inside its measured duration).
 */
export function count(value: number): string {
  if (!Number.isSafeInteger(value)) return value.toLocaleString('en-US');
  const digits = String(Math.abs(value));
  let grouped = digits.slice(0, digits.length % 3 || 3);
  for (let index = grouped.length; index < digits.length; index += 3) grouped += `,${digits.slice(index, index + 3)}`;
  return value < 0 ? `-${grouped}` : grouped;
}

export interface FailingPorts {
  first: number;
  last: number;
  count: number;
}

export function failingPorts(results: readonly PortResult[]): FailingPorts | undefined {
  const failing = results.filter((result) => result.state !== 'open').map((result) => result.port);
  if (failing.length === 0) return undefined;
  return { first: Math.min(...failing), last: Math.max(...failing), count: failing.length };
}

export function foldResults(results: readonly PortResult[]): PortSpan[] {
  return foldPorts(results);
}

interface StateFinding {
  code: FindingCode;
  title: (ports: number, tested: number) => string;
  explanation: string;
  problems: Problem[];
}

/** One finding per failing state, in the order a reader should fix them. */
const BY_STATE: Partial<Record<PortState, StateFinding>> = {
  misrouted: {
    code: 'DATA_MISROUTED',
    title: (ports) => `${count(ports)} passive port${ports === 1 ? '' : 's'} reach something other than the server`,
    explanation:
      'The data connection was accepted, but not by the listener the server opened for that port: the token it sends first was wrong or missing. ' +
      'NAT or port forwarding sends these ports to another port or another host.',
    problems: ['misrouted'],
  },
  dropped: {
    code: 'DATA_CHANNEL_BLOCKED',
    title: (ports, tested) => `${count(ports)} of ${count(tested)} passive ports are silently dropped`,
    explanation:
      'The server listened on these ports, but connections to them got no answer at all before the deadline: a firewall on the path drops them. ' +
      'Clients that get one of these ports from PASV/EPSV hang at LIST ("login works but LIST hangs"), intermittently if only part of the range is affected.',
    problems: ['open-passive-range'],
  },
  refused: {
    code: 'DATA_CHANNEL_REFUSED',
    title: (ports, tested) => `${count(ports)} of ${count(tested)} passive ports are refused`,
    explanation:
      'The server listened on these ports, but connections to them were actively refused (a TCP reset or an ICMP error): a firewall reject rule, ' +
      'or a forwarding rule that leads to a host where nothing listens.',
    problems: ['open-passive-range'],
  },
  error: {
    code: 'SWEEP_PORT_ERROR',
    title: (ports) => `${count(ports)} passive port${ports === 1 ? '' : 's'} could not be proved`,
    explanation: 'The port could not be tested end to end (the server could not listen on it, TLS failed, or the transfer broke); each port says why.',
    problems: [],
  },
};

export interface FindingContext {
  range: PortRange;
  /** The address clients should be given: the one we reached the server at. */
  publicAddress: string;
  controlPort: number;
}

/** How many port details a finding quotes: enough to see the pattern, not the whole range. */
const DETAIL_LINES = 5;

export function stateFindings(results: readonly PortResult[], context: FindingContext): Finding[] {
  const spans = foldResults(results);
  const tested = results.length;
  const remedyContext: RemedyContext = { range: context.range, rangeIsExample: false, publicAddress: context.publicAddress, controlPort: context.controlPort };
  const findings: Finding[] = [];
  for (const state of ['misrouted', 'dropped', 'refused', 'error'] as const) {
    const described = BY_STATE[state];
    const affected = results.filter((result) => result.state === state);
    if (!described || affected.length === 0) continue;
    const first = Math.min(...affected.map((result) => result.port));
    const last = Math.max(...affected.map((result) => result.port));
    const details = [...new Map(affected.map((result) => [result.detail ?? '', result.port])).entries()]
      .slice(0, DETAIL_LINES)
      .map(([detail, port]) => `port ${port}: ${detail || state}`);
    findings.push({
      code: described.code,
      severity: findingEntry(described.code).severity,
      title: described.title(affected.length, tested),
      explanation: described.explanation,
      evidence: [
        `${state}: ${formatSpans(spans.filter((span) => span.state === state))}`,
        first === last ? `the only ${state} port: ${first}` : `first ${state} port ${first}, last ${last}`,
        ...details,
      ],
      remedies: described.problems.length > 0 ? remediesFor(described.problems, remedyContext) : [],
    });
  }
  return findings;
}

/** The pasv-sampling method saw only part of the range: say so, with the number. */
export function coverageFinding(tested: number, wanted: number, range: PortRange, requests: number, stoppedBecause: string): Finding | undefined {
  if (tested >= wanted) return undefined;
  const size = rangeSize(range);
  return {
    code: 'SWEEP_PARTIAL_COVERAGE',
    severity: findingEntry('SWEEP_PARTIAL_COVERAGE').severity,
    title: `Only ${count(tested)} of ${count(wanted === size ? size : wanted)} ports proved (${count(size)} in the range)`,
    explanation:
      'Without the SITE SWEEP extension the sweep can only test the ports the server happens to hand out in PASV/EPSV replies. ' +
      'Ports it never handed out are untested, not known good. Run `ftp-doctor serve --pasv-range A-B --allow-sweep` on the server host to prove every port.',
    evidence: [`${count(requests)} PASV/EPSV requests; stopped because ${stoppedBecause}`],
    remedies: [],
  };
}

export function outOfRangeFinding(outside: ReadonlyMap<number, number>, range: PortRange, context: FindingContext): Finding | undefined {
  if (outside.size === 0) return undefined;
  const ports = [...outside.keys()].sort((a, b) => a - b);
  const times = [...outside.values()].reduce((sum, value) => sum + value, 0);
  return {
    code: 'PASV_PORT_OUT_OF_RANGE',
    severity: findingEntry('PASV_PORT_OUT_OF_RANGE').severity,
    title: `The server handed out ${count(ports.length)} passive port${ports.length === 1 ? '' : 's'} outside ${range.from}-${range.to}`,
    explanation:
      'Data connections to ports outside the range the firewall allows fail; with a partial overlap the failure is intermittent. Those ports were not tested.',
    evidence: [`${count(times)} replies outside the range, e.g. ${ports.slice(0, 10).join(', ')}`],
    remedies: remediesFor(['passive-range'], { range, rangeIsExample: false, publicAddress: context.publicAddress, controlPort: context.controlPort }),
  };
}

export function sampleFinding(sampled: readonly number[], range: PortRange): Finding {
  return {
    code: 'SWEEP_SAMPLED',
    severity: findingEntry('SWEEP_SAMPLED').severity,
    title: `A random sample of ${count(sampled.length)} of ${count(rangeSize(range))} ports was proved`,
    explanation: 'With --sample the sweep proves only these ports; the others are untested. Run without --sample to prove the whole range.',
    evidence: [`sampled ports: ${sampled.join(', ')}`],
    remedies: [],
  };
}

/** A finding without remedies, at the registry's severity for the code unless the caller says otherwise. */
export function infoFinding(code: FindingCode, title: string, explanation: string, evidence: string[] = [], severity: Finding['severity'] = findingEntry(code).severity): Finding {
  return { code, severity, title, explanation, evidence, remedies: [] };
}
