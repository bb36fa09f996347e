/**
 * What a sweep is asked to do, its defaults, and the pure choices made before any connection:
 * which ports to prove (the whole range, or a random sample of it). The URL follows the probe's
 * rules (parseTarget), so `ftpes://user@host:2121` means the same to both commands.
 */
import { randomInt } from 'node:crypto';
import type { Clock } from '../client/recorder.js';
import type { PortState } from '../report/model.js';

export interface PortRange {
  from: number;
  to: number;
}

/** One port proved (or not), as the engine reports it while it runs. */
export interface PortResult {
  port: number;
  state: PortState;
  detail?: string;
}

export interface SweepProgress {
  done: number;
  total: number;
  /** The port that just finished, and which control session (0 … concurrency-1) proved it. */
  latest: PortResult;
  slot: number;
}

export interface SweepOptions {
  /** ftp:// (plain), ftpes:// (explicit TLS), ftps:// (implicit TLS, port 990). */
  url: string;
  user?: string;
  password?: string;
  /** Override the scheme's TLS mode for the control sessions. */
  tls?: 'none' | 'explicit' | 'implicit';
  /** With TLS on the control sessions: PROT P, so the data connections are TLS too (default true). */
  protectData?: boolean;
  range: PortRange;
  /**
   * Ports proved at once (default 16): data connections in flight with the batched extension,
   * control sessions in parallel (each proving one port at a time) otherwise.
   */
  concurrency?: number;
  /** Prove only this many ports, drawn at random from the range (0 or absent: all of them). */
  sample?: number;
  connectTimeoutMs?: number;
  /** Deadline for each data connect, and for the token and listing on it. */
  dataTimeoutMs?: number;
  strictTls?: boolean;
  /**
   * 'auto' (default): the SITE SWEEP extension when the server has it, else PASV/EPSV sampling.
   * The other two force one method (tests, and servers whose FEAT lies).
   */
  method?: 'auto' | 'extension' | 'pasv-sampling';
  /**
   * The extension's batched form (`SITE SWEEP A-B`, one TCP exchange per port) when the server
   * offers it (default true); false proves each port with its own `SITE SWEEP <port>` and NLST.
   */
  blocks?: boolean;
  /** Fallback only: at most this many PASV/EPSV requests in all (default: see passiveBudget). */
  maxPassiveRequests?: number;
  /** Random numbers below `below` (sample choice); tests pass a seeded one. */
  random?: (below: number) => number;
  now?: Clock;
  /** Name resolution; default node's dns.lookup. Not called for IP literals. */
  resolve?: (host: string) => Promise<string>;
  onProgress?: (progress: SweepProgress) => void;
}

export const DEFAULT_CONCURRENCY = 16;
/** Our reference server allows 32 sessions per client address by default; more rarely helps. */
export const MAX_CONCURRENCY = 256;
export const DEFAULT_SWEEP_CONNECT_TIMEOUT_MS = 10_000;
export const DEFAULT_SWEEP_DATA_TIMEOUT_MS = 5_000;
/** A sweep proves at most this many ports: the whole TCP port space. */
export const MAX_SAMPLE = 65535;

/**
 * How many PASV/EPSV requests the fallback may make: enough to see most of a range that a server
 * hands out at random (about 3× its size sees ~95% of it), never unbounded.
 */
export function passiveBudget(rangeSize: number, requested?: number): number {
  if (requested !== undefined) return Math.max(1, Math.min(requested, 100_000));
  return Math.min(Math.max(3 * rangeSize, 100), 20_000);
}

/**
 * The fallback stops early once this many requests in a row brought no port it had not seen:
 * the server hands out fewer ports than the range (or the same few again and again).
 */
export function staleLimit(rangeSize: number): number {
  return Math.min(Math.max(rangeSize, 50), 2_000);
}

export function rangeSize(range: PortRange): number {
  return range.to - range.from + 1;
}

/**
 * The ports to prove, ascending: the whole range, or `sample` distinct ports drawn uniformly
 * (partial Fisher-Yates over the range, so a sample of a huge range costs only its own size).
 */
export function choosePorts(range: PortRange, sample = 0, random: (below: number) => number = randomInt): number[] {
  const size = rangeSize(range);
  if (sample <= 0 || sample >= size) return Array.from({ length: size }, (_, index) => range.from + index);
  const swapped = new Map<number, number>();
  const chosen: number[] = [];
  for (let index = 0; index < sample; index += 1) {
    const pick = index + random(size - index);
    const value = swapped.get(pick) ?? pick;
    swapped.set(pick, swapped.get(index) ?? index);
    chosen.push(range.from + value);
  }
  return chosen.sort((a, b) => a - b);
}
