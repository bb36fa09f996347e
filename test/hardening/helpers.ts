/**
 * Shared tools for the hardening suite: a network that counts the listeners still open, the
 * process's open file descriptors, a guard that turns unhandled errors into test failures, and
 * small bounded waits. Every wait here has a limit; nothing is timed as an assertion.
 */
import { readdirSync } from 'node:fs';
import type { Listener, Network } from '../../src/net/network.js';
import { realNetwork } from '../../src/net/real.js';

export const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Poll `condition` every `stepMs` until it holds or `limitMs` passes; returns its last value. */
export async function eventually(condition: () => boolean | Promise<boolean>, limitMs = 5000, stepMs = 20): Promise<boolean> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    if (await condition()) return true;
    if (Date.now() >= deadline) return false;
    await pause(stepMs);
  }
}

export interface CountingNetwork extends Network {
  /** Ports of the listeners opened through this network and not closed yet. */
  readonly open: Set<number>;
  /** Every port a listener was asked for (0 = any), in order. */
  readonly requested: number[];
  /** Every port a listener was really opened on, in order. */
  readonly opened: number[];
  /** The most listeners open at the same moment. */
  readonly stats: { peak: number };
}

/** The real network, with a ledger of listeners: a leak shows up as a port left in `open`. */
export function countingNetwork(base: Network = realNetwork): CountingNetwork {
  const open = new Set<number>();
  const requested: number[] = [];
  const opened: number[] = [];
  const stats = { peak: 0 };
  return {
    name: 'counting',
    open,
    requested,
    opened,
    stats,
    connect: (request) => base.connect(request),
    listen: async (request, handler) => {
      requested.push(request.port);
      const listener = await base.listen(request, handler);
      open.add(listener.port);
      opened.push(listener.port);
      stats.peak = Math.max(stats.peak, open.size);
      const counted: Listener = {
        host: listener.host,
        port: listener.port,
        close: async () => {
          open.delete(listener.port);
          await listener.close();
        },
      };
      return counted;
    },
  };
}

/** Open file descriptors of this process (Linux); undefined where /proc is missing. */
export function openFileDescriptors(): number | undefined {
  try {
    return readdirSync('/proc/self/fd').length;
  } catch {
    return undefined;
  }
}

/**
 * Collect uncaught exceptions and unhandled rejections while installed. vitest reports them too,
 * but only after the fact; collecting them lets a test assert "none" at the point it matters.
 */
export function guardUncaught(): { errors: unknown[]; remove(): void } {
  const errors: unknown[] = [];
  const onError = (error: unknown): void => void errors.push(error);
  process.on('uncaughtException', onError);
  process.on('unhandledRejection', onError);
  return {
    errors,
    remove: () => {
      process.off('uncaughtException', onError);
      process.off('unhandledRejection', onError);
    },
  };
}

/**
 * Wald–Wolfowitz runs test above/below the median: the z score of the number of runs. A sequence
 * drawn at random has |z| small; a sequential or alternating allocator has a huge |z|.
 */
export function runsTestZ(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
  const signs = values.filter((value) => value !== median).map((value) => value > median);
  const above = signs.filter(Boolean).length;
  const below = signs.length - above;
  let runs = signs.length > 0 ? 1 : 0;
  for (let index = 1; index < signs.length; index += 1) if (signs[index] !== signs[index - 1]) runs += 1;
  const total = above + below;
  const mean = (2 * above * below) / total + 1;
  const variance = (2 * above * below * (2 * above * below - total)) / (total * total * (total - 1));
  return (runs - mean) / Math.sqrt(variance);
}
