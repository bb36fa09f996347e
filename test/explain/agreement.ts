/**
 * "explain agrees with probe": what `explain` makes of a scenario's packet captures, held to what
 * the probe found in the same run. A capture is partial evidence, so the rule is stated, not loose:
 * - every error the probe found, explain finds too, except what a capture cannot see (CANNOT_SEE);
 * - explain finds no error the probe did not, except the same failure under a blunter code
 *   (BLUNTER) and the probe's own clear-text login check, which a capture shows as what it is: a
 *   login refused for want of TLS;
 * - with both captures, a failed connection the probe reports is located between them.
 */
import { runExplain } from '../../src/explain/run.js';
import type { Finding, ProbeReport } from '../../src/report/model.js';
import type { Scenario } from '../../src/topology/model.js';

export const CANNOT_SEE: Record<string, string> = {
  DATA_MISROUTED: 'the data token is in the data payload, which explain counts but does not keep',
  TLS_SESSION_REUSE_REQUIRED: 'the 522 refusal is inside the encrypted control channel',
};

/** A probe code → codes explain may give for the same failure when it sees less. */
const BLUNTER: Record<string, string[]> = {
  TLS_BREAKS_INSPECTION: ['DATA_CHANNEL_BLOCKED'],
  DATA_MISROUTED: ['DATA_TRANSFER_FAILED'],
};

const LOCATABLE = new Set(['DATA_CHANNEL_BLOCKED', 'DATA_CHANNEL_REFUSED', 'ACTIVE_INBOUND_BLOCKED', 'CONTROL_UNREACHABLE', 'TLS_BREAKS_INSPECTION']);

const errors = (findings: readonly Finding[]): Set<string> => new Set(findings.filter((finding) => finding.severity === 'error').map((finding) => finding.code));
const probesOwnLoginCheck = (finding: Finding): boolean => finding.code === 'LOGIN_FAILED' && /requires TLS before login/.test(finding.title);

function expectRangeOf(scenario: Scenario): { from: number; to: number } | undefined {
  const text = scenario.client.expectRange;
  if (text === undefined) return undefined;
  const [from, to] = text.split('-').map(Number);
  return from === undefined ? undefined : { from, to: to ?? from };
}

export interface Agreement {
  problems: string[];
  probe: string[];
  single: string[];
  located: string[];
}

export async function explainAgreement(scenario: Scenario, probe: ProbeReport, files: { client: string; server: string }): Promise<Agreement> {
  const range = expectRangeOf(scenario);
  const options = range ? { expectRange: range } : {};
  const single = await runExplain([files.client], options);
  const pair = await runExplain([files.client, files.server], options);
  const found = [...single.sessions.flatMap((session) => session.report.findings), ...single.findings].filter((finding) => !probesOwnLoginCheck(finding));
  const probeCodes = errors(probe.findings);
  const explainCodes = errors(found);
  const located = errors(pair.findings);
  const problems: string[] = [];
  for (const code of probeCodes) {
    if (!explainCodes.has(code) && CANNOT_SEE[code] === undefined) problems.push(`the probe found ${code}, explain did not`);
  }
  for (const code of explainCodes) {
    const allowed = probeCodes.has(code) || [...probeCodes].some((probeCode) => BLUNTER[probeCode]?.includes(code));
    if (!allowed) problems.push(`explain found ${code}, the probe did not`);
  }
  if ([...probeCodes].some((code) => LOCATABLE.has(code)) && located.size === 0) problems.push('the pair of captures located no failure');
  return { problems, probe: [...probeCodes], single: [...explainCodes], located: [...located] };
}
