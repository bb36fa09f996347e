/**
 * The passive port allocator. Ports are drawn at random inside the configured range (predictable,
 * sequential ports let another host guess and steal a data connection), never outside it, and a
 * port another session of this server holds is not offered twice. When every port of the range is
 * taken, allocation fails and the caller answers 425.
 */
import { randomInt } from 'node:crypto';

export interface PortRange {
  from: number;
  to: number;
}

export class PassivePortAllocator {
  private readonly held = new Set<number>();

  /** `range` undefined: the OS picks (port 0). */
  constructor(
    readonly range: PortRange | undefined,
    private readonly random: (below: number) => number = randomInt,
  ) {
    if (range && (range.from < 1 || range.to > 65535 || range.from > range.to)) {
      throw new Error(`passive range ${range.from}-${range.to} is not a valid port range`);
    }
  }

  /**
   * Try `open(port)` on random free ports of the range until one succeeds (each port tried at
   * most once); `open` returns undefined when the port is busy (EADDRINUSE). Resolves undefined
   * when the range is exhausted. Without a range, calls `open(0)` once.
   */
  async allocate<T extends { port: number }>(open: (port: number) => Promise<T | undefined>): Promise<T | undefined> {
    if (!this.range) {
      const result = await open(0);
      if (result) this.held.add(result.port);
      return result;
    }
    const { from, to } = this.range;
    const size = to - from + 1;
    // Random start and a random stride coprime with the size visits every port exactly once.
    const start = this.random(size);
    const stride = pickStride(size, this.random);
    for (let step = 0; step < size; step += 1) {
      const port = from + ((start + step * stride) % size);
      if (this.held.has(port)) continue;
      this.held.add(port);
      const result = await open(port);
      if (result) return result;
      this.held.delete(port);
    }
    return undefined;
  }

  /** Hold one specific port (SITE SWEEP); false when another session holds it. */
  claim(port: number): boolean {
    if (this.held.has(port)) return false;
    this.held.add(port);
    return true;
  }

  release(port: number): void {
    this.held.delete(port);
  }

  get heldCount(): number {
    return this.held.size;
  }
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

function pickStride(size: number, random: (below: number) => number): number {
  if (size <= 2) return 1;
  for (let attempt = 0; attempt < 64; attempt += 1) {
    const stride = 1 + random(size - 1);
    if (gcd(stride, size) === 1 && stride !== 1) return stride;
  }
  return 1;
}
