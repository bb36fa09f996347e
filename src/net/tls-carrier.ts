/**
 * The TLS carrier: what lets the control connection leave TLS again (CCC, RFC 4217 §12.3) on a
 * real socket and on a simulated one alike. Node's TLSSocket owns the stream it runs over: ending
 * it sends FIN, destroying it destroys the socket, and it cannot hand back the bytes that follow
 * the peer's last record. So TLS runs over `transport`, a pass-through Duplex we control, and the
 * FTP session reads and writes `application`, which is TLS first and the raw connection later:
 *
 *   raw Connection ──► splitter ──► transport ──► TLSSocket ──► application ──► FTP session
 *                          └──────── clear text (after the peer's last record) ──┘
 *
 * CCC, on either side: `expectClear()` before the CCC exchange (from then on, a byte that is not
 * a record header starts the clear text), `clear()` once the 200 reply has been sent or received
 * (sends close_notify without ending TCP; later writes go out in clear), or `cancelClear()` when
 * the CCC was refused. Reads switch to clear text only after TLS has delivered everything before
 * its end (the peer's close_notify, or the end of its records), so the order of bytes is kept.
 */
import { Duplex } from 'node:stream';
import type tls from 'node:tls';
import type { Connection } from './network.js';
import { TlsRecordSplitter } from './tls-records.js';

/** Clear text read while TLS is still finishing is held; past this much, reading pauses. */
const MAX_HELD_CLEAR_BYTES = 64 * 1024;

export type CarrierPhase = 'tls' | 'expecting' | 'clearing';

export class TlsCarrier {
  /** The stream node:tls runs over (`tls.connect({ socket })`, `new tls.TLSSocket(...)`). */
  readonly transport: Duplex;
  private app: Duplex | undefined;
  private tls: tls.TLSSocket | undefined;
  private readonly splitter = new TlsRecordSplitter();
  private phase: CarrierPhase = 'tls';
  /** Where bytes after the last record go: the application (CCC expected) or TLS (a broken peer). */
  private clearRoute: 'application' | 'tls' | undefined;
  private readonly heldClear: Buffer[] = [];
  private tlsReadDone = false;
  private closeNotifyWritten = false;
  private readonly writeWaiters: (() => void)[] = [];
  /** Called once TLS has read its last record while clearing (the peer's close_notify). */
  private readonly peerClosedWaiters: (() => void)[] = [];
  private rawEnded = false;
  private transportEnded = false;
  private appEnded = false;

  constructor(private readonly raw: Connection) {
    this.transport = new Duplex({
      // TLS decides when to shut its side down; an EOF we deliver to it must not end our writes.
      allowHalfOpen: true,
      read: () => {
        if (!this.splitter.inClear) raw.resume();
      },
      write: (chunk: Buffer, _encoding, callback) => {
        // After our close_notify nothing more of TLS may reach the wire: clear text follows it.
        if (this.closeNotifyWritten) return callback();
        raw.write(chunk, (error) => callback(error ?? null));
      },
      final: (callback) => {
        if (this.phase === 'tls') {
          if (!raw.destroyed && !raw.writableEnded) raw.end();
        } else this.markCloseNotifyWritten();
        callback();
      },
      destroy: (error, callback) => {
        if (this.phase === 'tls') raw.destroy();
        else this.markCloseNotifyWritten();
        callback(error);
      },
    });
    raw.on('data', (chunk: Buffer) => this.receive(chunk));
    raw.on('end', () => this.receiveEnd());
    raw.on('error', (error: Error) => this.fail(error));
    raw.on('close', () => this.receiveEnd());
  }

  get state(): CarrierPhase | 'clear' {
    return this.phase === 'clearing' && this.closeNotifyWritten && this.tlsReadDone ? 'clear' : this.phase;
  }

  /** The stream the FTP session uses once `socket` (running over `transport`) is established. */
  bind(socket: tls.TLSSocket): Duplex {
    if (this.app) throw new Error('the TLS carrier is already bound');
    this.tls = socket;
    const app = new Duplex({
      allowHalfOpen: false,
      read: () => (this.readingClear() ? this.raw.resume() : socket.resume()),
      write: (chunk: Buffer, _encoding, callback) => this.writeOut(chunk, callback),
      final: (callback) => this.endOut(callback),
      destroy: (error, callback) => {
        socket.destroy();
        this.raw.destroy();
        callback(error);
      },
    });
    this.app = app;
    socket.on('data', (data: Buffer) => {
      if (!this.appEnded && !app.push(data)) socket.pause();
    });
    socket.on('end', () => this.tlsEnded());
    socket.on('close', () => {
      this.markCloseNotifyWritten();
      this.tlsEnded();
    });
    socket.on('error', (error: Error) => {
      // While clearing, TLS ending untidily (no close_notify from the peer) is not our failure.
      if (this.phase === 'tls') app.destroy(error);
      else this.tlsEnded();
    });
    return app;
  }

  /** Before the CCC exchange: from now on, a byte that is not a record header starts clear text. */
  expectClear(): void {
    if (!this.app || this.phase !== 'tls') throw new Error(`cannot expect CCC in phase ${this.phase}${this.app ? '' : ' (not bound)'}`);
    this.phase = 'expecting';
  }

  /** CCC was refused: the control connection stays TLS. */
  cancelClear(): void {
    if (this.phase !== 'expecting') return;
    this.phase = 'tls';
    if (this.clearRoute === 'application') this.app?.destroy(new Error('the peer sent clear text although CCC was refused'));
    else if (this.tlsReadDone) this.pushApp(null);
  }

  /**
   * CCC accepted: send close_notify (TCP stays open) and resolve once it is on its way; writes
   * made meanwhile wait and then go out in clear after it.
   *
   * `peerFirstMs` lets the peer close first: our close_notify waits until the peer's has arrived
   * (TLS answers it at once) or that many ms have passed. A server wants this because clients
   * differ: lftp (GnuTLS) sends its own close_notify after reading the 200 and treats ours as
   * "peer closed" if it arrives with that reply, while curl's passive CCC mode sends nothing and
   * waits for ours.
   */
  clear(timeoutMs: number, peerFirstMs = 0): Promise<void> {
    if (this.phase !== 'expecting' || !this.tls) return Promise.reject(new Error(`cannot clear the control channel in phase ${this.phase}`));
    this.phase = 'clearing';
    const socket = this.tls;
    const sendCloseNotify = (): void => {
      if (!socket.destroyed && !socket.writableEnded) socket.end();
    };
    if (peerFirstMs > 0 && !this.tlsReadDone) {
      const grace = setTimeout(sendCloseNotify, peerFirstMs);
      this.peerClosedWaiters.push(() => {
        clearTimeout(grace);
        sendCloseNotify();
      });
    } else sendCloseNotify();
    if (this.closeNotifyWritten) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`TLS close_notify not sent within ${timeoutMs + peerFirstMs} ms`)), timeoutMs + peerFirstMs);
      this.writeWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** TLS has delivered all it will: the application now reads the raw connection. */
  private readingClear(): boolean {
    return this.phase !== 'tls' && this.tlsReadDone && this.clearRoute !== 'tls';
  }

  private receive(chunk: Buffer): void {
    const { tls: records, clear } = this.splitter.push(chunk);
    if (records.length > 0) this.pushTransport(records);
    if (clear.length === 0) return;
    this.clearRoute ??= this.phase === 'tls' ? 'tls' : 'application';
    if (this.clearRoute === 'tls') {
      // Not expecting CCC: let TLS reject the garbage, as it would without us.
      this.pushTransport(clear);
      return;
    }
    this.heldClear.push(clear);
    // Held until TLS has finished; a peer that keeps sending meanwhile is made to wait (bounded).
    if (this.heldClear.reduce((total, piece) => total + piece.length, 0) > MAX_HELD_CLEAR_BYTES) this.raw.pause();
    // TLS has all its records: its end (after the peer's close_notify, if any) releases the text.
    this.pushTransport(null);
    this.flushClear();
  }

  private receiveEnd(): void {
    if (this.rawEnded) return;
    this.rawEnded = true;
    if (this.clearRoute !== 'application') {
      const held = this.splitter.takeHeld();
      if (held.length > 0) this.pushTransport(held);
      this.pushTransport(null);
    }
    this.flushClear();
  }

  private fail(error: Error): void {
    if (this.phase === 'tls' || !this.app) this.transport.destroy(error);
    else this.app.destroy(error);
  }

  private pushTransport(chunk: Buffer | null): void {
    if (this.transportEnded || this.transport.destroyed) return;
    if (chunk === null) this.transportEnded = true;
    if (!this.transport.push(chunk) && chunk !== null) this.raw.pause();
  }

  private pushApp(chunk: Buffer | null): boolean {
    if (this.appEnded || !this.app || this.app.destroyed) return false;
    if (chunk === null) this.appEnded = true;
    return this.app.push(chunk);
  }

  private tlsEnded(): void {
    if (this.phase === 'tls') {
      this.pushApp(null);
      return;
    }
    this.tlsReadDone = true;
    for (const waiter of this.peerClosedWaiters.splice(0)) waiter();
    this.flushClear();
  }

  private flushClear(): void {
    if (!this.readingClear()) return;
    let room = true;
    for (const chunk of this.heldClear.splice(0)) room = this.pushApp(chunk);
    if (this.rawEnded) this.pushApp(null);
    else if (room) this.raw.resume();
    else this.raw.pause();
  }

  private markCloseNotifyWritten(): void {
    if (this.closeNotifyWritten) return;
    this.closeNotifyWritten = true;
    for (const waiter of this.writeWaiters.splice(0)) waiter();
  }

  private writeOut(chunk: Buffer, callback: (error?: Error | null) => void): void {
    if (this.phase !== 'clearing') {
      const socket = this.tls as tls.TLSSocket;
      socket.write(chunk, (error?: Error | null) => callback(error ?? null));
      return;
    }
    if (!this.closeNotifyWritten) {
      this.writeWaiters.push(() => this.writeOut(chunk, callback));
      return;
    }
    this.raw.write(chunk, (error) => callback(error ?? null));
  }

  private endOut(callback: (error?: Error | null) => void): void {
    if (this.phase === 'expecting') this.phase = 'tls';
    // Finish only once the ending is on the wire (close_notify and FIN), so that destroying the
    // finished stream cannot cut it off.
    if (this.phase === 'tls') endThen(this.tls as tls.TLSSocket, callback);
    else endThen(this.raw, callback);
  }
}

function endThen(stream: Duplex, callback: () => void): void {
  if (stream.destroyed || stream.writableFinished) return callback();
  const done = (): void => {
    stream.off('finish', done);
    stream.off('close', done);
    callback();
  };
  stream.once('finish', done);
  stream.once('close', done);
  if (!stream.writableEnded) stream.end();
}
