/**
 * Normalising a report for the committed sample set (reports/): whatever changes from run to run
 * without the behaviour changing (dates, timings, client ephemeral ports, the tool version) is
 * replaced by fixed values, so a fresh run diffed against the samples shows only real changes.
 * Timestamps become their rank (0, 10, 20 ms, ...) rather than zero, so event order, and with it
 * the sequence diagram, survives. Passive ports are kept: they are what the scenarios are about.
 */
import type { AnyReport, ConnectionEvent } from './model.js';

export const SAMPLE_DATE = '2000-01-01T00:00:00.000Z';
export const SAMPLE_VERSION = '0.0.0-sample';
/** Ephemeral ports are renumbered from here in order of first appearance. */
export const SAMPLE_PORT_BASE = 61000;

const ISO_DATE = /\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})\b/g;
const ENDPOINT = /(\b\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-f:.]+\]):(\d{1,5})\b/gi;
const PORT_COMMAND = /\b(PORT\s+\d{1,3},\d{1,3},\d{1,3},\d{1,3}),(\d{1,3}),(\d{1,3})\b/gi;
const EPRT_COMMAND = /\b(EPRT\s+(.)\d\2[^\s|]+\2)(\d{1,5})\2/gi;
const DURATION = /\b\d+(?:\.\d+)?\s?(ms|s)\b/g;

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

/** A copy of the report with run-specific values replaced by fixed ones. */
export function normalizeForSample<T extends AnyReport>(report: T): T {
  const serialised = JSON.stringify(report);
  const portMap = new Map(ephemeralPorts(report, serialised).map((port, index) => [port, SAMPLE_PORT_BASE + index]));
  const times = new Set<number>();
  const version = report.version;
  const versionPattern = new RegExp(`(?<![\\d.])${version.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\d.])`, 'g');

  const collectTimes = (value: unknown, key?: string): void => {
    if (typeof value === 'number' && (key === 't' || key === 'startedAt')) times.add(value);
    else if (Array.isArray(value)) value.forEach((item) => collectTimes(item, key));
    else if (value !== null && typeof value === 'object') for (const [field, item] of Object.entries(value)) collectTimes(item, field);
  };
  collectTimes(report);
  const rank = new Map([...times].sort((a, b) => a - b).map((time, index) => [time, index * 10]));

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
      .replace(versionPattern, SAMPLE_VERSION);

  const walk = (value: unknown, key?: string): unknown => {
    if (typeof value === 'number') {
      if (key === 'durationMs') return 0;
      if (key === 't' || key === 'startedAt') return rank.get(value) ?? 0;
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
