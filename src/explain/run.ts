/**
 * `explain`: read each file with the reader its content calls for, turn every FTP session found
 * into evidence, diagnose it with the probe's rules, and put the sessions side by side with a
 * summary across them. Readers and the assembler are pure; this module only sequences them.
 */
import { DataFileError } from '../config/data-file-error.js';
import { assembleEvidence, type AssembleOptions } from '../evidence/assemble.js';
import type { Evidence } from '../evidence/model.js';
import type { EvidenceReader, ReadOptions, SourceReading } from '../evidence/source.js';
import { diagnose, identifyServer, markShownRemedies, serverClues, type ServerIdentity, type ServerProduct } from '../diagnosis/index.js';
import type { ExplainInput, ExplainReport, Finding } from '../report/model.js';
import { SCHEMA_VERSION } from '../report/model.js';
import { VERSION } from '../version.js';
import { timeForOrdering } from '../evidence/provenance.js';
import { pairCaptures } from '../capture/pair.js';
import { clearTextLogin } from './clear-text.js';
import { locationFindings } from './locations.js';
import { acrossSessions } from './across-sessions.js';
import { firewallFindings } from './firewall-logs.js';
import { matchedLogs, sessionKey } from './matched-logs.js';
import { READERS, readInputs } from './readers.js';
import { sessionReport } from './session-report.js';
import { summarise } from './summary.js';

export interface ExplainOptions extends AssembleOptions, ReadOptions {
  /** Force one format for every file (`--format`). */
  format?: string;
  /** Only this session (1-based, in the order sessions were found across the files). */
  session?: number;
  readers?: readonly EvidenceReader[];
  /** Show every product's remedies, not only those of the server identified (`--all-remedies`). */
  allRemedies?: boolean;
  /** What several readings together show that none shows alone; default: two captures of one path paired. */
  across?: (readings: readonly SourceReading[]) => Across;
}

export interface Across {
  findings: Finding[];
  /** Sentences for the summary (how the inputs were matched, what could not be). */
  notes: string[];
}

/** Two captures (the client's and the server's side): match their sessions and locate each failure. */
export function pairedCaptures(readings: readonly SourceReading[]): Across {
  const captures = readings.filter((reading) => reading.source.kind === 'capture');
  // A capture that holds both ends (loopback, or the one host both programs run on) has nothing to pair with.
  if (captures.length === 2 && captures.some((reading) => reading.source.vantage === 'both')) {
    return { findings: [], notes: ['Two captures given, but one already holds both ends of each connection: they are read one by one, not paired.'] };
  }
  if (captures.length !== 2) {
    return { findings: [], notes: captures.length > 2 ? [`${captures.length} captures given: only two (one at each end of the path) are paired to locate failures.`] : [] };
  }
  const [first, second] = captures as [SourceReading, SourceReading];
  const paired = pairCaptures(first, second);
  const matched = `${paired.matching.pairs.length} session${paired.matching.pairs.length === 1 ? '' : 's'} matched between ${paired.pair.client.file} (client side) and ${paired.pair.server.file} (server side).`;
  return { findings: locationFindings(paired.locations), notes: [matched, ...paired.limits] };
}

/** A server's own log names its product: the log format is the clue. */
const LOG_PRODUCTS: Record<string, ServerProduct> = {
  vsftpd: 'vsftpd',
  xferlog: 'vsftpd',
  proftpd: 'ProFTPD',
  'pure-ftpd': 'Pure-FTPd',
  iis: 'IIS',
  'filezilla-server': 'FileZilla Server',
  pyftpdlib: 'pyftpdlib',
};

function productOfLog(reading: SourceReading): ServerIdentity | undefined {
  const product = reading.source.kind === 'log' && reading.source.vantage === 'server' ? LOG_PRODUCTS[reading.format] : undefined;
  return product ? { product, clue: `the log is ${product}'s own (${reading.format})` } : undefined;
}

function inputOf(reading: SourceReading): ExplainInput {
  return {
    file: reading.file,
    format: reading.format,
    kind: reading.source.kind,
    vantage: reading.source.vantage,
    sessions: reading.sessions.length,
    limits: reading.limits,
  };
}

/** The first event's wall-clock time, when the source records one. */
function sessionStart(reading: SourceReading, index: number): string | undefined {
  for (const event of reading.sessions[index]?.events ?? []) {
    if ('time' in event.at && event.at.time) return event.at.time;
  }
  return undefined;
}

/** What a capture reader could not decode, as its limits say ("91 of 91 frame(s) could not be decoded … link type 999 is not supported"). */
function undecoded(readings: readonly SourceReading[]): string[] {
  return readings.flatMap((reading) => reading.limits.filter((limit) => /could not be decoded/.test(limit)).map((limit) => `${readings.length > 1 ? `${reading.file}: ` : ''}${limit.replace(/\.$/, '')}`));
}

/**
 * The evidence's own time span: its first and last timestamps, as the sources wrote them (a log's
 * local time stays local). `startedAt` is when explain ran; this is when what it read happened.
 */
export function evidenceSpan(readings: readonly SourceReading[]): { from: string; to: string } | undefined {
  let first: { time: string; order: number } | undefined;
  let last: { time: string; order: number } | undefined;
  for (const reading of readings) {
    for (const event of [...reading.sessions.flatMap((session) => session.events), ...(reading.pathEvents ?? [])]) {
      const time = 'time' in event.at ? event.at.time : undefined;
      const order = time === undefined ? Number.NaN : timeForOrdering(time);
      if (time === undefined || Number.isNaN(order)) continue;
      if (!first || order < first.order) first = { time, order };
      if (!last || order > last.order) last = { time, order };
    }
  }
  return first && last ? { from: first.time, to: last.time } : undefined;
}

export async function runExplain(files: readonly string[], options: ExplainOptions = {}): Promise<ExplainReport> {
  const started = Date.now();
  const startedAt = new Date(started).toISOString();
  const readers = options.readers ?? READERS;
  // Several files of one log are read together (a log's rotated files, joined in time order).
  const { readings, notes: inputNotes } = await readInputs(files, options, readers);
  const sessions: ExplainReport['sessions'] = [];
  const evidence: Evidence[] = [];
  const evidenceOf = new Map<string, Evidence>();
  let number = 0;
  for (const reading of readings) {
    reading.sessions.forEach((session, index) => {
      number += 1;
      if (options.session !== undefined && options.session !== number) return;
      const record = assembleEvidence(session, reading.source, options);
      const server = identifyServer(serverClues(record)) ?? productOfLog(reading);
      const judged = diagnose(record);
      const clearText = clearTextLogin(record);
      const findings = clearText ? [...judged.findings, clearText] : judged.findings;
      const diagnosis = { verdict: judged.verdict, findings: markShownRemedies(findings, server?.product, options.allRemedies ?? false) };
      evidence.push(record);
      evidenceOf.set(sessionKey(reading.file, session.id), record);
      const report = sessionReport(session, record, diagnosis, sessionStart(reading, index) ?? startedAt);
      if (server) report.server = server;
      sessions.push({ id: session.id, file: reading.file, verdict: diagnosis.verdict, report });
    });
  }
  if (number === 0 && readings.some((reading) => (reading.pathEvents ?? []).length > 0)) {
    throw new DataFileError(files.join(', '), ['a firewall log alone holds no FTP session: give it together with the client\'s or the server\'s log or capture of the same time, and explain matches its drops to their data connections']);
  }
  if (number === 0) {
    const ports = options.controlPorts?.length ? `, ${options.controlPorts.join(', ')}` : '';
    // Frames the reader could not decode (a link type it does not know) come first: they, not the ports, are why nothing was found.
    throw new DataFileError(files.join(', '), [...undecoded(readings), `no FTP control session found (control ports tried: 21, 990${ports}, and any port whose first reply was an FTP greeting; --port N names another)`]);
  }
  if (options.session !== undefined && sessions.length === 0) {
    throw new DataFileError(files.join(', '), [`--session ${options.session}: only ${number} FTP session${number === 1 ? ' was' : 's were'} found`]);
  }
  const paired = (options.across ?? pairedCaptures)(readings);
  const firewall = firewallFindings(readings, evidence);
  const logs = matchedLogs(readings, evidenceOf);
  const across = acrossSessions(evidence, sessions.map((session) => session.report.findings));
  const findings = [...across.findings, ...paired.findings, ...logs.findings, ...firewall.findings];
  const notes = [...inputNotes, ...across.notes, ...paired.notes, ...logs.notes, ...firewall.notes];
  const span = evidenceSpan(readings);
  const failed = sessions.some((session) => session.verdict === 'fail') || findings.some((finding) => finding.severity === 'error');
  return {
    tool: 'ftp-doctor',
    version: VERSION,
    schemaVersion: SCHEMA_VERSION,
    kind: 'explain',
    verdict: failed ? 'fail' : 'pass',
    startedAt,
    durationMs: Date.now() - started,
    ...(span ? { evidenceSpan: span } : {}),
    inputs: readings.map(inputOf),
    summary: [...summarise(evidence), ...notes],
    sessions,
    findings,
  };
}
