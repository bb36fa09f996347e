/**
 * Failed logins counted per client address across sessions, so reconnecting (or opening many
 * sessions in parallel) buys an attacker nothing:
 *
 * - One password check per address at a time (`acquire`): a failed check holds the address's
 *   turn through its delay, so parallel sessions from one address queue behind it, while other
 *   addresses never wait for it. A successful check releases at once (parallel logins of a real
 *   client do not queue).
 * - The delay before a 530 doubles with the address's failures: base, 2×, 4×, 8×, then 16× the
 *   base at most.
 * - Past `maxFailures` within the window the address is locked out: PASS gets 421 and the
 *   session is closed, without checking the password, until the address's failures expire
 *   (`windowMs` after its last failure). Refused attempts do not extend it.
 * - IPv6 clients are counted per /64 (one host usually holds a whole /64), IPv4 per address.
 * - At most MAX_TRACKED_ADDRESSES records; when full, expired ones go first, then the one
 *   least recently failed.
 *
 * The time source is injected so the rules are tested without waiting.
 */
import net from 'node:net';
import { toBigInt } from '../ftp/address.js';

export const MAX_TRACKED_ADDRESSES = 4096;
/** The delay doubles this many times at most (16× the base). */
const MAX_DOUBLINGS = 4;
/**
 * And never exceeds this: clients give up on a reply after about 10 s (ftp-doctor probe's reply
 * timeout is 10 s), and a 530 that comes after the client left reads as a lost session — a network
 * fault — instead of a wrong password. The lock-out after too many failures is what stops guessing.
 */
export const MAX_FAILED_LOGIN_DELAY_MS = 8_000;

export interface LoginThrottleLimits {
  maxFailures: number;
  windowMs: number;
  baseDelayMs: number;
}

interface AddressRecord {
  failures: number;
  lastFailureAt: number;
  /** A password check of this address is running. */
  busy: boolean;
  /** Checks waiting for their turn, oldest first. */
  readonly waiters: (() => void)[];
}

/** The key an address is counted under: the address itself, or its /64 for IPv6. */
export function throttleKey(address: string): string {
  if (!net.isIPv6(address)) return address;
  return `${(toBigInt(address) >> 64n).toString(16)}::/64`;
}

export class LoginThrottle {
  private readonly records = new Map<string, AddressRecord>();

  constructor(
    private readonly limits: LoginThrottleLimits,
    private readonly now: () => number = Date.now,
    private readonly capacity = MAX_TRACKED_ADDRESSES,
  ) {}

  /** Addresses currently tracked (for tests and the bound). */
  get size(): number {
    return this.records.size;
  }

  /** Failures of this address still counted. */
  failures(address: string): number {
    return this.live(throttleKey(address))?.failures ?? 0;
  }

  /** Locked out: too many failures within the window. */
  locked(address: string): boolean {
    return this.failures(address) >= this.limits.maxFailures;
  }

  /** The pause before answering the `failures`-th failure of an address. */
  delayFor(failures: number): number {
    return Math.min(this.limits.baseDelayMs * 2 ** Math.min(Math.max(failures - 1, 0), MAX_DOUBLINGS), MAX_FAILED_LOGIN_DELAY_MS);
  }

  /**
   * Wait for this address's turn to check a password; call the returned function when done
   * (it may be called more than once). Resolves at once when no check of the address runs.
   */
  async acquire(address: string): Promise<() => void> {
    const key = throttleKey(address);
    const record = this.live(key) ?? this.create(key);
    if (record.busy) await new Promise<void>((resolve) => record.waiters.push(resolve));
    record.busy = true;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = record.waiters.shift();
      if (next) return next();
      record.busy = false;
      if (record.failures === 0 && this.records.get(key) === record) this.records.delete(key);
    };
  }

  /** Count a failed login of this address; returns its failures now counted. */
  recordFailure(address: string): number {
    const key = throttleKey(address);
    const record = this.live(key) ?? this.create(key);
    record.failures += 1;
    record.lastFailureAt = this.now();
    // Most recently failed last: the eviction order when the map is full.
    this.records.delete(key);
    this.records.set(key, record);
    return record.failures;
  }

  /** The record, unless its failures expired (then it is reset, or dropped when unused). */
  private live(key: string): AddressRecord | undefined {
    const record = this.records.get(key);
    if (!record || !this.expired(record)) return record;
    record.failures = 0;
    if (this.unused(record)) {
      this.records.delete(key);
      return undefined;
    }
    return record;
  }

  private expired(record: AddressRecord): boolean {
    return record.failures > 0 && this.now() - record.lastFailureAt >= this.limits.windowMs;
  }

  private unused(record: AddressRecord): boolean {
    return !record.busy && record.waiters.length === 0;
  }

  private create(key: string): AddressRecord {
    if (this.records.size >= this.capacity) this.makeRoom();
    const record: AddressRecord = { failures: 0, lastFailureAt: 0, busy: false, waiters: [] };
    this.records.set(key, record);
    return record;
  }

  private makeRoom(): void {
    for (const [key, record] of this.records) {
      if (this.unused(record) && (record.failures === 0 || this.expired(record))) this.records.delete(key);
    }
    if (this.records.size < this.capacity) return;
    for (const [key, record] of this.records) {
      if (!this.unused(record)) continue;
      this.records.delete(key);
      return;
    }
  }
}
