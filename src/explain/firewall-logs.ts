/**
 * Firewall logs beside a client's or a server's evidence: a drop or reject line whose destination
 * is the port of a data connection that failed is the proof of where it died — "ufw.log line 412
 * dropped the SYN to 10.0.0.5:8190, 0.3 s after the 227 offered it". Pure.
 */
import type { DataAttempt, Evidence } from '../evidence/model.js';
import type { ObservedEvent, ObservedNote, Provenance } from '../evidence/observed.js';
import { provenanceText } from '../evidence/provenance.js';
import type { SourceReading } from '../evidence/source.js';
import { attemptState, endpoint, isPassive, same } from '../diagnosis/facts.js';
import type { Finding } from '../report/model.js';

/** A firewall line is about an attempt when it names its port and was written within this of it. */
const NEAR_MS = 120_000;

const FAILED_STATES = new Set(['connect-timeout', 'connect-refused', 'connect-unreachable', 'inbound-missing', 'transfer-stalled']);

function timeOf(at: Provenance | undefined): number | undefined {
  if (!at || !('time' in at) || !at.time) return undefined;
  const ms = Date.parse(at.time);
  return Number.isNaN(ms) ? undefined : ms;
}

/** Where the attempt's data connection was going: the passive port dialled, or the client's listener. */
function target(attempt: DataAttempt): { host?: string; port: number } | undefined {
  return isPassive(attempt) ? (attempt.dialed ?? attempt.advertised) : attempt.listening;
}

function matches(attempt: DataAttempt, drop: ObservedNote): boolean {
  const to = target(attempt);
  if (!to || !drop.to || drop.to.port !== to.port) return false;
  if (to.host !== undefined && to.host !== '' && drop.to.host !== '' && !same(to.host, drop.to.host)) {
    // NAT: the firewall may log the translated address; the port and the time still tie them.
    if (timeOf(drop.at) === undefined) return false;
  }
  const offered = timeOf(attempt.modeReply?.seenAt ?? attempt.seenAt?.command);
  const dropped = timeOf(drop.at);
  return offered === undefined || dropped === undefined || Math.abs(dropped - offered) <= NEAR_MS;
}

function sentence(attempt: DataAttempt, drop: ObservedNote, file: string): string {
  const where = provenanceText(drop.at) ?? file;
  const verb = drop.meaning === 'firewall-reject' ? 'rejected' : 'dropped';
  const offered = timeOf(attempt.modeReply?.seenAt);
  const dropped = timeOf(drop.at);
  const after = offered !== undefined && dropped !== undefined && dropped >= offered ? `, ${((dropped - offered) / 1000).toFixed(1)} s after the ${attempt.modeReply?.code ?? 'reply'} offered it` : '';
  const from = drop.from ? ` from ${endpoint(drop.from)}` : '';
  return `The firewall that wrote ${file} ${verb} the connection${from} to ${endpoint(drop.to ?? { port: 0 })} (${where})${after}.`;
}

const ZONE_STEP_MS = 15 * 60_000;

/**
 * A drop to a failed connection's port a whole number of quarter hours away from it: the two
 * sources' times are in different zones (a zone-less log read in this machine's zone), not a
 * different event. Said, with the way out; never matched on a guess.
 */
function zoneShifted(evidence: readonly Evidence[], drops: readonly { drop: ObservedNote; file: string }[]): string | undefined {
  for (const record of evidence) {
    for (const attempt of record.attempts.filter((candidate) => FAILED_STATES.has(attemptState(candidate)))) {
      const to = target(attempt);
      const offered = timeOf(attempt.modeReply?.seenAt ?? attempt.seenAt?.command);
      if (!to || offered === undefined) continue;
      for (const { drop, file } of drops) {
        const dropped = timeOf(drop.at);
        if (dropped === undefined || drop.to?.port !== to.port) continue;
        const shift = Math.round((dropped - offered) / ZONE_STEP_MS) * ZONE_STEP_MS;
        if (shift === 0 || Math.abs(shift) > 14 * 3_600_000 || Math.abs(dropped - offered - shift) > NEAR_MS) continue;
        const hours = Math.abs(shift) / 3_600_000;
        return (
          `The drop to port ${to.port} in ${provenanceText(drop.at) ?? file} is ${hours} h ${shift > 0 ? 'after' : 'before'} the failed data connection to that port: the sources' clocks are probably in different zones. ` +
          "Times without a zone are read in this machine's zone; run explain with TZ set to the zone of the host that wrote them, or have the firewall log zoned times (RFC 3339)."
        );
      }
    }
  }
  return undefined;
}

/** Findings: each failed data connection a firewall log shows dropped or rejected; notes: drops that fit none. */
export function firewallFindings(readings: readonly SourceReading[], evidence: readonly Evidence[]): { findings: Finding[]; notes: string[] } {
  const drops = readings.flatMap((reading) =>
    (reading.pathEvents ?? []).filter((event: ObservedEvent): event is ObservedNote => event.kind === 'note' && (event.meaning === 'firewall-drop' || event.meaning === 'firewall-reject')).map((drop) => ({ drop, file: reading.file })),
  );
  if (drops.length === 0) return { findings: [], notes: [] };
  const lines: string[] = [];
  let rejected = false;
  let active = false;
  for (const record of evidence) {
    for (const attempt of record.attempts.filter((candidate) => FAILED_STATES.has(attemptState(candidate)))) {
      const hit = drops.find(({ drop }) => matches(attempt, drop));
      if (!hit) continue;
      lines.push(sentence(attempt, hit.drop, hit.file));
      rejected ||= hit.drop.meaning === 'firewall-reject';
      active ||= !isPassive(attempt);
    }
  }
  if (lines.length === 0) {
    const count = `${drops.length} dropped or rejected connection${drops.length === 1 ? '' : 's'}`;
    const shifted = zoneShifted(evidence, drops);
    return { findings: [], notes: [`The firewall logs show ${count}, none of them to the port of a failed data connection within two minutes of it: that firewall did not stop the data channel, or the logs' clocks disagree.`, ...(shifted ? [shifted] : [])] };
  }
  const code = active ? 'ACTIVE_INBOUND_BLOCKED' : rejected ? 'DATA_CHANNEL_REFUSED' : 'DATA_CHANNEL_BLOCKED';
  const finding: Finding = { code, severity: 'error', title: `The firewall log shows where the data connection died: ${lines.length} failed data connection${lines.length === 1 ? '' : 's'} ${rejected ? 'rejected' : 'dropped'} there`, explanation: 'A drop (or reject) line in the firewall log names the very port the failed data connection went to, at the time it failed: that firewall is the one to change — open the passive range (or the active-mode connections) in it.', evidence: lines.slice(0, 5), remedies: [] };
  return { findings: [finding], notes: [] };
}
