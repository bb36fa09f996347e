/**
 * The three hosts of the topology: their addresses, firewalls, conntrack table, listeners and
 * port bookkeeping. Ephemeral ports come from a seeded generator so a run is reproducible.
 */
import type { ConnectionHandler } from '../network.js';
import { isLoopback, isWildcard, sameAddress } from './address.js';
import { Conntrack } from './conntrack.js';
import type { CompiledFirewall } from './rules.js';

export type HostName = 'client' | 'edge' | 'server';

export const EPHEMERAL_FIRST = 32768;
export const EPHEMERAL_LAST = 60999;

export interface ListenerEntry {
  address: string;
  port: number;
  onConnection: ConnectionHandler;
}

export function systemError(code: string, message: string): Error {
  return Object.assign(new Error(`${message} ${code}`), { code });
}

/** mulberry32: small, fast and good enough to spread ephemeral ports reproducibly. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
    mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed;
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };
}

export class Host {
  readonly conntrack = new Conntrack();
  readonly listeners: ListenerEntry[] = [];
  /** Local ports held by connections (count per port, since port 20 may be shared). */
  private readonly connectionPorts = new Map<number, number>();

  constructor(
    readonly name: HostName,
    readonly addresses: string[],
    readonly firewalls: CompiledFirewall[],
    private readonly random: () => number,
  ) {}

  owns(address: string): boolean {
    return isLoopback(address) || this.addresses.some((own) => sameAddress(own, address));
  }

  /** Binds a listener; port 0 picks a free ephemeral port. */
  bind(address: string, port: number, onConnection: ConnectionHandler): ListenerEntry {
    if (!isWildcard(address) && !this.owns(address)) throw systemError('EADDRNOTAVAIL', `listen ${address}:${port}`);
    const chosen = port === 0 ? this.freePort() : port;
    const clash = this.listeners.some(
      (entry) => entry.port === chosen && (isWildcard(entry.address) || isWildcard(address) || sameAddress(entry.address, address)),
    );
    if (clash) throw systemError('EADDRINUSE', `listen ${address}:${chosen}`);
    const entry = { address, port: chosen, onConnection };
    this.listeners.push(entry);
    return entry;
  }

  unbind(entry: ListenerEntry): void {
    const index = this.listeners.indexOf(entry);
    if (index >= 0) this.listeners.splice(index, 1);
  }

  listenerFor(address: string, port: number): ListenerEntry | undefined {
    const ipv6 = address.includes(':');
    return (
      this.listeners.find((entry) => entry.port === port && !isWildcard(entry.address) && sameAddress(entry.address, address)) ??
      this.listeners.find((entry) => entry.port === port && (entry.address === '::' || (entry.address === '0.0.0.0' && !ipv6)))
    );
  }

  holdPort(port: number): void {
    this.connectionPorts.set(port, (this.connectionPorts.get(port) ?? 0) + 1);
  }

  releasePort(port: number): void {
    const count = (this.connectionPorts.get(port) ?? 0) - 1;
    if (count <= 0) this.connectionPorts.delete(port);
    else this.connectionPorts.set(port, count);
  }

  /** A random free port of the ephemeral range, probing onward from a seeded start. */
  freePort(): number {
    const size = EPHEMERAL_LAST - EPHEMERAL_FIRST + 1;
    const start = Math.floor(this.random() * size);
    for (let step = 0; step < size; step += 1) {
      const port = EPHEMERAL_FIRST + ((start + step) % size);
      if (!this.connectionPorts.has(port) && !this.listeners.some((entry) => entry.port === port)) return port;
    }
    throw systemError('EADDRNOTAVAIL', 'no free ephemeral port');
  }
}
