/**
 * Data connections: the passive listener (accepts only the control peer), the active target
 * (dialled on the transfer command, optionally from a fixed source port), and the common steps
 * after the TCP connection exists: TLS for PROT P (with the session-reuse check) and the
 * ftp-doctor token the client asked for.
 */
import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { sameAddress, normalizeAddress } from '../ftp/address.js';
import { formatDataToken } from '../ftp/evidence.js';
import type { Connection, Listener } from '../net/network.js';
import type { Session } from './session.js';
import { handshake, wrapServerTls } from './tls.js';

/** A refusal to open the data connection: the transfer command answers `code message`. */
export class DataChannelError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = 'DataChannelError';
  }
}

export class PassiveChannel {
  readonly kind = 'passive';
  private accepted: Connection | undefined;
  /** take() gave the accepted connection to a transfer: close() leaves it to that transfer. */
  private handedOff = false;
  /** Addresses whose data connections were refused (not the control peer): named in the 425. */
  private readonly refusedSources = new Set<string>();
  private waiter: ((connection: Connection) => void) | undefined;
  private closed = false;

  private constructor(
    private readonly session: Session,
    private listener: Listener | undefined,
    readonly port: number,
    private readonly release: () => void,
  ) {}

  /** Listen on `port` (0: any); undefined when the port is busy. */
  static async open(session: Session, port: number, release: (port: number) => void): Promise<PassiveChannel | undefined> {
    let channel: PassiveChannel | undefined;
    const pending: Connection[] = [];
    let listener: Listener;
    try {
      // Backlog 64: a burst of foreign SYNs must not fill the queue ahead of the rightful client.
      // Half-open: an upload's end is checked for a reset before it is committed (endedByReset).
      listener = await session.server.network.listen({ host: session.localAddress, port, backlog: 64, allowHalfOpen: true }, (connection) => {
        if (channel) channel.incoming(connection);
        else pending.push(connection);
      });
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === 'EADDRINUSE' || code === 'EACCES') return undefined;
      throw error;
    }
    channel = new PassiveChannel(session, listener, listener.port, () => release(listener.port));
    for (const connection of pending) channel.incoming(connection);
    return channel;
  }

  private incoming(connection: Connection): void {
    const source = normalizeAddress(connection.remoteAddress ?? 'unknown');
    if (this.closed || this.accepted) {
      connection.destroy();
      return;
    }
    if (!sameAddress(source, this.session.peer)) {
      // Data-connection stealing (RFC 2577): anyone who guesses the port could take the data.
      this.session.log('warn', 'data', `data connection from ${source} refused: control peer is ${this.session.peer}`, { port: this.port, source });
      this.refusedSources.add(source);
      connection.on('error', () => {});
      // A FIN, not a reset: on a real kernel a reset can beat the client's own connect completion,
      // and the rightful-but-NATed client would then never send its transfer command and never
      // read our 425 that names the refused address. Bounded: destroyed if it lingers.
      connection.end();
      setTimeout(() => connection.destroy(), 1000);
      return;
    }
    this.accepted = connection;
    connection.on('error', () => {});
    this.session.log('info', 'data', `data connection from ${source}:${connection.remotePort ?? '?'} on passive port ${this.port}`, { port: this.port });
    // One data connection per PASV: stop listening once the rightful client is in.
    void this.stopListening();
    this.waiter?.(connection);
  }

  private async stopListening(): Promise<void> {
    const listener = this.listener;
    this.listener = undefined;
    if (listener) {
      await listener.close();
      this.release();
    }
  }

  /** The accepted connection, waiting up to `timeoutMs`; from then on the transfer owns it. */
  take(timeoutMs: number, signal: AbortSignal): Promise<Connection> {
    if (this.accepted) {
      this.handedOff = true;
      return Promise.resolve(this.accepted);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        finish();
        const waited = formatWait(timeoutMs);
        const refused = [...this.refusedSources];
        if (refused.length > 0) {
          // Say why in the reply itself: a client behind a NAT pool (control and data leaving from
          // different addresses) otherwise only sees its data connection die.
          const from = refused.join(', ');
          this.session.log('warn', 'data', `PASV ${this.port}: only refused data connections (from ${from}) within ${waited}`, { port: this.port });
          reject(new DataChannelError(425, `Data connection from another address (${from}) refused: the control connection came from ${this.session.peer}.`));
          return;
        }
        this.session.log('warn', 'data', `PASV ${this.port} opened, no data connection within ${waited}`, { port: this.port });
        reject(new DataChannelError(425, `No data connection to port ${this.port} within ${waited}.`));
      }, timeoutMs);
      const onAbort = (): void => {
        finish();
        reject(new DataChannelError(426, 'Transfer aborted.'));
      };
      const finish = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        this.waiter = undefined;
      };
      this.waiter = (connection) => {
        finish();
        this.handedOff = true;
        resolve(connection);
      };
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    // A connection handed to a transfer is the transfer's to close (it lingers after the 226).
    if (!this.handedOff) this.accepted?.destroy();
    await this.stopListening();
  }
}

export interface ActiveTarget {
  kind: 'active';
  host: string;
  port: number;
  close?: undefined;
}

export type DataSetup = PassiveChannel | ActiveTarget;

export interface DataConnection {
  stream: Duplex;
  /** The passive listener's port, or the client port dialled. */
  port: number;
  /**
   * True when a write's bytes are copied out before its callback runs (a kernel socket, or TLS,
   * which encrypts them), so the sender may reuse the buffer then. A simulated connection hands
   * the very buffer to its peer, which may read it later.
   */
  copiesWrites: boolean;
  /** End the connection: gracefully (FIN / close_notify, bounded wait) or at once. */
  close(graceful: boolean): Promise<void>;
}

async function dialActive(session: Session, target: ActiveTarget, signal: AbortSignal): Promise<Connection> {
  const { activeSourcePort } = session.server.options;
  const timeout = AbortSignal.timeout(session.server.limits.pasvAcceptTimeoutMs);
  const combined = AbortSignal.any([signal, timeout]);
  try {
    const connection = await session.server.network.connect({
      host: target.host,
      port: target.port,
      ...(activeSourcePort !== undefined ? { localPort: activeSourcePort, localAddress: session.localAddress } : {}),
      signal: combined,
      allowHalfOpen: true,
    });
    // Attached for the connection's whole life, whatever network made it: the client may reset
    // it at any time, also after the 226 while it lingers (closeData), and an 'error' event
    // without a listener would end the process (every session with it).
    connection.on('error', () => {});
    session.log('info', 'data', `connected to ${target.host}:${target.port}${activeSourcePort !== undefined ? ` from port ${activeSourcePort}` : ''}`, { port: target.port });
    return connection;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (signal.aborted) throw new DataChannelError(426, 'Transfer aborted.');
    let reason = timeout.aborted ? `no answer within ${Math.round(session.server.limits.pasvAcceptTimeoutMs / 1000)} s` : (error as Error).message;
    if (code === 'EACCES' && activeSourcePort !== undefined) {
      reason = `binding source port ${activeSourcePort} needs root or CAP_NET_BIND_SERVICE`;
    }
    session.log('warn', 'data', `active connection to ${target.host}:${target.port} failed: ${reason}`, { port: target.port });
    throw new DataChannelError(425, `Cannot open data connection to ${target.host}:${target.port}: ${reason}.`);
  }
}

export interface RawDataConnection {
  connection: Connection;
  /** The passive listener's port, or the client port dialled. */
  port: number;
}

/** The TCP part: accept on the PASV/EPSV listener or dial the PORT/EPRT target. */
export async function connectData(session: Session, signal: AbortSignal): Promise<RawDataConnection> {
  const setup = session.data;
  if (!setup) throw new DataChannelError(425, 'Use PORT, EPRT, PASV or EPSV first.');
  if (session.server.options.requireTls && session.protection !== 'P') {
    throw new DataChannelError(522, 'Data connections must be protected: use PBSZ 0 and PROT P.');
  }
  const connection = setup.kind === 'passive' ? await setup.take(session.server.limits.pasvAcceptTimeoutMs, signal) : await dialActive(session, setup, signal);
  connection.setNoDelay?.(true);
  return { connection, port: setup.port };
}

/**
 * After the 150 (clients such as curl start the TLS handshake of an active connection only once
 * they saw it, as vsftpd orders it): TLS for PROT P with the session-reuse check, then the token.
 */
export async function prepareData(session: Session, raw: RawDataConnection): Promise<DataConnection> {
  const { connection, port } = raw;
  let stream: Duplex = connection;
  if (session.protection === 'P') {
    const secure = wrapServerTls(connection, session.tlsContext());
    secure.on('error', () => {});
    try {
      await handshake(secure, session.server.limits.tlsHandshakeTimeoutMs);
    } catch (error) {
      connection.destroy();
      session.log('warn', 'data', `TLS handshake on the data connection failed: ${(error as Error).message}`);
      throw new DataChannelError(425, 'TLS handshake on the data connection failed.');
    }
    if (session.server.options.requireSessionReuse && !secure.isSessionReused()) {
      secure.destroy();
      connection.destroy();
      session.log('warn', 'data', 'data connection refused: its TLS session did not resume the control connection session');
      throw new DataChannelError(522, 'TLS session of the data connection must resume the control connection session.');
    }
    stream = secure;
  }
  if (session.tokens) stream.write(formatDataToken({ session: session.id, port }));
  return { stream, port, copiesWrites: stream instanceof Socket, close: (graceful) => closeData(stream, connection, graceful, session.server.limits.dataLingerMs) };
}

/**
 * End a data connection. Gracefully: our side is done once the last byte and our FIN (or TLS
 * close_notify) are handed to the kernel, and the caller may then say 226 at once, as vsftpd
 * does — a client that waits for the 226 before closing its side must not wait for us. The
 * socket itself lingers, read and discarded, until the client closes or `lingerMs` pass: closing
 * it with the client's bytes unread (a TLS close_notify) would send a reset, and a reset makes
 * the client's kernel drop the tail of the data it has not yet handed to the client.
 */
function closeData(stream: Duplex, raw: Connection, graceful: boolean, lingerMs: number): Promise<void> {
  if (!graceful || stream.destroyed) {
    stream.destroy();
    raw.destroy();
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    const timer = setTimeout(destroy, lingerMs);
    // A lingering socket must not hold the process (or a stopping server) open.
    timer.unref();
    for (const socket of [stream, raw] as { unref?: () => void }[]) socket.unref?.();
    function destroy(): void {
      clearTimeout(timer);
      stream.destroy();
      raw.destroy();
      resolve();
    }
    raw.once('close', destroy);
    stream.once('close', destroy);
    // A download's pipeline has usually ended the stream already.
    if (stream.writableFinished) resolve();
    else stream.once('finish', () => resolve());
    stream.end();
    stream.resume();
  });
}

/** "30 s", or "400 ms" for the short accept timeouts of simulated scenarios (and tests). */
export function formatWait(ms: number): string {
  return ms >= 1000 && ms % 1000 === 0 ? `${ms / 1000} s` : ms >= 10_000 ? `${Math.round(ms / 1000)} s` : `${ms} ms`;
}
