/**
 * The one seam between ftp-doctor and the network. Client, server, probe and sweep take a
 * `Network`; `real.ts` implements it with node:net, `sim/` with the simulated internet.
 *
 * Contract both implementations keep, because diagnosis depends on it:
 * - A connection that a firewall silently drops never settles: `connect` stays pending until the
 *   caller's `signal` aborts it (the caller's own timeout is what "dropped" looks like).
 * - A rejected connection fails with an error whose `code` is 'ECONNREFUSED'.
 * - An established connection is a plain byte stream (a Duplex); TLS is layered on top of it by
 *   the caller with node:tls, so an inspecting middlebox sees ciphertext, as a real one does.
 */
import type { ConnectOutcome } from '../evidence/model.js';

export type { ConnectOutcome };
import type { Duplex } from 'node:stream';

/** A byte stream with the addresses each side sees (what node's net.Socket provides). */
export interface Connection extends Duplex {
  readonly remoteAddress?: string | undefined;
  readonly remotePort?: number | undefined;
  readonly localAddress?: string | undefined;
  readonly localPort?: number | undefined;
  /** Hard close: the peer sees a reset where the implementation can express one. */
  resetAndDestroy?(): unknown;
  setNoDelay?(noDelay?: boolean): unknown;
}

export interface ConnectRequest {
  host: string;
  port: number;
  /** Bind the local side (e.g. source port 20 for active mode); needs privileges on a real host. */
  localAddress?: string;
  localPort?: number;
  /** Abort a pending connect; the promise then rejects with an AbortError (name 'AbortError'). */
  signal?: AbortSignal;
  /** The peer's FIN does not end our side (see endedByReset); the caller ends it. */
  allowHalfOpen?: boolean;
  /**
   * Read into this buffer, reused for every read, instead of a fresh one per read (Node's default:
   * an allocation per read, which limits bulk transfers and costs every short-lived connection).
   * The 'data' chunks are then views, valid only while the listener runs, so a consumer copies
   * what it keeps; several connections may share one buffer for that reason. Never for a stream
   * TLS will wrap.
   */
  readBuffer?: Buffer;
}

export interface ListenRequest {
  host: string;
  /** 0 asks for any free port. */
  port: number;
  backlog?: number;
  /** Accepted connections stay writable after the peer's FIN (see endedByReset). */
  allowHalfOpen?: boolean;
  /**
   * Accepted connections are not read from (write-only use, e.g. the sweep's token listeners):
   * no read, no buffer and no wake-up when the peer closes; the owner destroys them.
   */
  writeOnly?: boolean;
}

export interface Listener {
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

export type ConnectionHandler = (connection: Connection) => void;

export interface Network {
  /** A short name for traces and logs ("real", "sim:client"). */
  readonly name: string;
  connect(request: ConnectRequest): Promise<Connection>;
  listen(request: ListenRequest, onConnection: ConnectionHandler): Promise<Listener>;
}

export function classifyConnectError(error: unknown, timedOut: boolean): ConnectOutcome {
  if (timedOut) return 'timeout';
  const code = (error as { code?: string } | null)?.code;
  if (code === 'ECONNREFUSED') return 'refused';
  if (code === 'ETIMEDOUT') return 'timeout';
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'EADDRNOTAVAIL') return 'unreachable';
  return 'error';
}

export function abortError(): Error {
  // No stack: it would only say where the abort was handled, and a sweep aborts thousands of
  // dials at once (capturing a stack for each was 3 % of a 16,384-port sweep's CPU time).
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  const error = new Error('The operation was aborted');
  Error.stackTraceLimit = limit;
  error.name = 'AbortError';
  return error;
}
