/**
 * One sentence across all sessions of the inputs, the line a user reads first:
 * "23 of 25 passive data connections to 50000-50009 completed; the 2 to 51000-51001 timed out". Pure.
 */
import type { DataAttempt, Evidence } from '../evidence/model.js';
import { attemptState, hiddenModeText, isPassive } from '../diagnosis/facts.js';
import { icmpSummaryWords } from '../diagnosis/icmp.js';

const STATE_WORDS: Record<string, string> = {
  'connect-timeout': 'got no answer',
  'connect-refused': 'were refused',
  'connect-unreachable': 'were unreachable',
  'connect-error': 'failed to connect',
  'inbound-missing': 'never arrived',
  'transfer-stalled': 'stalled',
  'transfer-cut': 'were cut',
  'transfer-refused': 'were refused by the server',
  'mode-refused': 'were refused by the server',
  'data-tls-failed': 'failed their TLS handshake',
  'unusable-reply': 'had an unusable reply',
  'transfer-too-slow': 'were too slow',
  'not-started': 'did not start',
};

/** "50000-50009" or "50000, 50003 and 50007" for a handful of ports. */
export function portsText(ports: readonly number[]): string {
  const sorted = [...new Set(ports)].sort((a, b) => a - b);
  if (sorted.length === 0) return '';
  const first = sorted[0] as number;
  const last = sorted.at(-1) as number;
  if (sorted.length > 3 || last - first + 1 === sorted.length) return first === last ? `${first}` : `${first}-${last}`;
  return sorted.length === 1 ? `${first}` : `${sorted.slice(0, -1).join(', ')} and ${last}`;
}

/** "were refused" → "was refused" for one. */
const singular = (words: string, count: number): string => (count === 1 ? words.replace(/^were\b/, 'was') : words);

function portOf(attempt: DataAttempt): number | undefined {
  return (attempt.dialed ?? attempt.advertised ?? attempt.listening)?.port;
}

/** `kind` is left out for data connections whose mode was hidden by TLS. */
function sentence(kind: 'passive' | 'active' | undefined, attempts: readonly DataAttempt[]): string | undefined {
  if (attempts.length === 0) return undefined;
  const ok = attempts.filter((attempt) => attemptState(attempt) === 'ok');
  const ports = (list: readonly DataAttempt[]): string => portsText(list.flatMap((attempt) => portOf(attempt) ?? []));
  const head = `${ok.length} of ${attempts.length} ${kind ? `${kind} ` : ''}data connection${attempts.length === 1 ? '' : 's'}${ports(attempts) ? ` to ${ports(attempts)}` : ''} completed`;
  const failures = new Map<string, DataAttempt[]>();
  for (const attempt of attempts) {
    const state = attemptState(attempt);
    if (state !== 'ok') failures.set(state, [...(failures.get(state) ?? []), attempt]);
  }
  // An ICMP from one firewall says who rejected them: "was rejected as administratively prohibited by a firewall at 192.0.2.1", not "was unreachable".
  const words = (state: string, list: readonly DataAttempt[]): string => (state === 'connect-unreachable' ? icmpSummaryWords(list.map((attempt) => attempt.connect?.icmp)) : undefined) ?? STATE_WORDS[state] ?? state;
  const tails = [...failures].map(([state, list]) => `${list.length === 1 ? 'the one' : `the ${list.length}`}${ports(list) ? ` to ${ports(list)}` : ''} ${singular(words(state, list), list.length)}`);
  return tails.length === 0 ? head : `${head}; ${tails.join('; ')}`;
}

/**
 * Data connections of sessions whose control channel was encrypted in a capture: the mode command
 * and the ports it named were hidden by TLS, so only each connection's direction says passive-like
 * or active-like, and the sentence says so instead of naming a mode.
 */
function hiddenSentence(attempts: readonly DataAttempt[]): string | undefined {
  const head = sentence(undefined, attempts);
  if (head === undefined) return undefined;
  const directions: string[] = [];
  for (const inferred of ['passive', 'active'] as const) {
    const same = attempts.flatMap((attempt) => (attempt.modeHiddenByTls?.inferred === inferred ? [attempt.modeHiddenByTls] : []));
    const first = same[0];
    if (first) directions.push(`${hiddenModeText(first)}${same.length > 1 ? ` and ${same.length - 1} more like it` : ''}`);
  }
  const one = attempts.length === 1;
  return `${head}. ${one ? 'Its' : 'Their'} mode command${one ? '' : 's'} and the ports named were hidden by TLS (encrypted control channel): ${directions.join('; ')}.`;
}

/** "none", "1", "17", "both", "all" of `total`: the count said so that it cannot contradict the total. */
export function howMany(count: number, total: number): string {
  if (count === 0) return 'none';
  if (count === total) return total === 2 ? 'both' : 'all';
  return String(count);
}

export function summarise(evidence: readonly Evidence[]): string[] {
  const attempts = evidence.flatMap((record) => record.attempts);
  const failedSessions = evidence.filter((record) => record.attempts.some((attempt) => attemptState(attempt) !== 'ok')).length;
  const seen = attempts.filter((attempt) => !attempt.modeHiddenByTls);
  const lines = [
    sentence('passive', seen.filter(isPassive)),
    sentence('active', seen.filter((attempt) => !isPassive(attempt))),
    hiddenSentence(attempts.filter((attempt) => attempt.modeHiddenByTls)),
  ].filter((line): line is string => line !== undefined);
  if (evidence.length > 1) lines.unshift(`${evidence.length} FTP sessions, ${howMany(failedSessions, evidence.length)} with a failed data connection.`);
  if (attempts.length === 0) lines.push(`No data connection was seen in ${evidence.length === 1 ? 'the session' : 'any session'}.`);
  return lines;
}
