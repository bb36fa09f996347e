/**
 * Connection tracking, one table per host (as each Linux network namespace has its own): the
 * tracked connections' tuples, the expectations an FTP helper creates for data connections
 * ("related"), and the idle timer that makes a NAT box forget a quiet connection.
 */
import { sameAddress, type Endpoint } from './address.js';

export interface Tuple {
  src: Endpoint;
  dst: Endpoint;
}

/** One tracked connection at one host. */
export interface Track {
  /** The connection as its dialler saw it: "198.51.100.10:40000 -> 198.51.100.1:21". */
  label: string;
  /** As the first packet arrived at this host, before any NAT. */
  original: Tuple;
  /** What replies look like, after NAT: src is the real destination, dst the translated source. */
  reply: Tuple;
}

export interface Expectation {
  /** The address the data connection must come from. */
  src: string;
  /** The address and port it must be dialled to, as it arrives at this host (before NAT). */
  dst: Endpoint;
  /** nf_nat_ftp: where the expected connection is really sent (destination NAT), if elsewhere. */
  translate?: Endpoint;
  master: Track;
  /** Why it exists, for the trace: "227 on 198.51.100.10:40000 -> 198.51.100.1:21". */
  reason: string;
}

export class Conntrack {
  private expectations: Expectation[] = [];

  /** A newer expectation for the same destination replaces the older one, as in the kernel. */
  expect(expectation: Expectation): void {
    this.expectations = this.expectations.filter((existing) => !sameEndpoint(existing.dst, expectation.dst));
    this.expectations.push(expectation);
  }

  /** Finds and consumes the expectation a new connection fulfils (expectations are one-shot). */
  take(src: Endpoint, dst: Endpoint): Expectation | undefined {
    const index = this.expectations.findIndex((candidate) => sameAddress(candidate.src, src.address) && sameEndpoint(candidate.dst, dst));
    if (index < 0) return undefined;
    const [found] = this.expectations.splice(index, 1);
    return found;
  }

  /** Expectations die with their control connection. */
  forget(master: Track): void {
    this.expectations = this.expectations.filter((candidate) => candidate.master !== master);
  }

  pending(): readonly Expectation[] {
    return this.expectations;
  }
}

function sameEndpoint(a: Endpoint, b: Endpoint): boolean {
  return a.port === b.port && sameAddress(a.address, b.address);
}

/**
 * Fires once when nothing was carried in either direction for `timeoutMs`. One timer per
 * connection, re-armed lazily (touch() only records the time), so bulk transfers stay cheap.
 */
export class IdleWatch {
  private last = Date.now();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly timeoutMs: number,
    private readonly onExpire: () => void,
  ) {
    this.arm(timeoutMs);
  }

  touch(): void {
    this.last = Date.now();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(delay: number): void {
    this.timer = setTimeout(() => this.check(), Math.max(delay, 1));
    // Not unref(): in the simulator nothing else may be keeping the process alive when the idle entry should expire.

  }

  private check(): void {
    if (this.stopped) return;
    const idle = Date.now() - this.last;
    if (idle >= this.timeoutMs) {
      this.stop();
      this.onExpire();
    } else {
      this.arm(this.timeoutMs - idle);
    }
  }
}
