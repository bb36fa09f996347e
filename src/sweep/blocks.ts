/**
 * The batched extension method: the server opens a whole block of listeners with one
 * `SITE SWEEP A-B` (src/sweep/protocol.ts), and each port is proved by one TCP exchange — connect,
 * read the token naming that port, FIN — with `concurrency` dials in flight at once across blocks.
 * The control sessions only open and close blocks, so a few of them suffice.
 *
 * Blocks are pipelined one deep: block k+1 is opened (and its dials queued) while block k's dials
 * run, and block k+2 only once every dial of block k has started. So the dial slots never wait
 * for a SITE SWEEP round trip, and a block's listeners stay open for at most its own dials and
 * its predecessor's (the server closes an idle block; blockSize() keeps even two fully dropped
 * blocks well inside that deadline).
 *
 * Classification per port (same states as the per-port method):
 * - connect times out → dropped; ECONNREFUSED / unreachable → refused;
 * - connected and the first line is the token for this port → open;
 * - connected and anything else (another port's token, a banner, silence, a FIN without a
 *   token) → misrouted: what answered is not the server's listener on that port.
 */
import pLimit, { type LimitFunction } from 'p-limit';
import { parseDataToken } from '../ftp/index.js';
import { describeError } from '../client/util.js';
import { classifyConnectError, type Connection, type Network } from '../net/network.js';
import type { PortResult } from './options.js';
import type { PooledSession, SessionPool } from './pool.js';
import { quote, replyLine } from './prove.js';
import { blockSize, parseOpenTag, planBlocks, type BlockCapability, type PortSpan } from './protocol.js';

export interface BlockRunner {
  pool: SessionPool;
  network: Network;
  /** Where data connections go: the control peer's address. */
  dialHost: string;
  replyTimeoutMs: number;
  dataTimeoutMs: number;
  /** Dials in flight at once. */
  concurrency: number;
  capability: BlockCapability;
  /** Called once per port, as soon as it is decided. */
  done(result: PortResult, slot: number): void;
}

/**
 * Control sessions a block sweep uses: one whose block is being dialled, one opening the next
 * (a third would only help while a block's last dials drain, and costs a login).
 */
export const BLOCK_SESSIONS = 2;

const BUSY = 'busy on the server (another session held it)';
/** The token line is short; anything this long without a newline is not one. */
const FIRST_LINE_LIMIT = 256;
/**
 * One read buffer for every token connection: each chunk is used up (copied into a string) in
 * its 'data' listener, and Node would otherwise allocate 64 KiB for each connection's read.
 */
const TOKEN_READ_BUFFER = Buffer.allocUnsafe(4 * FIRST_LINE_LIMIT);

/** Prove `ports` (ascending) block by block; ports the server had busy are tried once more at the end. */
export async function sweepByBlocks(ports: readonly number[], runner: BlockRunner): Promise<PortResult[]> {
  const size = blockSize(runner.capability, runner.concurrency, runner.dataTimeoutMs);
  const dial = pLimit(runner.concurrency);
  const first = await runBlocks(ports, size, dial, runner, false);
  const busy = first.filter((result) => result.detail === BUSY).map((result) => result.port);
  if (busy.length === 0) return first;
  const again = new Map((await runBlocks(busy, size, dial, runner, true)).map((result) => [result.port, result]));
  return first.map((result) => again.get(result.port) ?? result);
}

async function runBlocks(ports: readonly number[], size: number, dial: LimitFunction, runner: BlockRunner, last: boolean): Promise<PortResult[]> {
  const results: PortResult[] = [];
  const finishing: Promise<void>[] = [];
  // One block of lookahead: block k+1 is opened while block k's dials are still being started.
  let previousStarted: Promise<void> = Promise.resolve();
  // Report a port at once, except a busy one on the first pass: it is retried, then reported.
  const report = (result: PortResult, slot: number): void => {
    results.push(result);
    if (last || result.detail !== BUSY) runner.done(result, slot);
  };
  for (const block of planBlocks(ports, size)) {
    const session = await runner.pool.acquire();
    if (!session) {
      for (const port of block.ports) report({ port, state: 'error', detail: 'no control session could be opened for it' }, -1);
      continue;
    }
    const opened = await openBlock(session, block.span, runner);
    if (typeof opened === 'string') {
      runner.pool.release(session, !session.control.lostReason);
      for (const port of block.ports) report({ port, state: 'error', detail: opened }, session.slot);
      continue;
    }
    const listening = new Set(opened);
    const dialled = block.ports.filter((port) => listening.has(port));
    for (const port of block.ports) if (!listening.has(port)) report({ port, state: 'error', detail: BUSY }, session.slot);
    let started = 0;
    let allStarted: () => void = () => {};
    const startedAll = new Promise<void>((resolve) => (allStarted = resolve));
    if (dialled.length === 0) allStarted();
    const proofs = dialled.map((port) =>
      dial(async () => {
        started += 1;
        if (started === dialled.length) allStarted();
        return provePortInBlock(runner.network, runner.dialHost, port, runner.dataTimeoutMs);
      }),
    );
    finishing.push(finishBlock(session, proofs, runner, report));
    await previousStarted;
    previousStarted = startedAll;
  }
  await Promise.all(finishing);
  return results;
}

/** `SITE SWEEP A-B`: the ports the server listens on, or why the block could not be had. */
async function openBlock(session: PooledSession, span: PortSpan, runner: BlockRunner): Promise<number[] | string> {
  const asked = `SITE SWEEP ${span.from}-${span.to}`;
  try {
    const reply = await session.control.command('SITE', `SWEEP ${span.from}-${span.to}`, runner.replyTimeoutMs);
    if (reply.code !== 200) return `${asked}: ${replyLine(reply)}`;
    const ports = parseOpenTag(reply.message);
    if (!ports) return `${asked}: the reply names no ports (${replyLine(reply)})`;
    // Only what we asked for counts: a server naming other ports is not honouring the request.
    return ports.filter((port) => port >= span.from && port <= span.to);
  } catch (error) {
    return `${asked}: control session failed: ${describeError(error)}`;
  }
}

/** Wait for the block's proofs, close it (SITE SWEEP DONE), note refused sources, report. */
async function finishBlock(session: PooledSession, proofs: Promise<BlockProof>[], runner: BlockRunner, report: (result: PortResult, slot: number) => void): Promise<void> {
  const settled = await Promise.all(proofs);
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
  for (const proof of settled) report(proof.noToken && refusedNote ? { ...proof.result, detail: `${proof.result.detail}${refusedNote}` } : proof.result, session.slot);
}

interface BlockProof {
  result: PortResult;
  /** Connected, and the peer closed without sending anything. */
  noToken: boolean;
}

/**
 * One port of an open block: connect, read the first line, close. Runs once per port, so it is
 * kept lean: one timer and one AbortController cover both the connect and the token.
 */
export function provePortInBlock(network: Network, host: string, port: number, dataTimeoutMs: number): Promise<BlockProof> {
  return new Promise((resolve) => {
    const controller = new AbortController();
    let connection: Connection | undefined;
    let head = '';
    let settled = false;
    const decide = (state: PortResult['state'], detail: string, noToken = false): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (connection) {
        connection.off('data', onData);
        connection.off('end', onEnd);
        connection.off('close', onClose);
        // A reset: the server needs nothing more from this connection, and it spares a FIN
        // exchange per port (the server's listener leaves the closing to us).
        if (connection.resetAndDestroy) connection.resetAndDestroy();
        else connection.destroy();
      }
      resolve({ result: { port, state, detail }, noToken });
    };
    const timer = setTimeout(() => {
      if (!connection) {
        controller.abort();
        decide('dropped', `no answer to the connect within ${dataTimeoutMs} ms`);
      } else if (head === '') {
        decide('misrouted', `connected, but no token within ${dataTimeoutMs} ms: something other than the server's listener on ${port} answered`);
      } else {
        decide('misrouted', `expected the token for port ${port}, got ${quote(head)} and then nothing for ${dataTimeoutMs} ms`);
      }
    }, dataTimeoutMs);
    const line = (text: string): void => {
      const token = parseDataToken(text);
      if (token.ok && token.value.port === port) decide('open', `token for ${port} received`);
      else decide('misrouted', `expected the token for port ${port}, got ${quote(text)}`);
    };
    const onData = (chunk: Buffer): void => {
      head += chunk.toString('latin1');
      const newline = head.indexOf('\n');
      if (newline >= 0) line(head.slice(0, newline).replace(/\r$/, ''));
      else if (head.length >= FIRST_LINE_LIMIT) line(head.slice(0, FIRST_LINE_LIMIT));
    };
    const onEnd = (): void => {
      if (head !== '') return line(head);
      decide('misrouted', `connected, but it closed without the token for ${port}: not the server's listener, or the server saw the connection come from another address`, true);
    };
    const onClose = (): void => decide('error', `connected, then the connection was reset before the token for ${port}`);
    network.connect({ host, port, signal: controller.signal, readBuffer: TOKEN_READ_BUFFER }).then(
      (connected) => {
        connected.on('error', () => {});
        if (settled) {
          connected.destroy();
          return;
        }
        connection = connected;
        connected.on('data', onData);
        connected.on('end', onEnd);
        connected.on('close', onClose);
      },
      (error: unknown) => {
        if (settled) return;
        const outcome = classifyConnectError(error, false);
        if (outcome === 'refused') decide('refused', 'connection refused (RST)');
        else if (outcome === 'unreachable') decide('refused', `unreachable: ${describeError(error)}`);
        else if (outcome === 'timeout') decide('dropped', `the connect timed out (${describeError(error)})`);
        else decide('error', `connect failed: ${describeError(error)}`);
      },
    );
  });
}

