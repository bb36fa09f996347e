/**
 * What one probe says, as Prometheus samples: a pure mapping from the probe's report and evidence
 * (table-tested in test/exporter/metrics.test.ts); exposition.ts writes them with prom-client.
 *
 * Label values are bounded: finding codes (ours, and checked against a pattern), severities,
 * data modes, tls yes/no and phase names from a fixed list. Nothing a server says and nothing from
 * the target URL (user names, paths, passwords) becomes a label: the time series a scrape creates
 * are the same few whatever the server answers.
 */
import { ALL_MODES, type ProbeReport } from '../report/model.js';
import type { ProbeEvidence } from '../evidence/model.js';

export interface MetricDefinition {
  name: string;
  help: string;
  labelNames: readonly string[];
}

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Every metric a /probe answer can hold (the README's metric table is written from this). */
export const PROBE_METRICS = {
  success: { name: 'ftp_probe_success', help: "1 when the probe's verdict is pass (every data mode asked for works and nothing failed), else 0", labelNames: [] },
  duration: { name: 'ftp_probe_duration_seconds', help: 'How long the probe took, from the first connection to the verdict', labelNames: [] },
  deadlineExceeded: {
    name: 'ftp_probe_deadline_exceeded',
    help: "1 when the probe did not finish within the scrape's deadline (X-Prometheus-Scrape-Timeout-Seconds less a margin, or the module's total timeout); the verdict is then 0",
    labelNames: [],
  },
  phase: { name: 'ftp_probe_phase_duration_seconds', help: 'Duration of each phase of the main control session, and the longest data-channel session (phase="data")', labelNames: ['phase'] },
  dataChannel: { name: 'ftp_data_channel_success', help: '1 when a listing went through this data mode (epsv, pasv, port, eprt) with or without TLS on the data connection, else 0', labelNames: ['mode', 'tls'] },
  finding: { name: 'ftp_finding', help: 'Present (1) for each finding of the probe, by finding code and severity (docs/finding-codes.md)', labelNames: ['code', 'severity'] },
  portInRange: { name: 'ftp_passive_port_in_range', help: "1 when every passive port the server handed out lies in the module's expectRange, else 0; absent without expectRange or without passive replies", labelNames: [] },
  addressMatches: {
    name: 'ftp_passive_address_matches',
    help: "1 when every 227 (PASV) reply carried the expected address (the module's expectAddress, else the address the control connection reached), else 0; absent without 227 replies",
    labelNames: [],
  },
  certificateExpiry: { name: 'ftp_tls_certificate_expiry_timestamp_seconds', help: "The control connection certificate's notAfter, in seconds since the epoch; absent without TLS", labelNames: [] },
} as const satisfies Record<string, MetricDefinition>;

/** The phases reported, by the step id that times them: a fixed set, whatever steps a probe has. */
export const PHASES: Readonly<Record<string, string>> = {
  resolve: 'resolve',
  connect: 'connect',
  greeting: 'greeting',
  'auth-tls': 'tls',
  login: 'login',
  features: 'features',
};

const FINDING_CODE = /^[A-Z][A-Z0-9_]{0,63}$/;
const SEVERITIES = new Set(['error', 'warning', 'info']);

export interface ProbeOutcome {
  report: ProbeReport;
  evidence?: ProbeEvidence;
}

const sample = (definition: MetricDefinition, value: number, labels: Record<string, string> = {}): Sample => ({ name: definition.name, labels, value });

/** Milliseconds → seconds without binary noise in the exposition (66.7 ms is 0.0667, not 0.06670000000000001). */
const seconds = (ms: number): number => Number((ms / 1000).toFixed(6));

function phaseSamples(report: ProbeReport): Sample[] {
  const samples: Sample[] = [];
  for (const step of report.steps) {
    const phase = PHASES[step.id];
    if (phase !== undefined && step.result !== 'skip') samples.push(sample(PROBE_METRICS.phase, seconds(step.durationMs), { phase }));
  }
  const dataSteps = report.steps.filter((step) => step.mode !== undefined && step.result !== 'skip');
  // The data sessions run at the same time: the longest is what the probe waited for.
  if (dataSteps.length > 0) samples.push(sample(PROBE_METRICS.phase, seconds(Math.max(...dataSteps.map((step) => step.durationMs))), { phase: 'data' }));
  return samples;
}

function dataChannelSamples(report: ProbeReport): Sample[] {
  const seen = new Map<string, Sample>();
  for (const step of report.steps) {
    if (step.mode === undefined || step.result === 'skip' || !ALL_MODES.includes(step.mode)) continue;
    const labels = { mode: step.mode, tls: step.tls ? 'yes' : 'no' };
    // Two steps for one series (never expected) must not become a duplicate sample: failure wins.
    const key = `${labels.mode}/${labels.tls}`;
    const value = step.result === 'ok' || step.result === 'warn' ? 1 : 0;
    seen.set(key, sample(PROBE_METRICS.dataChannel, Math.min(value, seen.get(key)?.value ?? 1), labels));
  }
  return [...seen.values()];
}

function findingSamples(report: ProbeReport): Sample[] {
  const seen = new Map<string, Sample>();
  for (const finding of report.findings) {
    const code = FINDING_CODE.test(String(finding.code)) ? String(finding.code) : 'OTHER';
    const severity = SEVERITIES.has(finding.severity) ? finding.severity : 'error';
    seen.set(`${code}/${severity}`, sample(PROBE_METRICS.finding, 1, { code, severity }));
  }
  return [...seen.values()];
}

function passiveSamples(report: ProbeReport, evidence: ProbeEvidence | undefined): Sample[] {
  const samples: Sample[] = [];
  const range = evidence?.options.expectRange;
  const ports = report.passivePorts ?? [];
  if (range && ports.length > 0) samples.push(sample(PROBE_METRICS.portInRange, ports.every((port) => port >= range.from && port <= range.to) ? 1 : 0));
  const expected = evidence?.options.expectAddress ?? evidence?.controlPeer;
  const advertised = (evidence?.attempts ?? []).filter((attempt) => attempt.mode === 'pasv' && attempt.advertised !== undefined).map((attempt) => attempt.advertised!.host);
  if (expected !== undefined && advertised.length > 0) samples.push(sample(PROBE_METRICS.addressMatches, advertised.every((host) => sameAddress(host, expected)) ? 1 : 0));
  return samples;
}

/** 127.0.0.1 and ::ffff:127.0.0.1 are one address. */
function sameAddress(a: string, b: string): boolean {
  const plain = (address: string): string => address.toLowerCase().replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
  return plain(a) === plain(b);
}

function certificateSamples(evidence: ProbeEvidence | undefined): Sample[] {
  const validTo = evidence?.authTls?.certificate?.validTo;
  const notAfter = validTo === undefined ? Number.NaN : Date.parse(validTo) / 1000;
  return Number.isFinite(notAfter) ? [sample(PROBE_METRICS.certificateExpiry, notAfter)] : [];
}

/** The samples of a finished probe. */
export function probeSamples(outcome: ProbeOutcome): Sample[] {
  const { report, evidence } = outcome;
  return [
    sample(PROBE_METRICS.success, report.verdict === 'pass' ? 1 : 0),
    sample(PROBE_METRICS.duration, seconds(report.durationMs)),
    sample(PROBE_METRICS.deadlineExceeded, 0),
    ...phaseSamples(report),
    ...dataChannelSamples(report),
    ...findingSamples(report),
    ...passiveSamples(report, evidence),
    ...certificateSamples(evidence),
  ];
}

/** A probe without a report: not finished within the deadline, or broken (exceeded false). Failed, and how long was waited. */
export function unfinishedSamples(waitedMs: number, deadlineExceeded: boolean): Sample[] {
  return [sample(PROBE_METRICS.success, 0), sample(PROBE_METRICS.duration, seconds(waitedMs)), sample(PROBE_METRICS.deadlineExceeded, deadlineExceeded ? 1 : 0)];
}
