/**
 * Pure: what the sweep found → the SweepReport every renderer consumes. The verdict is fail when
 * any proved port is not open, when any finding is an error, or when nothing could be proved:
 * a sweep that tested nothing has not shown the range works.
 */
import type { OpenedSession } from '../client/session.js';
import type { ProbeTarget } from '../probe/options.js';
import { remediesFor } from '../diagnosis/remedies/index.js';
import { SCHEMA_VERSION, type Finding, type SweepReport } from '../report/model.js';
import { VERSION } from '../version.js';
import { failingPorts, foldResults, infoFinding } from './findings.js';
import type { PortRange, PortResult } from './options.js';

export interface SweepOutcome {
  target: string;
  startedAt: string;
  durationMs: number;
  method: SweepReport['method'];
  range: PortRange;
  results: PortResult[];
  findings: Finding[];
  concurrency?: number;
  sampled?: number[];
}

export function buildSweepReport(outcome: SweepOutcome): SweepReport {
  const ports = [...outcome.results].sort((a, b) => a.port - b.port).map((result) => ({ port: result.port, state: result.state, ...(result.detail ? { detail: result.detail } : {}) }));
  const failing = failingPorts(ports);
  const failed = failing !== undefined || ports.length === 0 || outcome.findings.some((finding) => finding.severity === 'error');
  return {
    tool: 'ftp-doctor',
    version: VERSION,
    schemaVersion: SCHEMA_VERSION,
    kind: 'sweep',
    target: outcome.target,
    verdict: failed ? 'fail' : 'pass',
    startedAt: outcome.startedAt,
    durationMs: Math.round(outcome.durationMs),
    method: outcome.method,
    range: outcome.range,
    tested: ports.length,
    ports,
    spans: foldResults(ports),
    findings: outcome.findings,
    ...(failing ? { failing } : {}),
    ...(outcome.sampled ? { sampled: outcome.sampled } : {}),
    ...(outcome.concurrency !== undefined ? { concurrency: outcome.concurrency } : {}),
  };
}

/** No control session could be opened: say which phase failed, as the probe would. */
export function sessionFailureFindings(opened: OpenedSession | undefined, target: ProbeTarget): Finding[] {
  const failed = opened?.record.phases.find((phase) => phase.result === 'fail');
  const detail = failed?.detail ?? 'no session could be opened';
  const context = { range: { from: 0, to: 0 }, rangeIsExample: true, publicAddress: target.host, controlPort: target.port };
  switch (failed?.id) {
    case 'connect':
      return [{ ...infoFinding('CONTROL_UNREACHABLE', `The control connection to ${target.host}:${target.port} does not open`, 'Nothing could be swept: the control port itself is unreachable.', [detail], 'error'), remedies: remediesFor(['open-control'], context) }];
    case 'auth-tls':
      return [{ ...infoFinding('TLS_NEGOTIATION_BLOCKED', 'TLS on the control connection failed', 'Nothing could be swept: the control session could not be secured.', [detail], 'error'), remedies: remediesFor(['auth-tls'], context) }];
    case 'login':
      return [{ ...infoFinding('LOGIN_FAILED', 'Login failed', 'Nothing could be swept: SITE SWEEP and PASV need a logged-in session. Give the user and password in the URL, --user or FTP_PASSWORD.', [detail], 'error'), remedies: remediesFor(['login'], context) }];
    default:
      return [infoFinding('CONTROL_UNREACHABLE', 'No control session could be opened', 'Nothing could be swept.', [`${failed?.id ?? 'setup'}: ${detail}`], 'error')];
  }
}
