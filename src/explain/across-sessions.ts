/**
 * What the sessions to one server show together that no session shows alone: a probe runs every
 * mode, plain and TLS, against one server and compares them (TLS data blocked where plain data
 * works: the firewall's FTP inspection); a capture of several sessions to one server holds the
 * same comparison. The sessions' attempts are judged together and only findings no single session
 * gave are kept. Pure.
 */
import type { Evidence } from '../evidence/model.js';
import { diagnose } from '../diagnosis/index.js';
import type { Finding } from '../report/model.js';

function serverKey(record: Evidence): string | undefined {
  const host = record.controlPeer ?? record.host;
  return host === undefined ? undefined : `${host}:${record.port ?? ''}`;
}

function merged(records: readonly Evidence[]): Evidence {
  const [first] = records as [Evidence];
  const combined: Evidence = { ...first, attempts: records.flatMap((record) => record.attempts), passivePorts: records.flatMap((record) => record.passivePorts ?? []) };
  if (records.some((record) => record.referenceServer)) combined.referenceServer = true;
  // The login and the greeting are judged per session; here only the data channels are compared.
  delete combined.login;
  delete combined.greeting;
  delete combined.authTls;
  return combined;
}

/** Findings across the sessions to each server, with codes none of those sessions got alone. */
export function acrossSessions(records: readonly Evidence[], perSession: readonly Finding[][]): Finding[] {
  const groups = new Map<string, number[]>();
  records.forEach((record, index) => {
    const key = serverKey(record);
    if (key !== undefined && record.attempts.length > 0) groups.set(key, [...(groups.get(key) ?? []), index]);
  });
  const findings: Finding[] = [];
  for (const indexes of groups.values()) {
    if (indexes.length < 2) continue;
    const seen = new Set(indexes.flatMap((index) => (perSession[index] ?? []).map((finding) => finding.code)));
    const together = diagnose(merged(indexes.map((index) => records[index] as Evidence)));
    findings.push(...together.findings.filter((finding) => !seen.has(finding.code) && finding.code !== 'UNEXPLAINED_FAILURE'));
  }
  return findings;
}
