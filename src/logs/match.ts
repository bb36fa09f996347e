/**
 * Pure: which sessions of different files are the same FTP session (a client's log and the
 * server's log of it; a log and a capture). Judged by the command sequence (the longest common
 * subsequence of verbs — servers and clients log the same commands, NAT or not), by time (when
 * both sources have clocks in the same convention) and by the client's port when both know it.
 * Greedy, best pairs first, each session in at most one group; at most MAX_PAIRS_COMPARED pairs are
 * compared (the first sessions of each file), each session's verbs and times read once.
 */
import type { ObservedSession } from '../evidence/observed.js';
import type { SourceReading } from '../evidence/source.js';

export interface SessionRef {
  file: string;
  id: string;
}

export interface SessionMatch {
  sessions: SessionRef[];
  /** 0..1.5: the best pair's score within the group. */
  score: number;
  /** For people: what agreed. */
  why: string[];
}

/** Times closer than this are the same moment (log clocks have one-second resolution). */
const SAME_TIME_MS = 2_000;
const ZONE_STEP_MS = 15 * 60_000;
/** Below this a pair is not matched. */
export const MATCH_THRESHOLD = 0.5;
/** Session pairs compared at most, all files together (each costs up to MAX_VERBS² steps). */
export const MAX_PAIRS_COMPARED = 200_000;
/** Verbs compared per session at most. */
const MAX_VERBS = 64;

const summaries = new WeakMap<ObservedSession, { verbs: string[]; span: Span | undefined }>();

function summary(session: ObservedSession): { verbs: string[]; span: Span | undefined } {
  let known = summaries.get(session);
  if (!known) {
    known = { verbs: verbs(session), span: span(session) };
    summaries.set(session, known);
  }
  return known;
}

function verbs(session: ObservedSession): string[] {
  const out: string[] = [];
  for (const event of session.events) {
    if (event.kind !== 'command') continue;
    out.push(event.text.split(' ')[0]?.toUpperCase() ?? '');
    if (out.length >= MAX_VERBS) break;
  }
  return out;
}

export function longestCommonSubsequence(a: readonly string[], b: readonly string[]): number {
  let previous = new Array<number>(b.length + 1).fill(0);
  for (const x of a) {
    const row = new Array<number>(b.length + 1).fill(0);
    for (let j = 1; j <= b.length; j += 1) row[j] = x === b[j - 1] ? (previous[j - 1] ?? 0) + 1 : Math.max(previous[j] ?? 0, row[j - 1] ?? 0);
    previous = row;
  }
  return previous[b.length] ?? 0;
}

interface Span {
  from: number;
  to: number;
  utc: boolean;
}

function span(session: ObservedSession): Span | undefined {
  let from = Infinity;
  let to = -Infinity;
  let utc = false;
  for (const event of session.events) {
    const time = 'time' in event.at ? event.at.time : undefined;
    if (!time || !/^\d{4}-/.test(time)) continue;
    utc = time.endsWith('Z');
    const ms = Date.parse(utc ? time : `${time}Z`);
    if (!Number.isFinite(ms)) continue;
    from = Math.min(from, ms);
    to = Math.max(to, ms);
  }
  return from <= to ? { from, to, utc } : undefined;
}

export function pairScore(a: ObservedSession, b: ObservedSession): { score: number; why: string[] } {
  const why: string[] = [];
  const { verbs: va, span: sa } = summary(a);
  const { verbs: vb, span: sb } = summary(b);
  let score = 0;
  if (va.length > 0 && vb.length > 0) {
    const common = longestCommonSubsequence(va, vb);
    score += common / Math.max(va.length, vb.length);
    if (common > 0) why.push(`${common} command(s) in the same order`);
  }
  if (sa && sb) {
    const gap = Math.max(0, Math.max(sa.from, sb.from) - Math.min(sa.to, sb.to));
    // Logs without a zone are in their host's local time: two hosts may differ by a zone offset
    // (a multiple of 15 minutes), which is still "the same time".
    const shift = sb.from - sa.from;
    const zone = Math.round(shift / ZONE_STEP_MS) * ZONE_STEP_MS;
    const zoneGap = Math.abs(shift - zone) - Math.max(sa.to - sa.from, sb.to - sb.from);
    if (gap <= SAME_TIME_MS) {
      score += 0.3;
      why.push('at the same time');
    } else if (!(sa.utc && sb.utc) && zone !== 0 && Math.abs(zone) <= 14 * 3_600_000 && zoneGap <= SAME_TIME_MS) {
      score += 0.2;
      why.push(`at the same time, ${zone / 3_600_000} h apart by the hosts' time zones`);
    } else if (gap > 5 * 60_000) {
      score -= 0.8;
      why.push(`${Math.round(gap / 1000)} s apart`);
    }
  }
  const ca = a.client;
  const cb = b.client;
  if (ca && cb && ca.port > 0 && cb.port > 0) {
    if (ca.port === cb.port) {
      score += 0.4;
      why.push(`client port ${ca.port} on both`);
    }
  }
  return { score, why };
}

export function matchSessions(readings: readonly SourceReading[]): SessionMatch[] {
  const candidates: { a: SessionRef; b: SessionRef; score: number; why: string[] }[] = [];
  let budget = MAX_PAIRS_COMPARED;
  for (let i = 0; i < readings.length; i += 1) {
    for (let j = i + 1; j < readings.length; j += 1) {
      const left = readings[i];
      const right = readings[j];
      if (!left || !right || left.file === right.file) continue;
      for (const a of left.sessions) {
        for (const b of right.sessions) {
          if (budget <= 0) break;
          budget -= 1;
          const { score, why } = pairScore(a, b);
          if (score >= MATCH_THRESHOLD) candidates.push({ a: { file: left.file, id: a.id }, b: { file: right.file, id: b.id }, score, why });
        }
      }
    }
  }
  candidates.sort((x, y) => y.score - x.score);
  const groupOf = new Map<string, SessionMatch>();
  const keyOf = (ref: SessionRef): string => `${ref.file}\u0000${ref.id}`;
  const hasFile = (group: SessionMatch | undefined, file: string): boolean => group?.sessions.some((ref) => ref.file === file) ?? false;
  const groups: SessionMatch[] = [];
  for (const candidate of candidates) {
    const ga = groupOf.get(keyOf(candidate.a));
    const gb = groupOf.get(keyOf(candidate.b));
    if (ga && gb) continue;
    if (ga) {
      if (hasFile(ga, candidate.b.file)) continue;
      ga.sessions.push(candidate.b);
      groupOf.set(keyOf(candidate.b), ga);
    } else if (gb) {
      if (hasFile(gb, candidate.a.file)) continue;
      gb.sessions.push(candidate.a);
      groupOf.set(keyOf(candidate.a), gb);
    } else {
      const group: SessionMatch = { sessions: [candidate.a, candidate.b], score: candidate.score, why: candidate.why };
      groups.push(group);
      groupOf.set(keyOf(candidate.a), group);
      groupOf.set(keyOf(candidate.b), group);
    }
  }
  return groups;
}
