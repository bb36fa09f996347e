/**
 * The ports of an open sweep block, each proved by one TCP exchange: connect, read the first line
 * (the token naming the port), reset. Runs once per port — thousands at once — so it is kept
 * lean: dials started together share one connect deadline (one timer, one AbortController) and
 * one timer for their tokens' deadlines (deadlines.ts).
 *
 * The connect has its own deadline (the fast pass's, pace.ts) and the token the full data
 * timeout: a port whose connect was answered is never hurried.
 */
import { setMaxListeners } from 'node:events';
import { parseDataToken } from '../ftp/index.js';
import { describeError } from '../client/util.js';
import { classifyConnectError, type Connection, type Network } from '../net/network.js';
import type { PortResult } from './options.js';
import { DeadlineQueue, type DeadlineEntry } from './deadlines.js';
import { quote } from './prove.js';

export interface BlockProof {
  result: PortResult;
  /** Connected, and the peer closed without sending anything. */
  noToken: boolean;
  /**
   * Connected, and nothing at all came within the token deadline: a silent service behind a
   * wrong forward, or our server too busy to accept in time (a loaded machine); dialled again.
   */
  silent?: boolean;
  /** How long the connect took to be answered (connected or refused), when it was. */
  answerMs?: number;
}

export interface DialDeadlines {
  /** No answer to the connect within this: dropped (suspected, on the fast pass). */
  connectMs: number;
  /** Connected, and no token within this: misrouted. */
  tokenMs: number;
}

/** The token line is short; anything this long without a newline is not one. */
const FIRST_LINE_LIMIT = 256;
/**
 * One read buffer for every token connection: each chunk is used up (copied into a string) in
 * its 'data' listener, and Node would otherwise allocate 64 KiB for each connection's read.
 */
const TOKEN_READ_BUFFER = Buffer.allocUnsafe(4 * FIRST_LINE_LIMIT);

/** The reason every dial of a chunk is aborted with at its deadline (one object: no stack per dial). */
const CONNECT_DEADLINE = Object.freeze(Object.assign(new Error('connect deadline'), { name: 'AbortError' }));

/**
 * Dial `ports` together: they share one connect deadline — one timer and one AbortController
 * for all of them, not one each. Profiles of a 16,384-port sweep showed a third of its CPU time
 * in per-dial abort machinery (an AbortController, a DOMException and an Error with its stack per
 * unanswered port) and the garbage it left.
 */
export function provePortsInBlock(network: Network, host: string, ports: readonly number[], deadlines: DialDeadlines): Promise<BlockProof>[] {
  const controller = new AbortController();
  // Every dial of the chunk listens on this one signal: past Node's default of 10 it would warn
  // (a stack trace and a line on stderr) once per chunk.
  setMaxListeners(ports.length + 1, controller.signal);
  const started = performance.now();
  const pending = new Set<() => void>();
  const tokens = new DeadlineQueue<() => void>();
  let tokenTimer: NodeJS.Timeout | undefined;
  let left = ports.length;
  // Each deadline is acted on from setImmediate, after the event loop's I/O phase: when the loop
  // was held up (a busy machine), answers that came in time are read first, not called late.
  const timer = setTimeout(
    () =>
      setImmediate(() => {
        for (const expire of pending) expire();
        pending.clear();
        controller.abort(CONNECT_DEADLINE);
      }),
    deadlines.connectMs,
  );
  const armTokens = (): void => {
    const at = tokens.nextAt;
    if (at === undefined || tokenTimer !== undefined || left === 0) return;
    tokenTimer = setTimeout(
      () =>
        setImmediate(() => {
          tokenTimer = undefined;
          for (const expire of tokens.takeDue(performance.now())) expire();
          armTokens();
        }),
      Math.max(1, Math.ceil(at - performance.now())),
    );
  };
  const finished = (): void => {
    left -= 1;
    if (left > 0) return;
    clearTimeout(timer);
    clearTimeout(tokenTimer);
  };
  const awaitToken = (expire: () => void): DeadlineEntry<() => void> => {
    const entry = tokens.add(performance.now() + deadlines.tokenMs, expire);
    armTokens();
    return entry;
  };
  const chunk: Chunk = { signal: controller.signal, started, pending, finished, awaitToken, tokenDecided: (entry) => tokens.cancel(entry) };
  return ports.map((port) => provePort(network, host, port, deadlines, chunk));
}

interface Chunk {
  signal: AbortSignal;
  started: number;
  /** The dials still waiting for their connect; each entry decides its port dropped. */
  pending: Set<() => void>;
  finished(): void;
  /** The connection is up: `expire` decides the port if no token comes within the data timeout. */
  awaitToken(expire: () => void): DeadlineEntry<() => void>;
  tokenDecided(entry: DeadlineEntry<() => void>): void;
}

function provePort(network: Network, host: string, port: number, deadlines: DialDeadlines, chunk: Chunk): Promise<BlockProof> {
  return new Promise((resolve) => {
    let answerMs: number | undefined;
    let connection: Connection | undefined;
    let tokenWait: DeadlineEntry<() => void> | undefined;
    let head = '';
    let settled = false;
    const decide = (state: PortResult['state'], detail: string, mark?: 'noToken' | 'silent'): void => {
      if (settled) return;
      settled = true;
      chunk.pending.delete(expire);
      if (tokenWait) chunk.tokenDecided(tokenWait);
      chunk.finished();
      if (connection) {
        // No need to take the listeners off: a destroyed socket emits no more data, and its
        // 'close' finds the port settled. A reset: the server needs nothing more from this connection, and it spares a FIN
        // exchange per port (the server's listener leaves the closing to us).
        if (connection.resetAndDestroy) connection.resetAndDestroy();
        else connection.destroy();
      }
      resolve({ result: { port, state, detail }, noToken: mark === 'noToken', ...(mark === 'silent' ? { silent: true } : {}), ...(answerMs !== undefined ? { answerMs } : {}) });
    };
    const expire = (): void => decide('dropped', `no answer to the connect within ${deadlines.connectMs} ms`);
    chunk.pending.add(expire);
    const onTokenTimeout = (): void => {
      if (head === '') decide('misrouted', `connected, but no token within ${deadlines.tokenMs} ms: something other than the server's listener on ${port} answered`, 'silent');
      else decide('misrouted', `expected the token for port ${port}, got ${quote(head)} and then nothing for ${deadlines.tokenMs} ms`);
    };
    const line = (text: string): void => {
      const token = parseDataToken(text);
      if (token.ok && token.value.port === port) decide('open', `token for ${port} received`);
      else decide('misrouted', `expected the token for port ${port}, got ${quote(text)}`);
    };
    const onData = (chunkRead: Buffer): void => {
      head += chunkRead.toString('latin1');
      const newline = head.indexOf('\n');
      if (newline >= 0) line(head.slice(0, newline).replace(/\r$/, ''));
      else if (head.length >= FIRST_LINE_LIMIT) line(head.slice(0, FIRST_LINE_LIMIT));
    };
    const onEnd = (): void => {
      if (head !== '') return line(head);
      decide('misrouted', `connected, but it closed without the token for ${port}: not the server's listener, or the server saw the connection come from another address`, 'noToken');
    };
    const onClose = (): void => decide('error', `connected, then the connection was reset before the token for ${port}`);
    network.connect({ host, port, signal: chunk.signal, readBuffer: TOKEN_READ_BUFFER }).then(
      (connected) => {
        connected.on('error', () => {});
        if (settled) {
          connected.destroy();
          return;
        }
        answerMs = performance.now() - chunk.started;
        connection = connected;
        // The token gets the full data timeout from here, whatever the connect's deadline was.
        chunk.pending.delete(expire);
        tokenWait = chunk.awaitToken(onTokenTimeout);
        connected.on('data', onData);
        connected.on('end', onEnd);
        connected.on('close', onClose);
      },
      (error: unknown) => {
        if (settled) return;
        answerMs = performance.now() - chunk.started;
        const outcome = classifyConnectError(error, false);
        if (outcome === 'refused') decide('refused', 'connection refused (RST)');
        else if (outcome === 'unreachable') decide('refused', `unreachable: ${describeError(error)}`);
        else if (outcome === 'timeout') decide('dropped', `the connect timed out (${describeError(error)})`);
        else decide('error', `connect failed: ${describeError(error)}`);
      },
    );
  });
}
