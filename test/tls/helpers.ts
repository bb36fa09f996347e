/**
 * Test plumbing for the TLS carrier: an in-memory connection pair whose "network" re-cuts the byte
 * stream at seeded random points (and merges writes), and a self-signed certificate.
 */
import { Duplex } from 'node:stream';
import { generate } from 'selfsigned';
import type { Connection } from '../../src/net/network.js';

/** A small deterministic generator (mulberry32), so a failing cut pattern can be replayed. */
export function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Cut `data` into pieces of 1..maxPiece bytes. */
export function cut(data: Buffer, random: () => number, maxPiece: number): Buffer[] {
  const pieces: Buffer[] = [];
  for (let offset = 0; offset < data.length; ) {
    const size = 1 + Math.floor(random() * maxPiece);
    pieces.push(data.subarray(offset, offset + size));
    offset += size;
  }
  return pieces;
}

class Rechunking extends Duplex implements Connection {
  peer: Rechunking | undefined;
  /** Every byte this end wrote, as the wire would show it. */
  readonly wire: Buffer[] = [];
  private pending: Buffer[] = [];
  private scheduled = false;

  constructor(
    private readonly random: () => number,
    private readonly maxPiece: number,
  ) {
    super({ allowHalfOpen: false });
  }

  override _read(): void {}

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.wire.push(Buffer.from(chunk));
    this.pending.push(Buffer.from(chunk));
    // Writes made in the same turn travel together (coalesced), then arrive re-cut.
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.deliver());
    }
    callback();
  }

  private deliver(): void {
    this.scheduled = false;
    const data = Buffer.concat(this.pending.splice(0));
    for (const piece of cut(data, this.random, this.maxPiece)) this.peer?.push(piece);
  }

  override _final(callback: (error?: Error | null) => void): void {
    setImmediate(() => {
      this.deliver();
      this.peer?.push(null);
    });
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const peer = this.peer;
    setImmediate(() => {
      if (peer && !peer.destroyed) {
        peer.push(null);
        peer.destroy();
      }
    });
    callback(error);
  }
}

/** Two connected in-memory ends; each delivery is cut into pieces of 1..maxPiece bytes. */
export function rechunkingPair(seed: number, maxPiece: number): { client: Connection & { wire: Buffer[] }; server: Connection & { wire: Buffer[] } } {
  const random = seeded(seed);
  const client = new Rechunking(random, maxPiece);
  const server = new Rechunking(random, maxPiece);
  client.peer = server;
  server.peer = client;
  return { client, server };
}

let material: Promise<{ cert: string; key: string }> | undefined;

export function certificate(): Promise<{ cert: string; key: string }> {
  material ??= generate([{ name: 'commonName', value: 'localhost' }], { keyType: 'ec', curve: 'P-256' }).then((pair) => ({ cert: pair.cert, key: pair.private }));
  return material;
}

/** Collects what a stream delivers from the moment it is created; every wait is bounded. */
export class TextReader {
  private text = '';
  private ended = false;
  private wake: (() => void) | undefined;

  constructor(stream: Duplex) {
    stream.on('data', (chunk: Buffer) => {
      this.text += chunk.toString('latin1');
      this.wake?.();
    });
    stream.on('end', () => {
      this.ended = true;
      this.wake?.();
    });
    stream.on('error', () => {});
  }

  /** The next CRLF-terminated line (without CRLF). */
  async line(timeoutMs = 5000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const end = this.text.indexOf('\r\n');
      if (end >= 0) {
        const line = this.text.slice(0, end);
        this.text = this.text.slice(end + 2);
        return line;
      }
      if (this.ended) throw new Error(`stream ended; unread: ${JSON.stringify(this.text)}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no line within ${timeoutMs} ms; unread: ${JSON.stringify(this.text)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }

  /** Resolves when the stream has ended, with whatever was left unread. */
  async end(timeoutMs = 5000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (!this.ended) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`stream did not end within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
    return this.text;
  }
}

/** Poll `condition` every few milliseconds until it holds; bounded by `timeoutMs`. */
export async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
