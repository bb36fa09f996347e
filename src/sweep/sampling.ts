/**
 * The fallback against servers without SITE SWEEP: ask PASV (EPSV on IPv6, or when PASV is
 * refused) again and again on every pooled session, and prove each port of the range the first
 * time the server hands it out. Bounded three ways: a total request budget, a run of requests
 * that bring nothing new, and the number of ports wanted. What was never handed out stays
 * untested, and the report says how much that is.
 *
 * Our own sessions compete for the range: each holds the listener of its last reply until the
 * transfer consumes it or its next request closes it. So a server out of ports (a 425, or
 * vsftpd's "500 OOPS: vsf_sysutil_bind", after which it closes the session) while some of them
 * hold listeners is back-pressure, caused by the sweep itself: that session retires and the sweep
 * goes on with one session fewer (never fewer than one), so it settles at what the server's range
 * can hold and its verdict does not depend on --concurrency. The last session waits for one of
 * ours to free a port and asks again. Only a refusal that persists while the sweep holds no
 * listener at all means the server (or another client) really has the range busy, and the sweep
 * gives up. More sessions than ports in the range could only ever queue, so there are at most
 * that many (of the range asked for: the server's own range may be smaller).
 */
import pLimit from 'p-limit';
import net from 'node:net';
import { normalizeAddress, parseEpsvReply, parsePasvReply, type Reply } from '../ftp/index.js';
import { describeError } from '../client/util.js';
import { rangeSize, type PortRange, type PortResult } from './options.js';
import type { PooledSession } from './pool.js';
import type { Runner } from './extension.js';
import { replyLine } from './prove.js';

export interface SamplingLimits {
  range: PortRange;
  /** Stop once this many distinct ports are proved (the range size, or --sample). */
  wanted: number;
  budget: number;
  staleLimit: number;
}

export interface SamplingOutcome {
  results: PortResult[];
  requests: number;
  /** Ports handed out outside the range → how often. */
  outside: Map<number, number>;
  stoppedBecause: string;
  /** Why no port could be asked for at all, when that happened. */
  failure?: string;
  /** Sessions that retired because the server ran out of ports while ours held some. */
  shed?: { sessions: number; of: number; line: string };
}

interface Shared {
  requests: number;
  stale: number;
  claimed: Set<number>;
  results: PortResult[];
  outside: Map<number, number>;
  failure?: string;
  /** Listeners the server holds open for our sessions (handed out, not yet consumed or closed). */
  holding: number;
  /** Sessions waiting for one of those listeners to be freed (one wakes per freed listener). */
  wakers: (() => void)[];
  /** Out-of-ports replies while our own sessions held listeners (bounded by the budget too). */
  busy: number;
  /** Workers still asking; back-pressure retires them down to one. */
  workers: number;
  shed: number;
  shedLine?: string;
}

/** How long a session waits for one of our listeners to be freed before it asks again anyway. */
const BUSY_WAIT_MS = 1_000;
/** 425s in a row to one session, while the sweep holds no listener, before the refusal is final. */
export const IDLE_REFUSAL_LIMIT = 5;
/** The pause after the n-th such refusal is n times this (a listener may still be closing). */
const IDLE_RETRY_STEP_MS = 100;

export async function sweepByPassive(limits: SamplingLimits, concurrency: number, runner: Runner): Promise<SamplingOutcome> {
  // At most one port of the range can be proved per session at a time: more would only queue.
  const sessions = Math.max(1, Math.min(concurrency, rangeSize(limits.range)));
  const shared: Shared = { requests: 0, stale: 0, claimed: new Set(), results: [], outside: new Map(), holding: 0, wakers: [], busy: 0, workers: sessions, shed: 0 };
  const limit = pLimit(sessions);
  await Promise.all(Array.from({ length: sessions }, () => limit(() => worker(limits, shared, runner))));
  return {
    results: shared.results.sort((a, b) => a.port - b.port),
    requests: shared.requests,
    outside: shared.outside,
    stoppedBecause: stopReason(limits, shared) ?? 'no control session was left',
    ...(shared.failure ? { failure: shared.failure } : {}),
    ...(shared.shed > 0 ? { shed: { sessions: shared.shed, of: sessions, line: shared.shedLine ?? '' } } : {}),
  };
}

function stopReason(limits: SamplingLimits, shared: Shared): string | undefined {
  if (shared.failure) return shared.failure;
  if (shared.results.length >= limits.wanted) return 'every wanted port was proved';
  if (shared.requests - shared.busy >= limits.budget) return `the request budget (${limits.budget}) was used up`;
  if (shared.busy >= limits.budget) return `${limits.budget} requests were refused (the server was out of ports) while the sweep's own sessions held the range's ports`;
  if (shared.stale >= limits.staleLimit) return `${limits.staleLimit} requests in a row brought no new port of the range`;
  return undefined;
}

async function worker(limits: SamplingLimits, shared: Shared, runner: Runner): Promise<void> {
  let session = await runner.pool.acquire();
  let verb: 'PASV' | 'EPSV' | undefined;
  // Whether the server holds a listener of ours on this session (counted in shared.holding).
  let holds = false;
  // Refusals in a row to this session while the sweep held no listener (the range is someone else's).
  let idleRefusals = 0;
  // Back-pressure retired this worker: its session goes back to the pool for the others.
  let retired = false;
  const hold = (): void => {
    holds = true;
    shared.holding += 1;
  };
  const free = (): void => {
    if (!holds) return;
    holds = false;
    shared.holding -= 1;
    shared.wakers.shift()?.();
  };
  // Bounded by the budget: every pass makes one request (or ends the loop).
  while (session && stopReason(limits, shared) === undefined) {
    verb ??= net.isIPv6(normalizeAddress(session.control.peerAddress)) ? 'EPSV' : 'PASV';
    shared.requests += 1;
    let usable = true;
    try {
      const answer = await requestPort(session, verb, runner.replyTimeoutMs);
      // The server closes a session's previous listener before it answers its next request.
      free();
      if (session.control.lostReason) usable = false;
      if (answer.kind === 'busy') {
        if (shared.holding > 0 && retire(shared, runner, answer.line)) {
          retired = true;
          break;
        }
        // A session the server is closing (421) is replaced, not waited on; one it closed because
        // it had no port to give (vsftpd's OOPS) is a refusal like a 425.
        if (usable || answer.outOfPorts) idleRefusals = await backOff(shared, answer.line, idleRefusals);
        continue;
      }
      if (answer.kind === 'refused') {
        if (verb === 'PASV') verb = 'EPSV';
        else shared.failure = `the server refuses PASV and EPSV: ${answer.line}`;
        continue;
      }
      const port = answer.port;
      idleRefusals = 0;
      hold();
      if (port < limits.range.from || port > limits.range.to) {
        shared.outside.set(port, (shared.outside.get(port) ?? 0) + 1);
        shared.stale += 1;
        continue;
      }
      if (shared.claimed.has(port)) {
        // Not dialled: the next request, made at once, closes this listener again.
        shared.stale += 1;
        continue;
      }
      shared.claimed.add(port);
      shared.stale = 0;
      const proved = await runner.prove(session, port);
      // A completed transfer consumed the listener; after anything else it may still be open.
      if (proved.state === 'open' && proved.usable) free();
      usable &&= proved.usable;
      const result: PortResult = { port, state: proved.state, detail: proved.detail };
      shared.results.push(result);
      runner.done(result, session.slot);
    } catch (error) {
      usable = false;
      shared.failure ??= runner.pool.size <= 1 ? `the control session failed: ${describeError(error)}` : undefined;
    } finally {
      if (retired) {
        // Back to the pool (if the server left it open): a worker whose session dies takes it.
        runner.pool.release(session, usable);
        session = undefined;
      } else if (!usable) {
        // A discarded session's listeners close with it.
        free();
        runner.pool.release(session, false);
        session = await runner.pool.acquire();
      }
    }
  }
  free();
  // The sweep is over (or this worker has no session): nobody should wait for a listener now.
  for (const wake of shared.wakers.splice(0)) wake();
  if (session) runner.pool.release(session, true);
}

/**
 * The server ran out of ports while our own sessions held some: the sweep itself is the load.
 * This worker retires (the others go on, bounded: never below one) and the pool opens no more
 * sessions than the workers left. False when this is the last worker (it waits instead).
 */
function retire(shared: Shared, runner: Runner, line: string): boolean {
  shared.busy += 1;
  if (shared.workers <= 1) return false;
  shared.workers -= 1;
  shared.shed += 1;
  shared.shedLine ??= line;
  runner.pool.limitTo(shared.workers);
  return true;
}

/**
 * After a 425: while our own sessions hold listeners, wait (bounded) for one to be freed; else
 * pause a little longer each time, and after IDLE_REFUSAL_LIMIT in a row give up. Returns the
 * session's new count of refusals in a row while the sweep held nothing.
 */
async function backOff(shared: Shared, line: string, idleRefusals: number): Promise<number> {
  if (shared.holding > 0) {
    await waitFor((wake) => shared.wakers.push(wake), BUSY_WAIT_MS, (wake) => {
      const index = shared.wakers.indexOf(wake);
      if (index >= 0) shared.wakers.splice(index, 1);
    });
    return idleRefusals;
  }
  const refusals = idleRefusals + 1;
  if (refusals >= IDLE_REFUSAL_LIMIT) {
    shared.failure ??= `the server refused a passive port ${IDLE_REFUSAL_LIMIT} times in a row while this sweep held none of its listeners: ${line}`;
    return refusals;
  }
  await waitFor(() => {}, IDLE_RETRY_STEP_MS * refusals, () => {});
  return refusals;
}

/** Resolve when `register`'s wake is called or after `ms`, whichever is first; `unregister` on timeout. */
function waitFor(register: (wake: () => void) => void, ms: number, unregister: (wake: () => void) => void): Promise<void> {
  return new Promise((resolve) => {
    const wake = (): void => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      unregister(wake);
      resolve();
    }, ms);
    register(wake);
  });
}

type PortAnswer = { kind: 'port'; port: number } | { kind: 'busy'; line: string; outOfPorts: boolean } | { kind: 'refused'; line: string };

/**
 * Does this refusal of PASV/EPSV say the server has no port to give? A 425 ("can't open data
 * connection", every port of the range in use), or a 5xx that names the failed bind or listen:
 * vsftpd answers "500 OOPS: vsf_sysutil_bind" (and closes the session) when every port of its
 * range is taken. Pure, table-tested.
 */
export function saysOutOfPorts(reply: Pick<Reply, 'code' | 'message'>): boolean {
  if (reply.code === 425) return true;
  if (reply.code < 500 || reply.code > 599) return false;
  return /\bvsf_sysutil_(bind|listen)\b|\b(bind|listen)\b.*\b(fail|error|in use)|address already in use|EADDRINUSE|no (free|available) (passive )?ports?/i.test(reply.message);
}

/**
 * The port of the next PASV/EPSV reply; `busy` for a transient refusal (4xx: 425, the range is
 * in use) or a server out of ports (saysOutOfPorts); `refused` for anything else (the verb is not
 * offered, or the reply is unreadable).
 */
async function requestPort(session: PooledSession, verb: 'PASV' | 'EPSV', replyTimeoutMs: number): Promise<PortAnswer> {
  const reply = await session.control.command(verb, undefined, replyTimeoutMs);
  const outOfPorts = saysOutOfPorts(reply);
  if ((reply.code >= 400 && reply.code < 500) || outOfPorts) return { kind: 'busy', line: replyLine(reply), outOfPorts };
  const parsed = verb === 'PASV' ? (reply.code === 227 ? parsePasvReply(reply.message) : undefined) : reply.code === 229 ? parseEpsvReply(reply.message) : undefined;
  if (!parsed) return { kind: 'refused', line: replyLine(reply) };
  if (!parsed.ok) return { kind: 'refused', line: `${replyLine(reply)}: ${parsed.error}` };
  return { kind: 'port', port: typeof parsed.value === 'number' ? parsed.value : parsed.value.port };
}
