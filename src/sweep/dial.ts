/**
 * One port of an open sweep block, proved by one TCP exchange: connect, read the first line (the
 * token naming the port), reset. Runs once per port — thousands at once — so it is kept lean: one
 * timer and one AbortController cover both the connect and the token.
 *
 * The connect has its own deadline (the fast pass's, pace.ts) and the token the full data
 * timeout: a port whose connect was answered is never hurried.
 */
import { parseDataToken } from '../ftp/index.js';
import { describeError } from '../client/util.js';
import { classifyConnectError, type Connection, type Network } from '../net/network.js';
import type { PortResult } from './options.js';
import { quote } from './prove.js';

export interface BlockProof {
  result: PortResult;
  /** Connected, and the peer closed without sending anything. */
  noToken: boolean;
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

export function provePortInBlock(network: Network, host: string, port: number, deadlines: DialDeadlines): Promise<BlockProof> {
  return new Promise((resolve) => {
    const controller = new AbortController();
    const started = performance.now();
    let answerMs: number | undefined;
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
      resolve({ result: { port, state, detail }, noToken, ...(answerMs !== undefined ? { answerMs } : {}) });
    };
    const onTimeout = (): void => {
      if (!connection) {
        controller.abort();
        decide('dropped', `no answer to the connect within ${deadlines.connectMs} ms`);
      } else if (head === '') {
        decide('misrouted', `connected, but no token within ${deadlines.tokenMs} ms: something other than the server's listener on ${port} answered`);
      } else {
        decide('misrouted', `expected the token for port ${port}, got ${quote(head)} and then nothing for ${deadlines.tokenMs} ms`);
      }
    };
    let timer = setTimeout(onTimeout, deadlines.connectMs);
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
        answerMs = performance.now() - started;
        connection = connected;
        // The token gets the full data timeout from here, whatever the connect's deadline was.
        clearTimeout(timer);
        timer = setTimeout(onTimeout, deadlines.tokenMs);
        connected.on('data', onData);
        connected.on('end', onEnd);
        connected.on('close', onClose);
      },
      (error: unknown) => {
        if (settled) return;
        answerMs = performance.now() - started;
        const outcome = classifyConnectError(error, false);
        if (outcome === 'refused') decide('refused', 'connection refused (RST)');
        else if (outcome === 'unreachable') decide('refused', `unreachable: ${describeError(error)}`);
        else if (outcome === 'timeout') decide('dropped', `the connect timed out (${describeError(error)})`);
        else decide('error', `connect failed: ${describeError(error)}`);
      },
    );
  });
}
