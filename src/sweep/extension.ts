/**
 * The extension method: our reference server, started with --allow-sweep, opens a passive
 * listener on exactly the port we ask for (`SITE SWEEP <port>`, answered like PASV). Each port is
 * proved on a session of its own from the pool, `concurrency` at a time (p-limit), so a fully
 * dropped range costs about (ports ÷ concurrency) × the data timeout.
 */
import pLimit from 'p-limit';
import { normalizeAddress, parsePasvReply } from '../ftp/index.js';
import type { ControlSession } from '../client/control.js';
import { describeError } from '../client/util.js';
import type { PortResult, PortRange } from './options.js';
import type { PooledSession, SessionPool } from './pool.js';
import { replyLine, type ProveResult } from './prove.js';
import { parseBlockCapability, type BlockCapability } from './protocol.js';

export interface Runner {
  pool: SessionPool;
  replyTimeoutMs: number;
  prove(session: PooledSession, port: number): Promise<ProveResult>;
  /** Called once per port, as soon as it is decided. */
  done(result: PortResult, slot: number): void;
}

export type ExtensionSupport =
  | { supported: true; serverRange?: PortRange; block?: BlockCapability }
  | { supported: false; reason: string };

/**
 * Ask `SITE SWEEP` without a port: a server that has the extension enabled answers 501 and names
 * its passive range, and — when it has the batched form — `[block <max> idle <ms>]`; 502 says it
 * exists but is off; anything else says it is unknown. No listener is opened by this question.
 */
export async function checkExtension(control: ControlSession, replyTimeoutMs: number): Promise<ExtensionSupport> {
  const reply = await control.command('SITE', 'SWEEP', replyTimeoutMs);
  if (reply.code === 501) {
    const match = /(\d{1,5})-(\d{1,5})/.exec(reply.message);
    const block = parseBlockCapability(reply.message);
    return { supported: true, ...(match ? { serverRange: { from: Number(match[1]), to: Number(match[2]) } } : {}), ...(block ? { block } : {}) };
  }
  // Only our reference server announces the extension, and its 502 text already says how to enable
  // it: quoting that beside our own advice said it twice.
  if (reply.code === 502) return { supported: false, reason: 'SITE SWEEP is not enabled on the server (it answered 502; start it with --allow-sweep)' };
  return { supported: false, reason: `the server does not know SITE SWEEP (${replyLine(reply)})` };
}

/**
 * The extension opens listeners only inside the server's passive range (it answers 501 to a port
 * or block outside it), so only those ports can be proved; the rest are reported, not asked for.
 */
export function clipToServerRange(ports: readonly number[], serverRange: PortRange | undefined): { inside: number[]; outside: PortResult[] } {
  if (!serverRange) return { inside: [...ports], outside: [] };
  const inside: number[] = [];
  const outside: PortResult[] = [];
  const detail = `not sweepable: the server's passive range is ${serverRange.from}-${serverRange.to}, and SITE SWEEP opens listeners only inside it`;
  for (const port of ports) {
    if (port >= serverRange.from && port <= serverRange.to) inside.push(port);
    else outside.push({ port, state: 'error', detail });
  }
  return { inside, outside };
}

export async function sweepByExtension(ports: readonly number[], concurrency: number, runner: Runner): Promise<PortResult[]> {
  const limit = pLimit(concurrency);
  const results = await Promise.all(ports.map((port) => limit(() => provePortByExtension(port, runner))));
  // A port the server could not listen on may only have been busy for a moment (another session's
  // PASV, one of our own data connections): ask once more at the end, when the rest is done.
  const busy = results.filter((result) => result.state === 'error' && /SITE SWEEP \d+: 425 /.test(result.detail ?? ''));
  if (busy.length === 0) return results;
  const retried = new Map((await Promise.all(busy.map((result) => limit(() => provePortByExtension(result.port, runner))))).map((result) => [result.port, result]));
  return results.map((result) => retried.get(result.port) ?? result);
}

async function provePortByExtension(port: number, runner: Runner): Promise<PortResult> {
  const session = await runner.pool.acquire();
  if (!session) {
    const result: PortResult = { port, state: 'error', detail: 'no control session could be opened for it' };
    runner.done(result, -1);
    return result;
  }
  let usable = true;
  let result: PortResult;
  try {
    const reply = await session.control.command('SITE', `SWEEP ${port}`, runner.replyTimeoutMs);
    const parsed = reply.code === 227 ? parsePasvReply(reply.message) : undefined;
    if (!parsed) {
      result = { port, state: 'error', detail: `SITE SWEEP ${port}: ${replyLine(reply)}` };
    } else if (!parsed.ok) {
      result = { port, state: 'error', detail: `cannot read the reply to SITE SWEEP ${port}: ${parsed.error}` };
    } else if (parsed.value.port !== port) {
      // A middlebox rewrote the reply, or the server is not honouring the request: not this port.
      result = { port, state: 'error', detail: `asked for ${port}, the reply names ${normalizeAddress(parsed.value.host)}:${parsed.value.port}` };
    } else {
      const proved = await runner.prove(session, port);
      usable = proved.usable;
      result = { port, state: proved.state, detail: proved.detail };
    }
  } catch (error) {
    usable = false;
    result = { port, state: 'error', detail: `control session failed: ${describeError(error)}` };
  } finally {
    runner.pool.release(session, usable);
  }
  runner.done(result, session.slot);
  return result;
}
