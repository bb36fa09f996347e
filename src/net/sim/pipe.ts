/**
 * A simulated TCP connection: two Duplex ends joined by a Link. Bytes written on one end reach
 * the other asynchronously and in order; a write completes only when the receiver has room
 * (backpressure); end() is a FIN, destroy() a FIN that also closes, resetAndDestroy() an RST.
 * Every chunk passes the middleboxes (`Middle`) on the way, which may inspect, rewrite, lose it
 * or reset the connection. Ends behave like net.Socket with allowHalfOpen false, so node:tls can
 * wrap them.
 */
import { Duplex } from 'node:stream';
import type { Connection } from '../network.js';

export type Side = 'dialler' | 'acceptor';

export type Carried = { kind: 'deliver'; chunk: Buffer } | { kind: 'lost' } | { kind: 'reset' };

/** What sits between the two ends: firewalls with helpers, NAT, idle timers. */
export interface Middle {
  carry(from: Side, chunk: Buffer): Carried;
  /** Whether FIN/RST sent by `from` still reach the peer (false once conntrack forgot the flow). */
  passes(from: Side): boolean;
  /** Both ends are gone. */
  closed(): void;
}

export interface EndpointView {
  localAddress: string;
  localPort: number;
  remoteAddress: string;
  remotePort: number;
}

export function connectionReset(): Error {
  return Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET', errno: -104, syscall: 'read' });
}

export class SimConnection extends Duplex implements Connection {
  readonly localAddress: string;
  readonly localPort: number;
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** The writer's completion, held back until this end's reader wants more. */
  private pendingAck: (() => void) | undefined;
  private eofReceived = false;
  private resetting = false;

  constructor(
    readonly side: Side,
    view: EndpointView,
    private readonly link: Link,
  ) {
    super({ allowHalfOpen: false });
    this.localAddress = view.localAddress;
    this.localPort = view.localPort;
    this.remoteAddress = view.remoteAddress;
    this.remotePort = view.remotePort;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.link.transmit(this.side, chunk, () => callback());
  }

  override _read(): void {
    const ack = this.pendingAck;
    this.pendingAck = undefined;
    ack?.();
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.link.finish(this.side);
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this._read(); // release a writer waiting on us
    this.link.gone(this.side, this.resetting);
    callback(error);
  }

  resetAndDestroy(): this {
    this.resetting = true;
    this.destroy();
    return this;
  }

  setNoDelay(): this {
    return this;
  }

  /** Called by the link: bytes arrived. `ack` completes the sender's write. */
  deliver(chunk: Buffer, ack: () => void): void {
    if (this.destroyed || this.eofReceived) return ack();
    if (this.push(chunk)) ack();
    else this.pendingAck = ack;
  }

  deliverEnd(): void {
    if (this.destroyed || this.eofReceived) return;
    this.eofReceived = true;
    this.push(null);
  }

  deliverReset(): void {
    if (!this.destroyed) this.destroy(connectionReset());
  }
}

export class Link {
  readonly dialler: SimConnection;
  readonly acceptor: SimConnection;
  private goneCount = 0;

  constructor(dialler: EndpointView, acceptor: EndpointView, private readonly middle: Middle) {
    this.dialler = new SimConnection('dialler', dialler, this);
    this.acceptor = new SimConnection('acceptor', acceptor, this);
  }

  private peerOf(side: Side): SimConnection {
    return side === 'dialler' ? this.acceptor : this.dialler;
  }

  transmit(from: Side, chunk: Buffer, ack: () => void): void {
    const carried = this.middle.carry(from, chunk);
    if (carried.kind === 'lost') return ack();
    if (carried.kind === 'reset') {
      ack();
      this.reset();
      return;
    }
    const peer = this.peerOf(from);
    setImmediate(() => peer.deliver(carried.chunk, ack));
  }

  finish(from: Side): void {
    if (!this.middle.passes(from)) return;
    const peer = this.peerOf(from);
    setImmediate(() => peer.deliverEnd());
  }

  gone(from: Side, reset: boolean): void {
    if (this.middle.passes(from)) {
      const peer = this.peerOf(from);
      setImmediate(() => (reset ? peer.deliverReset() : peer.deliverEnd()));
    }
    this.goneCount += 1;
    if (this.goneCount === 2) this.middle.closed();
  }

  /** A middlebox reset: both ends see ECONNRESET. */
  reset(): void {
    setImmediate(() => {
      this.dialler.deliverReset();
      this.acceptor.deliverReset();
    });
  }

  /** Tear down without ceremony (simulation closing). */
  destroy(): void {
    this.dialler.destroy();
    this.acceptor.destroy();
  }
}
