/**
 * What the sessions to one server show together that no session shows alone: a probe runs every
 * mode, plain and TLS, against one server and compares them (TLS data blocked where plain data
 * works: the firewall's FTP inspection); a capture of several sessions to one server holds the
 * same comparison. The sessions' attempts are judged together and only findings no single session
 * gave are kept. Pure.
 *
 * Unlike a probe, which runs its modes back to back, the sessions of a capture or a log are spread
 * over time, and the path can change between them (a rule added halfway through). So a comparison
 * is only kept when the evidence really separates its two sides (see separatesTls).
 */
import type { DataAttempt, Evidence } from '../evidence/model.js';
import { attemptState, passivePortsOf } from '../diagnosis/facts.js';
import { diagnose } from '../diagnosis/index.js';
import { timeForOrdering, timeOfDay } from '../evidence/provenance.js';
import type { Finding } from '../report/model.js';

export interface AcrossSessions {
  findings: Finding[];
  /** Sentences for the summary: what the sessions show together when no finding can say it. */
  notes: string[];
}

/** One path: one client to one server (a client elsewhere may sit behind another firewall). */
function pathKey(record: Evidence): string | undefined {
  const host = record.controlPeer ?? record.host;
  return host === undefined ? undefined : `${record.clientAddress ?? ''} > ${host}:${record.port ?? ''}`;
}

/**
 * Every passive port a session shows: the ones its replies advertised, and those a TLS-encrypted
 * control channel hid, where the client's connection to the server's port shows them (the remedies'
 * "the ports seen" must not leave those out).
 */
function portsSeen(record: Evidence): number[] {
  const hidden = record.attempts.flatMap((attempt) => (attempt.modeHiddenByTls?.inferred === 'passive' && attempt.dialed ? [attempt.dialed.port] : []));
  return [...passivePortsOf(record), ...hidden];
}

function merged(records: readonly Evidence[]): Evidence {
  const [first] = records as [Evidence];
  const combined: Evidence = { ...first, attempts: records.flatMap((record) => record.attempts), passivePorts: records.flatMap(portsSeen) };
  if (records.some((record) => record.referenceServer)) combined.referenceServer = true;
  // The login and the greeting are judged per session; here only the data channels are compared.
  delete combined.login;
  delete combined.greeting;
  delete combined.authTls;
  return combined;
}

/** The data connection got through: connected (passive) or arrived (active). */
const gotThrough = (attempt: DataAttempt): boolean => attempt.connect?.outcome === 'connected' || attempt.inbound?.arrived === true || attemptState(attempt) === 'ok';
/** The data connection itself never got through (not a transfer that failed afterwards). */
const connectionFailed = (attempt: DataAttempt): boolean => {
  const state = attemptState(attempt);
  return state.startsWith('connect-') || state === 'inbound-missing';
};

/**
 * "Plain works, TLS fails" holds only when no TLS data connection on the same path got through
 * and no plain one failed: a TLS connection that worked shows the firewall can pass it, a plain
 * one that failed shows something else blocks data connections whatever the mode.
 */
function separatesTls(attempts: readonly DataAttempt[]): boolean {
  return !attempts.some((attempt) => (attempt.tls ? gotThrough(attempt) : connectionFailed(attempt)));
}

/** When the source saw the attempt (its connect, else its mode command): ISO time, or undefined. */
function timeOf(attempt: DataAttempt): string | undefined {
  const at = attempt.seenAt?.connect ?? attempt.seenAt?.command;
  return at && 'time' in at ? at.time : undefined;
}

/**
 * The moment the path changed, when the order of the attempts shows one: every data connection
 * after the last one that got through failed, TLS and plain alike. Undefined when the attempts
 * carry no times or do not fall into that pattern.
 */
export function everythingFailedAfter(attempts: readonly DataAttempt[]): string | undefined {
  const timed = attempts.flatMap((attempt) => {
    const time = timeOf(attempt);
    const order = time === undefined ? Number.NaN : timeForOrdering(time);
    return Number.isNaN(order) ? [] : [{ attempt, time: time as string, order }];
  });
  if (timed.length !== attempts.length) return undefined;
  timed.sort((a, b) => a.order - b.order);
  const lastThrough = timed.findLastIndex((entry) => gotThrough(entry.attempt));
  if (lastThrough < 0) return undefined;
  const after = timed.slice(lastThrough + 1);
  if (after.length === 0 || !after.every((entry) => connectionFailed(entry.attempt))) return undefined;
  if (!after.some((entry) => entry.attempt.tls) || !after.some((entry) => !entry.attempt.tls)) return undefined;
  const first = after[0] as (typeof after)[number];
  const last = timed[lastThrough] as (typeof timed)[number];
  const count = after.length;
  return (
    `Every data connection from ${timeOfDay(first.time)} on failed, TLS or not (${count === 2 ? 'both' : `all ${count}`} of them; the last one that got through was at ${timeOfDay(last.time)}): ` +
    'something on the path changed then — TLS is not what separates the sessions that worked from those that failed.'
  );
}

/** The comparison no finding may make: TLS and plain do not separate the sessions that worked from those that failed. */
function notSeparated(attempts: readonly DataAttempt[]): string {
  const tlsThrough = attempts.filter((attempt) => attempt.tls && gotThrough(attempt)).length;
  const plainFailed = attempts.filter((attempt) => !attempt.tls && connectionFailed(attempt)).length;
  const why = [
    tlsThrough > 0 ? `${tlsThrough === 1 ? 'a TLS data connection' : `${tlsThrough} TLS data connections`} got through` : '',
    plainFailed > 0 ? `${plainFailed === 1 ? 'a plain one' : `${plainFailed} plain ones`} failed` : '',
  ].filter(Boolean);
  return `Data connections failed under TLS, but ${why.join(' and ')} on the same path: TLS is not what separates the sessions that worked from those that failed.`;
}

/** Findings across the sessions of each path (a client to a server), with codes none of those sessions got alone. */
export function acrossSessions(records: readonly Evidence[], perSession: readonly Finding[][]): AcrossSessions {
  const groups = new Map<string, number[]>();
  records.forEach((record, index) => {
    const key = pathKey(record);
    if (key !== undefined && record.attempts.length > 0) groups.set(key, [...(groups.get(key) ?? []), index]);
  });
  const findings: Finding[] = [];
  const notes: string[] = [];
  for (const indexes of groups.values()) {
    if (indexes.length < 2) continue;
    const seen = new Set(indexes.flatMap((index) => (perSession[index] ?? []).map((finding) => finding.code)));
    const together = merged(indexes.map((index) => records[index] as Evidence));
    const fresh = diagnose(together).findings.filter((finding) => !seen.has(finding.code) && finding.code !== 'UNEXPLAINED_FAILURE');
    if (fresh.some((finding) => finding.code === 'TLS_BREAKS_INSPECTION') && !separatesTls(together.attempts)) {
      findings.push(...fresh.filter((finding) => finding.code !== 'TLS_BREAKS_INSPECTION'));
      notes.push(everythingFailedAfter(together.attempts) ?? notSeparated(together.attempts));
      continue;
    }
    findings.push(...fresh);
  }
  return { findings, notes };
}
