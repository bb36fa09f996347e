/**
 * The batched extension method: the server opens a whole block of listeners with one
 * `SITE SWEEP A-B` (src/sweep/protocol.ts), and every port of the block is dialled at once, each
 * proved by one TCP exchange — connect, read the token naming that port, reset (dial.ts).
 *
 * Two dials per unanswered port (pace.ts says why), both while the block's listeners are open:
 * 1. every port, with the fast connect deadline (a few round trips plus one SYN retransmission);
 *    a port that answered is decided at once, a port that did not is only *suspected* dropped;
 * 2. the suspects again, on a new socket, with the full data timeout. Only a port unanswered
 *    twice is reported dropped, so a lost SYN never becomes a false "dropped".
 * When the fast deadline is the full data timeout already (a short --data-timeout), the first
 * dial is final. Ports the server had busy get one more block at the end.
 *
 * Blocks grow while their first dials go cleanly and shrink when the server or the path pushes
 * back (Pace). Up to BLOCK_SESSIONS blocks are in flight: the next is opened and dialled as soon
 * as the newest one's first dials are done, while older ones re-dial their suspects, as long as
 * all of them together hold no more listeners than both sides' open-files budgets allow.
 *
 * Classification per port (same states as the per-port method):
 * - no answer to the connect, twice → dropped; ECONNREFUSED / unreachable → refused;
 * - connected and the first line is the token for this port → open;
 * - connected and anything else (another port's token, a banner, silence, a FIN without a
 *   token) → misrouted: what answered is not the server's listener on that port.
 */
import { describeError } from '../client/util.js';
import type { Network } from '../net/network.js';
import { provePortsInBlock, type BlockProof, type DialDeadlines } from './dial.js';
import type { PortResult } from './options.js';
import type { BlockObservation, Pace } from './pace.js';
import type { PooledSession, SessionPool } from './pool.js';
import { keepOpenedAhead, olderBlocksToRetire } from './prefetch.js';
import { replyLine } from './prove.js';
import { nextBlock, parseBlockReply, type BlockCapability, type PortSpan } from './protocol.js';

export interface BlockRunner {
  pool: SessionPool;
  network: Network;
  /** Where data connections go: the control peer's address. */
  dialHost: string;
  replyTimeoutMs: number;
  dataTimeoutMs: number;
  /** The first pass's connect deadline (≤ dataTimeoutMs). */
  fastDeadlineMs: number;
  capability: BlockCapability;
  pace: Pace;
  /** Listeners (and so sockets) all blocks in flight may hold together. */
  inFlightLimit: number;
  /** Called once per port, as soon as it is decided. */
  done(result: PortResult, slot: number): void;
}

export interface BlockSweepOutcome {
  results: PortResult[];
  /** Ports the first pass suspected dropped, dialled again with the full data timeout. */
  retested: number;
  /** Of those, the ports that answered the second time (a lost SYN, or a slow machine). */
  answeredOnRetest: number;
  /** Ports that connected and sent nothing within the data timeout, dialled again. */
  retestedSilent: number;
  /** Of those, the ports whose token came the second time (our server was late, not absent). */
  tokenOnRetest: number;
}

/**
 * Blocks in flight at once, one control session each: the newest in its first dials, the older
 * ones re-dialling their unanswered ports (a fourth would only add logins).
 */
export const BLOCK_SESSIONS = 3;

const BUSY = 'busy on the server (another session held it)';
/** Dials started in one go before answers are read (see dialBlock). */
const DIAL_CHUNK = 128;
/** Push-backs (425) in a row on one block before its ports are reported as errors. */
const PUSHBACK_RETRIES = 8;

type Report = (result: PortResult, slot: number) => void;

export async function sweepByBlocks(ports: readonly number[], runner: BlockRunner): Promise<BlockSweepOutcome> {
  const full = runner.dataTimeoutMs;
  const deadlines: Deadlines = { fastMs: Math.min(runner.fastDeadlineMs, full), fullMs: full };
  const results = new Map<number, PortResult>();
  const busy: number[] = [];
  const tally: Tally = { retested: 0, answeredOnRetest: 0, retestedSilent: 0, tokenOnRetest: 0 };
  // Ports the server had busy are reported after one more try, at the end.
  await runPass(ports, deadlines, runner, tally, (result, slot) => {
    results.set(result.port, result);
    if (result.detail === BUSY) busy.push(result.port);
    else runner.done(result, slot);
  });
  if (busy.length > 0) {
    await runPass(busy, deadlines, runner, tally, (result, slot) => {
      results.set(result.port, result);
      runner.done(result, slot);
    });
  }
  return { results: [...results.values()].sort((a, b) => a.port - b.port), ...tally };
}

interface Deadlines {
  /** The first dial's connect deadline. */
  fastMs: number;
  /** The data timeout: the second dial's connect deadline, and every token's. */
  fullMs: number;
}

type Tally = Omit<BlockSweepOutcome, 'results'>;

/** A block being dialled: its listeners are held until `done`; `fastDone` ends its first dials. */
interface InFlight {
  ports: number;
  fastDone: Promise<BlockObservation>;
  done: Promise<void>;
}

/** A block asked for on a session of its own: the ports the server opened, or why it did not. */
interface Prepared {
  block: { span: PortSpan; ports: number[] };
  /** Undefined when no control session could be had for it. */
  session: PooledSession | undefined;
  opened: Opened;
}

const spanSize = (span: PortSpan): number => span.to - span.from + 1;

/**
 * Dial `ports` (ascending) block by block at the pace's width; each port is reported once. The
 * next block is opened while the newest one is dialled (prefetch.ts), so the control round trip
 * and the server's listen() calls are off the critical path.
 */
async function runPass(ports: readonly number[], deadlines: Deadlines, runner: BlockRunner, tally: Tally, report: Report): Promise<void> {
  const { pace } = runner;
  const inFlight: InFlight[] = [];
  let lastFast: Promise<BlockObservation> | undefined;
  /** The next block, being opened while the newest is dialled; resolves undefined if it did not fit. */
  let ahead: Promise<Prepared | undefined> | undefined;
  const held = (): number => inFlight.reduce((sum, block) => sum + block.ports, 0);
  // Only one task retires blocks at a time: the loop below, or `ahead` while the loop awaits it.
  const retireOldest = async (): Promise<void> => {
    await inFlight[0]?.done;
    inFlight.shift();
  };
  const openAhead = async (start: number): Promise<Prepared | undefined> => {
    // Sized for the newest block going cleanly; dropped unused if it did not (keepOpenedAhead).
    const block = nextBlock(ports, start, Math.min(pace.widthIfClean, runner.capability.max));
    const retire = olderBlocksToRetire({ inFlight: inFlight.map((flight) => flight.ports), next: spanSize(block.span), sessions: BLOCK_SESSIONS, limit: runner.inFlightLimit });
    if (retire === undefined) return undefined;
    for (let index = 0; index < retire; index += 1) await retireOldest();
    return prepare(block, runner);
  };
  let next = 0;
  let retries = 0;
  // Each pass advances `next` or counts a retry (bounded by PUSHBACK_RETRIES per block).
  while (next < ports.length) {
    let prepared: Prepared | undefined;
    if (ahead) {
      const opening = ahead;
      ahead = undefined;
      // The newest block's first dials say whether the block opened ahead is still wanted.
      if (lastFast) pace.observe(await lastFast);
      lastFast = undefined;
      prepared = await opening;
      if (prepared?.session && prepared.opened.kind === 'opened' && !keepOpenedAhead(spanSize(prepared.block.span), pace.width)) {
        await closeUnused(prepared.session, runner);
        prepared = undefined;
      }
    }
    if (!prepared) {
      // The newest block's first dials say whether to grow or shrink before the next is sized;
      // its second dials (the suspects, up to the full timeout) go on meanwhile.
      if (lastFast) pace.observe(await lastFast);
      lastFast = undefined;
      const block = nextBlock(ports, next, Math.min(pace.width, runner.capability.max));
      while (inFlight.length > 0 && (inFlight.length >= BLOCK_SESSIONS || held() + spanSize(block.span) > runner.inFlightLimit)) await retireOldest();
      prepared = await prepare(block, runner);
    }
    const { block, session, opened } = prepared;
    if (!session) {
      for (const port of block.ports) report({ port, state: 'error', detail: 'no control session could be opened for it' }, -1);
      next += block.ports.length;
      continue;
    }
    if (opened.kind !== 'opened') {
      runner.pool.release(session, !session.control.lostReason);
      if (opened.kind === 'pushback' && retries < PUSHBACK_RETRIES && !pace.atFloor) {
        // The blocks in flight hold what the server is short of: let them go first.
        while (inFlight.length > 0) await retireOldest();
        pace.pushback(opened.reason);
        retries += 1;
        continue;
      }
      for (const port of block.ports) report({ port, state: 'error', detail: opened.reason }, session.slot);
      next += block.ports.length;
      retries = 0;
      continue;
    }
    next += block.ports.length;
    retries = 0;
    const listening = new Set(opened.ports);
    const dialled = block.ports.filter((port) => listening.has(port));
    for (const port of block.ports) if (!listening.has(port)) report({ port, state: 'error', detail: BUSY }, session.slot);
    if (opened.failed > 0) pace.pushback(`the server could not open ${opened.failed} of ${spanSize(block.span)} listeners`);
    const dialling = dialBlock(session, dialled, deadlines, runner, tally, report);
    lastFast = dialling.fastDone;
    inFlight.push({ ports: spanSize(block.span), fastDone: dialling.fastDone, done: dialling.done });
    if (next < ports.length) ahead = openAhead(next);
  }
  if (lastFast) pace.observe(await lastFast);
  while (inFlight.length > 0) await retireOldest();
}

/** Acquire a session and open `block` on it. */
async function prepare(block: Prepared['block'], runner: BlockRunner): Promise<Prepared> {
  const session = await runner.pool.acquire();
  if (!session) return { block, session, opened: { kind: 'error', reason: 'no control session could be opened for it' } };
  return { block, session, opened: await openBlock(session, block.span, runner) };
}

/** Close a block opened ahead that the pace no longer wants, without dialling it. */
async function closeUnused(session: PooledSession, runner: BlockRunner): Promise<void> {
  const usable = await session.control.command('SITE', 'SWEEP DONE', runner.replyTimeoutMs).then(
    () => true,
    () => false,
  );
  runner.pool.release(session, usable);
}

type Opened = { kind: 'opened'; ports: number[]; failed: number } | { kind: 'pushback' | 'error'; reason: string };

/** `SITE SWEEP A-B`: the ports the server listens on, or why the block could not be had. */
async function openBlock(session: PooledSession, span: PortSpan, runner: BlockRunner): Promise<Opened> {
  const asked = `SITE SWEEP ${span.from}-${span.to}`;
  try {
    const reply = await session.control.command('SITE', `SWEEP ${span.from}-${span.to}`, runner.replyTimeoutMs);
    if (reply.code === 425 || reply.code === 421) return { kind: reply.code === 425 ? 'pushback' : 'error', reason: `${asked}: ${replyLine(reply)}` };
    if (reply.code !== 200) return { kind: 'error', reason: `${asked}: ${replyLine(reply)}` };
    const parsed = parseBlockReply(reply.message);
    if (!parsed) return { kind: 'error', reason: `${asked}: the reply names no ports (${replyLine(reply)})` };
    // Only what we asked for counts: a server naming other ports is not honouring the request.
    return { kind: 'opened', ports: parsed.ports.filter((port) => port >= span.from && port <= span.to), failed: parsed.failed };
  } catch (error) {
    return { kind: 'error', reason: `${asked}: control session failed: ${describeError(error)}` };
  }
}

/**
 * Dial every port of an open block at once with the fast deadline (`fastDone` says how that went),
 * then the ports that did not answer once more with the full data timeout while the listeners are
 * still open, close the block (SITE SWEEP DONE) and report.
 */
function dialBlock(session: PooledSession, ports: readonly number[], deadlines: Deadlines, runner: BlockRunner, tally: Tally, report: Report): { fastDone: Promise<BlockObservation>; done: Promise<void> } {
  const { fastMs, fullMs } = deadlines;
  const firstDials = dialAll(ports, { connectMs: fastMs, tokenMs: fullMs }, runner);
  const fastDone = firstDials.then((first) => {
    let fastest: number | undefined;
    for (const proof of first) if (proof.answerMs !== undefined) fastest = Math.min(fastest ?? Infinity, proof.answerMs);
    return fastest !== undefined ? { fastestAnswerMs: fastest } : {};
  });
  const done = (async () => {
    const first = await firstDials;
    // Dialled again: unanswered ports (when the first dial was the fast one), and ports that
    // connected but stayed silent, so a busy server's late accept is not a false "misrouted".
    const suspects = first.filter((proof) => proof.silent === true || (fastMs < fullMs && proof.result.state === 'dropped')).map((proof) => proof.result.port);
    const second = new Map((await dialAll(suspects, { connectMs: fullMs, tokenMs: fullMs }, runner)).map((proof) => [proof.result.port, proof]));
    let usable = true;
    let refusedNote = '';
    try {
      const reply = await session.control.command('SITE', 'SWEEP DONE', runner.replyTimeoutMs);
      // The server names the addresses it refused: a NAT pool sending data from another address.
      const refused = /refused connections from ([^;(]+)/.exec(reply.message);
      if (refused?.[1]) refusedNote = `; the server refused data connections from ${refused[1].trim()}`;
    } catch {
      usable = false;
    }
    runner.pool.release(session, usable);
    for (const proof of first) {
      const again = second.get(proof.result.port);
      let final = again ?? proof;
      if (again && proof.silent) {
        tally.retestedSilent += 1;
        if (again.silent) final = { ...again, result: { ...again.result, detail: `${again.result.detail ?? again.result.state} (silent on both dials)` } };
        else {
          if (again.result.state === 'open') tally.tokenOnRetest += 1;
          final = { ...again, result: { ...again.result, detail: `${again.result.detail ?? again.result.state} (connected but no token within ${fullMs} ms on the first dial)` } };
        }
      } else if (again?.result.state === 'dropped') {
        tally.retested += 1;
        final = { ...again, result: { ...again.result, detail: `no answer to the connect within ${fastMs} ms, nor within ${fullMs} ms when dialled again` } };
      } else if (again) {
        tally.retested += 1;
        tally.answeredOnRetest += 1;
        final = { ...again, result: { ...again.result, detail: `${again.result.detail ?? again.result.state} (no answer within ${fastMs} ms on the first dial)` } };
      }
      report(final.noToken && refusedNote ? { ...final.result, detail: `${final.result.detail}${refusedNote}` } : final.result, session.slot);
    }
  })();
  return { fastDone, done };
}

async function dialAll(ports: readonly number[], deadlines: DialDeadlines, runner: BlockRunner): Promise<BlockProof[]> {
  const proofs: Promise<BlockProof>[] = [];
  for (let index = 0; index < ports.length; index += DIAL_CHUNK) {
    // Node makes the connect() calls on the next tick, and through veths and a firewall each
    // one costs the kernel's whole path: thousands in one go would hold the event loop for
    // seconds, and answers that came in time would be read after their deadlines. So the dials
    // go out a chunk at a time, with answers read in between.
    if (index > 0) await new Promise<void>((resolve) => setImmediate(resolve));
    proofs.push(...provePortsInBlock(runner.network, runner.dialHost, ports.slice(index, index + DIAL_CHUNK), deadlines));
  }
  return Promise.all(proofs);
}
