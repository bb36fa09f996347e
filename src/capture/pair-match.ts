/**
 * Two captures of the same FTP sessions (one at the client, one at the server): which session in
 * one is which in the other (pure). Addresses cannot say — NAT changes them, and a PORT or 227 can
 * be rewritten — so the sessions are matched by what they said (the command verbs and arguments
 * and the reply codes, in order) and by timing: the two clocks may differ by any offset, so the
 * offset is first estimated from the sessions that match well, then identical sessions (a script
 * run 25 times) are told apart by their start times under that offset.
 */
import type { ObservedSession } from '../evidence/observed.js';

/** Tokens compared per session, and sessions compared per capture: the matching is quadratic. */
const MAX_TOKENS = 64;
export const MAX_PAIRED_SESSIONS = 500;
/** Below this share of common tokens, two sessions are not the same one. */
const MIN_SIMILARITY = 0.5;

export interface SessionPair {
  client: ObservedSession;
  server: ObservedSession;
  /** Share of the command/reply sequence the two have in common (0..1). */
  similarity: number;
  /** Server capture's clock minus the client capture's for this session (ms), when both have times. */
  offsetMs?: number;
}

export interface PairMatching {
  pairs: SessionPair[];
  /** The clock offset most pairs agree on (server minus client, ms). */
  offsetMs?: number;
  unmatchedClient: ObservedSession[];
  unmatchedServer: ObservedSession[];
  /** Sessions beyond MAX_PAIRED_SESSIONS on either side were not compared. */
  truncated: boolean;
}

/**
 * What a session said, as words NAT does not change: commands by verb with their arguments except
 * the password and the addresses (PORT/EPRT), replies by code. The 227/229 texts are left out on
 * purpose (an ALG may rewrite them; that is what the pair is asked to find).
 */
export function sessionTokens(session: ObservedSession): string[] {
  const tokens: string[] = [];
  for (const event of session.events) {
    if (tokens.length >= MAX_TOKENS) break;
    if (event.kind === 'command') {
      const [verb = '', ...rest] = event.text.split(' ');
      const upper = verb.toUpperCase();
      tokens.push(upper === 'PASS' || upper === 'PORT' || upper === 'EPRT' ? upper : `${upper} ${rest.join(' ')}`.trim());
    } else if (event.kind === 'reply') {
      tokens.push(String(event.code));
    }
  }
  return tokens;
}

/** Longest common subsequence length, bounded by MAX_TOKENS on each side. */
export function commonLength(a: readonly string[], b: readonly string[]): number {
  const previous = new Array<number>(b.length + 1).fill(0);
  const current = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i += 1) {
    for (let j = 1; j <= b.length; j += 1) {
      current[j] = a[i - 1] === b[j - 1] ? (previous[j - 1] as number) + 1 : Math.max(previous[j] as number, current[j - 1] as number);
    }
    for (let j = 0; j <= b.length; j += 1) previous[j] = current[j] as number;
  }
  return previous[b.length] as number;
}

export function sessionStartMs(session: ObservedSession): number | undefined {
  const first = session.events[0];
  const time = first?.at.source === 'capture' || first?.at.source === 'log' ? first.at.time : undefined;
  return time ? Date.parse(time) : undefined;
}

function similarity(a: readonly string[], b: readonly string[]): number {
  if (a.length === 0 && b.length === 0) return 1;
  return commonLength(a, b) / Math.max(a.length, b.length);
}

function median(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.floor(sorted.length / 2)];
}

export function matchSessions(clientSessions: readonly ObservedSession[], serverSessions: readonly ObservedSession[]): PairMatching {
  const truncated = clientSessions.length > MAX_PAIRED_SESSIONS || serverSessions.length > MAX_PAIRED_SESSIONS;
  const clients = clientSessions.slice(0, MAX_PAIRED_SESSIONS);
  const servers = serverSessions.slice(0, MAX_PAIRED_SESSIONS);
  const clientTokens = clients.map(sessionTokens);
  const serverTokens = servers.map(sessionTokens);
  const candidates: Array<{ i: number; j: number; similarity: number; offset?: number }> = [];
  for (let i = 0; i < clients.length; i += 1) {
    for (let j = 0; j < servers.length; j += 1) {
      const score = similarity(clientTokens[i] as string[], serverTokens[j] as string[]);
      if (score < MIN_SIMILARITY) continue;
      const a = sessionStartMs(clients[i] as ObservedSession);
      const b = sessionStartMs(servers[j] as ObservedSession);
      candidates.push({ i, j, similarity: score, ...(a !== undefined && b !== undefined ? { offset: b - a } : {}) });
    }
  }
  // The clocks' offset: what the best-matching candidates agree on.
  const best = Math.max(0, ...candidates.map((candidate) => candidate.similarity));
  const offsetMs = median(candidates.filter((candidate) => candidate.similarity >= best - 0.1 && candidate.offset !== undefined).map((candidate) => candidate.offset as number));
  const skew = (candidate: { offset?: number }): number => (candidate.offset === undefined || offsetMs === undefined ? 0 : Math.abs(candidate.offset - offsetMs));
  candidates.sort((x, y) => y.similarity - x.similarity || skew(x) - skew(y));
  const usedClient = new Set<number>();
  const usedServer = new Set<number>();
  const pairs: SessionPair[] = [];
  for (const candidate of candidates) {
    if (usedClient.has(candidate.i) || usedServer.has(candidate.j)) continue;
    usedClient.add(candidate.i);
    usedServer.add(candidate.j);
    pairs.push({
      client: clients[candidate.i] as ObservedSession,
      server: servers[candidate.j] as ObservedSession,
      similarity: candidate.similarity,
      ...(candidate.offset !== undefined ? { offsetMs: candidate.offset } : {}),
    });
  }
  pairs.sort((x, y) => clients.indexOf(x.client) - clients.indexOf(y.client));
  return {
    pairs,
    ...(offsetMs !== undefined ? { offsetMs } : {}),
    unmatchedClient: clients.filter((_, index) => !usedClient.has(index)),
    unmatchedServer: servers.filter((_, index) => !usedServer.has(index)),
    truncated,
  };
}
