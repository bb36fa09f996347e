/**
 * TEMPORARY stand-in for src/probe/diagnosis/index.ts (being written in parallel): same signature,
 * no findings, and a verdict that fails whenever a recorded phase or data channel failed. Delete
 * this file and import `diagnose` from './diagnosis/index.js' in engine.ts when that lands.
 */
import type { Finding, Verdict } from '../report/model.js';
import type { ProbeEvidence } from './evidence.js';

export function diagnose(evidence: ProbeEvidence): { verdict: Verdict; findings: Finding[] } {
  const controlOk = evidence.control.outcome === 'connected' && evidence.login?.ok === true;
  const tlsOk = evidence.tlsMode === 'none' || evidence.authTls?.handshake === 'ok';
  const dataOk = evidence.attempts.length > 0 && evidence.attempts.every((attempt) => attempt.transfer.outcome === 'complete' && attempt.token?.matches !== false);
  return { verdict: controlOk && tlsOk && dataOk ? 'pass' : 'fail', findings: [] };
}
