/**
 * The report model: what probe, sweep, check and scenarios produce, and what every renderer
 * (table, json, junit, markdown, html) consumes. The JSON form is a contract (docs/json-report.md):
 * add fields freely (and document them there), never rename or remove one without a changelog entry.
 */

export const SCHEMA_VERSION = 1;

export { ALL_MODES, type DataMode } from '../ftp/data-mode.js';
import type { DataMode } from '../ftp/data-mode.js';

// Defined below the report (src/findings) so that every layer judges with the same words.
export type { FindingCode } from '../findings/registry.js';
export type { Severity, Verdict } from '../findings/severity.js';
import type { FindingCode } from '../findings/registry.js';
import type { Severity, Verdict } from '../findings/severity.js';
// What a run recorded on the wire, defined with the evidence (the client and the simulator write it).
export type { Channel, ConnectionEvent, Direction, StepResult, TraceEntry, TranscriptLine } from '../evidence/record.js';
import type { ConnectionEvent, StepResult, TraceEntry, TranscriptLine } from '../evidence/record.js';

export interface Remedy {
  /** Who applies it: 'IIS', 'vsftpd', 'ProFTPD', 'Pure-FTPd', 'FileZilla Server', 'nftables',
   *  'iptables', 'Windows Firewall', 'Cloud security group', 'Client', 'ftp-doctor serve'. */
  product: string;
  text: string;
  /** Literal commands or config lines, shown verbatim. */
  commands?: string[];
  /**
   * false: a remedy for another FTP server product than the one that answered (ProbeReport.server);
   * renderers leave it out (see shownRemedies in remedies-shown.ts), the JSON keeps it. Absent: shown.
   */
  shown?: boolean;
}

export interface Finding {
  code: FindingCode;
  severity: Severity;
  title: string;
  explanation: string;
  /** Transcript lines (verbatim) and measurements that prove the finding. */
  evidence: string[];
  remedies: Remedy[];
}

export interface Step {
  /** Stable id: 'connect', 'greeting', 'auth-tls', 'login', 'features', 'data:pasv', 'data:epsv:tls'. */
  id: string;
  name: string;
  mode?: DataMode;
  /** Instead of `mode` when the mode command was hidden by TLS (a capture of an encrypted control channel): the direction the data connection took. */
  inferredMode?: 'passive' | 'active';
  tls?: boolean;
  result: StepResult;
  /** Milliseconds since the run started. */
  startedAt: number;
  durationMs: number;
  detail: string;
}

export interface ProbeReport {
  tool: 'ftp-doctor';
  version: string;
  schemaVersion: number;
  kind: 'probe';
  /** The URL probed, password removed. */
  target: string;
  verdict: Verdict;
  startedAt: string; // ISO time
  durationMs: number;
  /** Which address the data connection was sent to: the control peer (default) or the advertised one. */
  addressPolicy: 'control-peer' | 'advertised';
  steps: Step[];
  findings: Finding[];
  transcript: TranscriptLine[];
  connections: ConnectionEvent[];
  /** Ports seen in PASV/EPSV replies (for --samples / --expect-range). */
  passivePorts?: number[];
  /** The FTP server product identified from what it said, and the words that gave it away. */
  server?: { product: string; clue: string };
  /** What the probe was asked for and did beyond the modes: e.g. samples asked and replies seen. */
  samples?: { asked: number; modes: DataMode[]; replies: number; distinctPorts: number };
}

export interface ScenarioResult {
  id: string;
  title: string;
  description: string;
  source: string;
  /** Did the run meet the scenario's expectation? */
  expectationMet: boolean;
  /** Each unmet expectation in one sentence. */
  mismatches: string[];
  /** `expectRange`: the passive range the scenario says the firewall allows (client.expectRange). */
  expected: { verdict: Verdict; findings: string[]; failingStep?: string; expectRange?: { from: number; to: number } };
  backend: 'sim' | 'netns';
  probe: ProbeReport;
  /** Where the data channel failed: step, hop and rule, when it did. */
  failure?: { step: string; hop?: string; rule?: string };
  trace: TraceEntry[];
  /** The tool itself broke (not the network): rendered as JUnit <error>. */
  error?: string;
  /** The backend cannot reproduce this scenario (e.g. the kernel has no EPSV-blind helper): why. */
  skipped?: string;
  durationMs: number;
}

export interface ScenarioRunReport {
  tool: 'ftp-doctor';
  version: string;
  schemaVersion: number;
  kind: 'scenarios';
  verdict: Verdict;
  startedAt: string;
  durationMs: number;
  results: ScenarioResult[];
}

export type PortState = 'open' | 'dropped' | 'refused' | 'misrouted' | 'error';

export interface SweepReport {
  tool: 'ftp-doctor';
  version: string;
  schemaVersion: number;
  kind: 'sweep';
  target: string;
  verdict: Verdict;
  startedAt: string;
  durationMs: number;
  method: 'extension' | 'pasv-sampling';
  range: { from: number; to: number };
  /** How many ports of the range were actually proved (honest coverage). */
  tested: number;
  ports: { port: number; state: PortState; detail?: string }[];
  /** Folded: [{from, to, state}] */
  spans: { from: number; to: number; state: PortState }[];
  findings: Finding[];
  /** The lowest and highest port that failed, and how many did; absent when none failed. */
  failing?: { first: number; last: number; count: number };
  /** With --sample: the ports drawn at random and proved, ascending. */
  sampled?: number[];
  /** Ports proved in parallel: the largest block (SITE SWEEP A-B), else control sessions. */
  concurrency?: number;
}

export interface CheckReport {
  tool: 'ftp-doctor';
  version: string;
  schemaVersion: number;
  kind: 'check';
  verdict: Verdict;
  startedAt: string;
  durationMs: number;
  targets: { name: string; target: string; verdict: Verdict; failures: string[]; probe?: ProbeReport; error?: string }[];
}

/** One input of `explain`: the file, the format read, and what such a source cannot show. */
export interface ExplainInput {
  file: string;
  format: string;
  /** 'capture', 'log', 'config'. */
  kind: string;
  /** Where the source stood: 'client', 'server', 'both', 'path', 'none'. */
  vantage: string;
  /** FTP sessions found in it. */
  sessions: number;
  /** What this source cannot show, said rather than guessed around. */
  limits: string[];
}

/**
 * `explain`: the evidence users already have (captures, logs), diagnosed with the probe's rules.
 * Each FTP session found is a probe report of its own (`kind: 'probe'`, its target naming the file
 * and session); `findings` holds what only several inputs together show (where a drop happened).
 */
export interface ExplainReport {
  tool: 'ftp-doctor';
  version: string;
  schemaVersion: number;
  kind: 'explain';
  verdict: Verdict;
  /** When explain ran (the header's meaning); the evidence's own times are in evidenceSpan. */
  startedAt: string;
  durationMs: number;
  /** The first and last timestamps in the inputs, as the sources wrote them; absent when no input has clocks. */
  evidenceSpan?: { from: string; to: string };
  inputs: ExplainInput[];
  /** Across sessions, one sentence each: "23 of 25 passive data connections … completed; the 2 to 51xxx timed out". */
  summary: string[];
  sessions: { id: string; file: string; verdict: Verdict; report: ProbeReport }[];
  findings: Finding[];
}

/** One span of ports and what a client's new connection to them meets, with the file:line reasons. */
export interface PreflightPorts {
  ports: { from: number; to: number };
  outcome: 'open' | 'blocked' | 'refused' | 'unknown';
  because: string[];
  /** Open only through FTP inspection (a helper reading the control connection): for plain FTP, not FTPS. */
  viaHelper?: string;
}

/**
 * `preflight`: the configuration files read (server, publishing, firewalls), the data channel they
 * predict (static findings with file:line evidence, and the simulated probe of the same site), and
 * what could not be read or evaluated. Findings use the probe's codes.
 */
export interface PreflightReport {
  tool: 'ftp-doctor';
  version: string;
  schemaVersion: number;
  kind: 'preflight';
  verdict: Verdict;
  startedAt: string;
  durationMs: number;
  inputs: { file: string; kind: string }[];
  /** The facts read, one line each with its place ("vsftpd.conf:12 pasv_max_port=50100"). */
  facts: string[];
  client: 'inside' | 'outside';
  control: PreflightPorts;
  passive: PreflightPorts[];
  findings: Finding[];
  /** The same site run through the simulator with the probe (absent with --no-simulate). */
  simulation?: { backend: 'sim' | 'netns'; verdict: Verdict; codes: string[]; failure?: { step: string; hop?: string; rule?: string }; probe: ProbeReport };
  /** Ports whose fate depends on what cannot be evaluated, each with its file:line. */
  unknown: string[];
  notUnderstood: { place: string; text: string; reason: string }[];
  notes: string[];
}

export type AnyReport = ProbeReport | ScenarioRunReport | SweepReport | CheckReport | ExplainReport | PreflightReport;
