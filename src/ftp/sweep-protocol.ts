/**
 * The batched form of the SITE SWEEP extension, as text both sides agree on (pure; table-tested).
 *
 * - `SITE SWEEP` alone: 501 naming the passive range, and, on servers that have the batched form,
 *   `[block <max> idle <ms>]`: the most ports one block may hold and how long the server keeps an
 *   idle block's listeners (the client sizes its blocks to finish well inside that).
 * - `SITE SWEEP <from>-<to>`: listeners on every free port of the block at once; each connection
 *   from the control peer gets its token line and a FIN. The 200 reply lists the ports opened as
 *   spans in letter-spelt digits (`[open caaaa-cacff]`): no FTP ALG parses SITE replies, but the
 *   spelling costs nothing and keeps the list out of reach of anything that rewrites numbers.
 *   Listeners the server could not open for want of descriptors are counted (`[failed 12]`): the
 *   client takes that as push-back and asks for smaller blocks.
 * - `SITE SWEEP DONE`: close the block's listeners (also done by the next SITE SWEEP, the idle
 *   deadline, or the end of the session).
 */
import { spellDigits, unspellDigits } from './evidence.js';

/**
 * The most ports one `SITE SWEEP A-B` may ask for on any server: the whole dynamic range
 * (49152-65535). A server offers less when its open-files limit says so (blockMaxFor).
 */
export const SWEEP_BLOCK_MAX = 16_384;
/** A session may open at most this many times its passive range in block listeners, in all. */
export const SWEEP_SESSION_FACTOR = 4;

export interface PortSpan {
  from: number;
  to: number;
}

export interface BlockCapability {
  max: number;
  idleMs: number;
}

export type SweepRequest =
  | { kind: 'probe' }
  | { kind: 'port'; port: number }
  | { kind: 'block'; from: number; to: number }
  | { kind: 'done' }
  | { kind: 'invalid' };

/** The argument after `SITE` (e.g. `SWEEP 20000-20255`); `undefined` when it is not SWEEP at all. */
export function parseSweepRequest(argument: string): SweepRequest | undefined {
  const [word = '', value = '', ...rest] = argument.trim().split(/\s+/);
  if (word.toUpperCase() !== 'SWEEP') return undefined;
  if (rest.length > 0) return { kind: 'invalid' };
  if (value === '') return { kind: 'probe' };
  if (value.toUpperCase() === 'DONE') return { kind: 'done' };
  if (/^\d{1,5}$/.test(value)) return { kind: 'port', port: Number(value) };
  const block = /^(\d{1,5})-(\d{1,5})$/.exec(value);
  if (block) return { kind: 'block', from: Number(block[1]), to: Number(block[2]) };
  return { kind: 'invalid' };
}

/** The capability tag of the 501 answer to a bare `SITE SWEEP`. */
export function formatBlockCapability(capability: BlockCapability): string {
  return `[block ${capability.max} idle ${capability.idleMs}]`;
}

export function parseBlockCapability(message: string): BlockCapability | undefined {
  const match = /\[block (\d{1,5}) idle (\d{1,9})\]/.exec(message);
  if (!match) return undefined;
  const max = Number(match[1]);
  const idleMs = Number(match[2]);
  return max >= 1 && idleMs >= 1 ? { max, idleMs } : undefined;
}

/** Ascending ports folded into spans: [1,2,3,5] → 1-3, 5-5. */
export function toSpans(ports: readonly number[]): PortSpan[] {
  const spans: PortSpan[] = [];
  for (const port of [...ports].sort((a, b) => a - b)) {
    const last = spans.at(-1);
    if (last && port === last.to + 1) last.to = port;
    else if (!last || port > last.to) spans.push({ from: port, to: port });
  }
  return spans;
}

export function fromSpans(spans: readonly PortSpan[]): number[] {
  const ports: number[] = [];
  for (const span of spans) for (let port = span.from; port <= span.to; port += 1) ports.push(port);
  return ports;
}

/** `[open caaaa-caaac,caaae]`: the ports a block opened, spelt. Empty list: `[open -]`. */
export function formatOpenTag(ports: readonly number[]): string {
  const spans = toSpans(ports).map((span) => spellDigits(span.from === span.to ? String(span.from) : `${span.from}-${span.to}`));
  return `[open ${spans.length > 0 ? spans.join(',') : '-'}]`;
}

/** The ports of an open tag, ascending; undefined when the reply has none or it is malformed. */
export function parseOpenTag(message: string): number[] | undefined {
  const match = /\[open ([a-j,-]+)\]/.exec(message);
  if (!match?.[1]) return undefined;
  if (match[1] === '-') return [];
  const spans: PortSpan[] = [];
  for (const part of match[1].split(',')) {
    const bounds = /^([a-j]{1,5})(?:-([a-j]{1,5}))?$/.exec(part);
    if (!bounds?.[1]) return undefined;
    const from = Number(unspellDigits(bounds[1]));
    const to = bounds[2] === undefined ? from : Number(unspellDigits(bounds[2]));
    if (from < 1 || to > 65535 || from > to) return undefined;
    spans.push({ from, to });
  }
  const ports = fromSpans(spans);
  return ports.length <= SWEEP_BLOCK_MAX ? ports : undefined;
}

/**
 * Contiguous blocks for `ports` (ascending): each covers at most `size` consecutive port numbers,
 * so a sparse sample opens a few listeners it does not dial, never more than `size` at once.
 */
export function planBlocks(ports: readonly number[], size: number): { span: PortSpan; ports: number[] }[] {
  const blocks: { span: PortSpan; ports: number[] }[] = [];
  for (const port of ports) {
    const last = blocks.at(-1);
    if (last && port - last.span.from < size && port > last.span.to) {
      last.span.to = port;
      last.ports.push(port);
    } else {
      blocks.push({ span: { from: port, to: port }, ports: [port] });
    }
  }
  return blocks;
}

/** The next block of `ports` (ascending) from `start`: at most `size` consecutive port numbers. */
export function nextBlock(ports: readonly number[], start: number, size: number): { span: PortSpan; ports: number[] } {
  const block = planBlocks(ports.slice(start, start + Math.max(1, size)), Math.max(1, size))[0];
  if (!block) throw new RangeError(`no port left at ${start} of ${ports.length}`);
  return block;
}

/**
 * The most ports one block may hold on a server that may hold `budget` sockets for sweeps
 * (limits.ts): half of it, so that a client's next block can open while its current one is
 * dialled; never more than SWEEP_BLOCK_MAX.
 */
export function blockMaxFor(budget: number): number {
  return Math.max(1, Math.min(SWEEP_BLOCK_MAX, Math.floor(budget / 2)));
}

/** `failed 3`: listeners the server tried to open and could not (EMFILE, …), not busy ones. */
export function formatFailedTag(failed: number): string {
  return failed > 0 ? ` [failed ${failed}]` : '';
}

/** The 200 reply to `SITE SWEEP A-B`: the ports listening, and how many listeners failed. */
export function parseBlockReply(message: string): { ports: number[]; failed: number } | undefined {
  const ports = parseOpenTag(message);
  if (!ports) return undefined;
  const failed = /\[failed (\d{1,5})\]/.exec(message);
  return { ports, failed: failed ? Number(failed[1]) : 0 };
}
