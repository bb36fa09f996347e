/**
 * The fallback against servers without SITE SWEEP: ask PASV (EPSV on IPv6, or when PASV is
 * refused) again and again on every pooled session, and prove each port of the range the first
 * time the server hands it out. Bounded three ways: a total request budget, a run of requests
 * that bring nothing new, and the number of ports wanted. What was never handed out stays
 * untested, and the report says how much that is.
 */
import pLimit from 'p-limit';
import net from 'node:net';
import { normalizeAddress, parseEpsvReply, parsePasvReply } from '../ftp/index.js';
import { describeError } from '../client/util.js';
import type { PortRange, PortResult } from './options.js';
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
}

interface Shared {
  requests: number;
  stale: number;
  claimed: Set<number>;
  results: PortResult[];
  outside: Map<number, number>;
  failure?: string;
}

export async function sweepByPassive(limits: SamplingLimits, concurrency: number, runner: Runner): Promise<SamplingOutcome> {
  const shared: Shared = { requests: 0, stale: 0, claimed: new Set(), results: [], outside: new Map() };
  const limit = pLimit(concurrency);
  await Promise.all(Array.from({ length: concurrency }, () => limit(() => worker(limits, shared, runner))));
  return {
    results: shared.results.sort((a, b) => a.port - b.port),
    requests: shared.requests,
    outside: shared.outside,
    stoppedBecause: stopReason(limits, shared) ?? 'no control session was left',
    ...(shared.failure ? { failure: shared.failure } : {}),
  };
}

function stopReason(limits: SamplingLimits, shared: Shared): string | undefined {
  if (shared.failure) return shared.failure;
  if (shared.results.length >= limits.wanted) return 'every wanted port was proved';
  if (shared.requests >= limits.budget) return `the request budget (${limits.budget}) was used up`;
  if (shared.stale >= limits.staleLimit) return `${limits.staleLimit} requests in a row brought no new port of the range`;
  return undefined;
}

async function worker(limits: SamplingLimits, shared: Shared, runner: Runner): Promise<void> {
  let session = await runner.pool.acquire();
  let verb: 'PASV' | 'EPSV' | undefined;
  // Bounded by the budget: every pass makes one request (or ends the loop).
  while (session && stopReason(limits, shared) === undefined) {
    verb ??= net.isIPv6(normalizeAddress(session.control.peerAddress)) ? 'EPSV' : 'PASV';
    shared.requests += 1;
    let usable = true;
    try {
      const port = await requestPort(session, verb, runner.replyTimeoutMs);
      if (typeof port === 'string') {
        if (verb === 'PASV') verb = 'EPSV';
        else shared.failure = `the server refuses PASV and EPSV: ${port}`;
        continue;
      }
      if (port < limits.range.from || port > limits.range.to) {
        shared.outside.set(port, (shared.outside.get(port) ?? 0) + 1);
        shared.stale += 1;
        continue;
      }
      if (shared.claimed.has(port)) {
        // Not dialled: the next request on this session closes the server's listener.
        shared.stale += 1;
        continue;
      }
      shared.claimed.add(port);
      shared.stale = 0;
      const proved = await runner.prove(session, port);
      usable = proved.usable;
      const result: PortResult = { port, state: proved.state, detail: proved.detail };
      shared.results.push(result);
      runner.done(result, session.slot);
    } catch (error) {
      usable = false;
      shared.failure ??= runner.pool.size <= 1 ? `the control session failed: ${describeError(error)}` : undefined;
    } finally {
      if (!usable) {
        runner.pool.release(session, false);
        session = await runner.pool.acquire();
      }
    }
  }
  if (session) runner.pool.release(session, true);
}

/** The port of the next PASV/EPSV reply, or why there was none (a reply line). */
async function requestPort(session: PooledSession, verb: 'PASV' | 'EPSV', replyTimeoutMs: number): Promise<number | string> {
  const reply = await session.control.command(verb, undefined, replyTimeoutMs);
  if (verb === 'PASV') {
    if (reply.code !== 227) return replyLine(reply);
    const parsed = parsePasvReply(reply.message);
    return parsed.ok ? parsed.value.port : `${replyLine(reply)}: ${parsed.error}`;
  }
  if (reply.code !== 229) return replyLine(reply);
  const parsed = parseEpsvReply(reply.message);
  return parsed.ok ? parsed.value : `${replyLine(reply)}: ${parsed.error}`;
}
