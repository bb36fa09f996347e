/**
 * Normalising a report for the committed sample set (reports/): whatever changes from run to run
 * without the behaviour changing (dates, timings, client ephemeral ports, the tool version) is
 * replaced by fixed values, so a fresh run diffed against the samples shows only real changes.
 * Timestamps become positions (0, 10, 20 ms, ...) rather than zero, so event order, and with it
 * the sequence diagram, survives. Positions are given per probe (and per trace), in the order the
 * diagram draws them, one per event: two events that happen to share a millisecond in one run and
 * not in the next get the same positions both times. Random session ids in data-connection tokens
 * are renumbered too. Passive ports are kept: they are what the scenarios are about.
 */
import type { AnyReport, ConnectionEvent, ProbeReport, TraceEntry } from './model.js';

export const SAMPLE_DATE = '2000-01-01T00:00:00.000Z';
export const SAMPLE_VERSION = '0.0.0-sample';
/** Ephemeral ports are renumbered from here in order of first appearance. */
export const SAMPLE_PORT_BASE = 61000;

const ISO_DATE = /\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})\b/g;
const ENDPOINT = /(\b\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-f:.]+\]):(\d{1,5})\b/gi;
const PORT_COMMAND = /\b(PORT\s+\d{1,3},\d{1,3},\d{1,3},\d{1,3}),(\d{1,3}),(\d{1,3})\b/gi;
const EPRT_COMMAND = /\b(EPRT\s+(.)\d\2[^\s|]+\2)(\d{1,5})\2/gi;
const DURATION = /\b\d+(?:\.\d+)?\s?(ms|s)\b/g;
/** Our reference server's data-connection token carries the session's random id. */
const TOKEN = /\b(FTP-DOCTOR-TOKEN )([A-Za-z0-9_-]{1,64})(?![A-Za-z0-9_-])/g;
const TIME_STEP = 10;
/** Certificate validity dates as OpenSSL prints them, and SHA-256 fingerprints: a fresh self-signed certificate each run. */
const CERT_DATE = /\b[A-Z][a-z]{2} {1,2}\d{1,2} \d{2}:\d{2}:\d{2} \d{4} GMT\b/g;
const FINGERPRINT = /\b[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){31}\b/g;
export const SAMPLE_CERT_DATE = 'Jan  1 00:00:00 2000 GMT';
/** Modification times in LIST lines (`Nov 21 10:33`, `Nov 21  2023`): the demo tree is made when the server starts. */
const LISTING_DATE = /\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) {1,2}\d{1,2} (?:\d{2}:\d{2}| \d{4})(?![:\d])/g;
export const SAMPLE_LISTING_DATE = 'Jan  1 00:00';

function portOf(endpoint: string): number | undefined {
  const match = /:(\d{1,5})$/.exec(endpoint);
  return match?.[1] ? Number(match[1]) : undefined;
}

function hostOf(endpoint: string): string {
  return endpoint.replace(/:\d{1,5}$/, '').replace(/^\[|\]$/g, '');
}

/** Every ConnectionEvent in the report, wherever it is nested. */
function connectionsOf(report: AnyReport): ConnectionEvent[] {
  switch (report.kind) {
    case 'probe':
      return report.connections;
    case 'scenarios':
      return report.results.flatMap((result) => result.probe.connections);
    case 'check':
      return report.targets.flatMap((target) => target.probe?.connections ?? []);
    case 'explain':
      return report.sessions.flatMap((session) => session.report.connections);
    case 'preflight':
      return report.simulation?.probe.connections ?? [];
    case 'sweep':
      return [];
  }
}

/** Client-side source ports, client listener ports of active mode, and ports in PORT/EPRT. */
function ephemeralPorts(report: AnyReport, text: string): number[] {
  const found: number[] = [];
  const add = (port: number | undefined): void => {
    if (port !== undefined && port >= 1024 && !found.includes(port)) found.push(port);
  };
  const connections = connectionsOf(report);
  const serverHosts = new Set(connections.filter((event) => event.purpose === 'control').map((event) => hostOf(event.to)));
  for (const event of connections) {
    add(portOf(event.from));
    if (event.purpose === 'data' && !serverHosts.has(hostOf(event.to))) add(portOf(event.to));
  }
  for (const match of text.matchAll(/"connection":\s*"[^"]*?:(\d{1,5}) ->/g)) add(Number(match[1]));
  for (const match of text.matchAll(PORT_COMMAND)) add(Number(match[2]) * 256 + Number(match[3]));
  for (const match of text.matchAll(EPRT_COMMAND)) add(Number(match[3]));
  return found;
}

/** 00:00:…:01, 00:00:…:02, … in order of first appearance. */
function sampleFingerprint(index: number): string {
  const hex = index.toString(16).toUpperCase().padStart(64, '0');
  return hex.match(/../g)?.join(':') ?? hex;
}

/**
 * One position per event, in the diagram's order (time, then connections before control lines,
 * then recording order): ties and near-ties between runs give the same positions.
 */
function retimeProbe(probe: ProbeReport): ProbeReport {
  type Row = { t: number; kind: 0 | 1; order: number; set: (t: number) => void };
  const transcript = probe.transcript.map((line) => ({ ...line }));
  const connections = probe.connections.map((event) => ({ ...event }));
  const rows: Row[] = [
    ...connections.map((event, order): Row => ({ t: event.t, kind: 0, order, set: (t) => (event.t = t) })),
    ...transcript.map((line, order): Row => ({ t: line.t, kind: 1, order, set: (t) => (line.t = t) })),
  ];
  rows.sort((a, b) => a.t - b.t || a.kind - b.kind || a.order - b.order);
  rows.forEach((row, index) => row.set(index * TIME_STEP));
  // Steps are listed in planned order; their start times are not drawn, only their order matters.
  const steps = probe.steps.map((step, index) => ({ ...step, startedAt: index * TIME_STEP }));
  return { ...probe, steps, transcript, connections };
}

function retimeTrace(trace: readonly TraceEntry[]): TraceEntry[] {
  // The simulator's and the kernel's clocks start elsewhere than the probe's: positions of their own.
  return trace.map((entry, index) => ({ ...entry, t: index * TIME_STEP }));
}

function retime<T extends AnyReport>(report: T): T {
  switch (report.kind) {
    case 'probe':
      return retimeProbe(report) as T;
    case 'scenarios':
      return { ...report, results: report.results.map((result) => ({ ...result, probe: retimeProbe(result.probe), trace: retimeTrace(result.trace) })) };
    case 'check':
      return { ...report, targets: report.targets.map((target) => (target.probe ? { ...target, probe: retimeProbe(target.probe) } : target)) };
    case 'explain':
      return { ...report, sessions: report.sessions.map((session) => ({ ...session, report: retimeProbe(session.report) })) };
    case 'preflight':
      return report.simulation ? { ...report, simulation: { ...report.simulation, probe: retimeProbe(report.simulation.probe) } } : report;
    case 'sweep':
      return report;
  }
}

/** A copy of the report with run-specific values replaced by fixed ones. */
export function normalizeForSample<T extends AnyReport>(input: T): T {
  const report = retime(input);
  const serialised = JSON.stringify(report);
  const portMap = new Map(ephemeralPorts(report, serialised).map((port, index) => [port, SAMPLE_PORT_BASE + index]));
  const tokens = new Map([...serialised.matchAll(TOKEN)].map((match) => match[2] ?? '').filter((id, index, all) => all.indexOf(id) === index).map((id, index) => [id, `session${index + 1}`]));
  const fingerprints = new Map([...serialised.matchAll(FINGERPRINT)].map((match) => match[0].toUpperCase()).filter((print, index, all) => all.indexOf(print) === index).map((print, index) => [print, sampleFingerprint(index + 1)]));
  const version = report.version;
  const versionPattern = new RegExp(`(?<![\\d.])${version.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\d.])`, 'g');

  const text = (value: string): string =>
    value
      .replace(ISO_DATE, SAMPLE_DATE)
      .replace(ENDPOINT, (whole, host: string, port: string) => `${host}:${portMap.get(Number(port)) ?? port}`)
      .replace(PORT_COMMAND, (whole, head: string, high: string, low: string) => {
        const mapped = portMap.get(Number(high) * 256 + Number(low));
        return mapped === undefined ? whole : `${head},${Math.floor(mapped / 256)},${mapped % 256}`;
      })
      .replace(EPRT_COMMAND, (whole, head: string, delimiter: string, port: string) => `${head}${portMap.get(Number(port)) ?? port}${delimiter}`)
      .replace(DURATION, (_whole, unit: string) => `0 ${unit}`)
      .replace(versionPattern, SAMPLE_VERSION)
      .replace(TOKEN, (whole, head: string, id: string) => `${head}${tokens.get(id) ?? id}`)
      .replace(CERT_DATE, SAMPLE_CERT_DATE)
      .replace(LISTING_DATE, SAMPLE_LISTING_DATE)
      .replace(FINGERPRINT, (print) => fingerprints.get(print.toUpperCase()) ?? print);

  const walk = (value: unknown, key?: string): unknown => {
    if (typeof value === 'number') {
      if (key === 'durationMs') return 0;
      return value;
    }
    if (typeof value === 'string') {
      if (key === 'startedAt') return SAMPLE_DATE;
      if (key === 'version') return SAMPLE_VERSION;
      return text(value);
    }
    if (Array.isArray(value)) return value.map((item) => walk(item, key));
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([field, item]) => [field, walk(item, field)]));
    }
    return value;
  };
  return walk(report) as T;
}
