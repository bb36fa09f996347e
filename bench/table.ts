/**
 * Pure pieces of the bench: its command-line flags, the row model every benchmark reports in,
 * ratios, and the one table. Kept free of I/O so they can be tested without running anything.
 */
import { renderGrid } from '../src/report/grid.js';

export const BENCHMARKS = ['verdict', 'throughput', 'concurrency', 'catalogue', 'sweep', 'capture'] as const;
export type BenchmarkName = (typeof BENCHMARKS)[number];

export interface BenchFlags {
  only: BenchmarkName[];
  quick: boolean;
}

/** `--only a,b` and `--quick`; anything else is a mistake worth stopping for. */
export function parseBenchFlags(argv: string[]): BenchFlags {
  let only: BenchmarkName[] = [...BENCHMARKS];
  let quick = false;
  for (let index = 0; index < argv.length; index += 1) {
    const argument = argv[index] as string;
    if (argument === '--quick') quick = true;
    else if (argument === '--only' || argument.startsWith('--only=')) {
      const value = argument === '--only' ? argv[(index += 1)] : argument.slice('--only='.length);
      if (!value) throw new Error('--only needs a list, e.g. --only throughput,concurrency');
      const names = value.split(',').map((name) => name.trim()).filter(Boolean);
      const unknown = names.filter((name) => !(BENCHMARKS as readonly string[]).includes(name));
      if (unknown.length > 0) throw new Error(`--only: unknown benchmark ${unknown.join(', ')} (known: ${BENCHMARKS.join(', ')})`);
      only = BENCHMARKS.filter((name) => names.includes(name));
    } else if (argument !== '--') throw new Error(`unknown flag ${argument} (known: --only LIST, --quick)`);
  }
  return { only, quick };
}

/** One line of the table: a measure of ours beside the same measure of a peer. */
export interface BenchRow {
  benchmark: BenchmarkName;
  measure: string;
  ours: string;
  peer: string;
  /** How many times better ours is (> 1 = better); null when it cannot be computed. */
  ratio: number | null;
  target?: string;
  /** true met, false missed, null not judged (skipped or no target). */
  met: boolean | null;
  note?: string;
}

export function skippedRow(benchmark: BenchmarkName, reason: string): BenchRow {
  return { benchmark, measure: 'skipped', ours: '-', peer: '-', ratio: null, met: null, note: reason };
}

/** "Better" is "smaller" for times and memory, "larger" for throughput: ratio > 1 favours ours. */
export function ratioOf(ours: number | null | undefined, peer: number | null | undefined, better: 'smaller' | 'larger'): number | null {
  if (ours == null || peer == null || !Number.isFinite(ours) || !Number.isFinite(peer) || ours <= 0 || peer <= 0) return null;
  return better === 'smaller' ? peer / ours : ours / peer;
}

export function formatRatio(ratio: number | null): string {
  if (ratio === null) return '-';
  return ratio >= 100 ? `${Math.round(ratio)}×` : ratio >= 10 ? `${ratio.toFixed(1)}×` : `${ratio.toFixed(2)}×`;
}

export function formatSeconds(ms: number): string {
  return ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${(ms / 1000).toFixed(2)} s`;
}

export function formatRate(bytesPerSecond: number): string {
  return `${(bytesPerSecond / 1024 ** 2).toFixed(0)} MiB/s`;
}

export function formatBytes(bytes: number): string {
  return bytes >= 1024 ** 3 ? `${(bytes / 1024 ** 3).toFixed(2)} GiB` : `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
}

/** The nearest-rank percentile of a list of numbers (p in 0..100); NaN for an empty list. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] as number;
}

function metText(met: boolean | null): string {
  return met === null ? '-' : met ? 'met' : 'MISSED';
}

/** The one table `npm run bench` prints. No colours: it is pasted into the README as is. */
export function renderTable(rows: BenchRow[], header: string): string {
  const head = ['benchmark', 'measure', 'ftp-doctor', 'peer', 'ratio', 'target', 'met'];
  const cells = rows.map((row) => [row.benchmark, row.note ? `${row.measure}\n(${row.note})` : row.measure, row.ours, row.peer, formatRatio(row.ratio), row.target ?? '-', metText(row.met)]);
  // The project's own table (report/grid.ts): wide enough for the figures, wrapped inside cells.
  return `${header}\n${renderGrid(head, cells, { width: 140, keep: [true, false, false, false, true, false, true] })}`;
}
