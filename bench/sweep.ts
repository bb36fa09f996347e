/**
 * Benchmark: `ftp-doctor sweep` against `nmap -sT` over the same 1,000-port range, through a real
 * nftables firewall between network namespaces (client — edge — server). Our reference server runs
 * in the server namespace with --allow-sweep; both tools run in the client namespace.
 *
 * What is compared, honestly:
 * - nmap -sT -Pn (-Pn: the firewall drops nmap's host-discovery probes, so without it nmap
 *   declares the host down and scans nothing) only learns that a SYN got an answer; the server
 *   has nothing listening there, so nmap sees "closed", which proves the firewall passes the port.
 * - the sweep proves every port end to end: the server listens on it (a block of listeners per
 *   `SITE SWEEP A-B`), we connect and read the token naming that port. Figures, medians of RUNS
 *   runs, each sweep a fresh process: the sweep's own duration (from its JSON, Node start-up and
 *   module loading excluded), the process wall time (included), and a bare `node -e 0` in the same
 *   namespace for scale. nmap's figure is its wall time, its own start-up (~50 ms) included, so
 *   the headline ratio (internal ÷ nmap wall) flatters us by nmap's start-up and the wall ratio
 *   penalises us by Node's: both are printed.
 * - the cost of a fully dropped range (the firewall drops a second range the server also serves):
 *   about (ports ÷ concurrency) × data timeout, against the ports × timeout a sequential tool pays.
 *
 * The whole dynamic range (16,384 ports, partly open and fully dropped, at default settings) is
 * bench/sweep-range.ts; benchSweep() runs both.
 *
 * `npx tsx bench/sweep.ts` runs it alone; bench/run.ts calls benchSweep().
 */
import { existsSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { ChildProcess } from 'node:child_process';
import { withNetnsTopology, type NetnsTopology } from '../src/netns/topology.js';
import type { Topology } from '../src/topology/model.js';
import type { SweepReport } from '../src/report/model.js';
import { benchScript, shippedCli } from './system.js';
import { benchSweepFullRange } from './sweep-range.js';
import { ratioOf, skippedRow, type BenchRow } from './table.js';

const OPEN_RANGE = { from: 20000, to: 20999 };
const DROPPED_RANGE = { from: 21000, to: 21999 };
/** Dials in flight (the batched extension: data connections, not control sessions). */
const CONCURRENCY = 128;
/** Each figure is the median of this many runs (each sweep a fresh process: Node always cold). */
const RUNS = 3;
const DATA_TIMEOUT_MS = 200;
const TARGET_RATIO = 1.5;
export const NMAP = '/usr/bin/nmap';

export interface SweepFigures {
  ports: number;
  concurrency: number;
  runs: number;
  sweep: { durationMs: number; wallMs: number; runsMs: number[]; verdict: string; spans: string; tested: number };
  nmap: { wallMs: number; runsMs: number[]; summary: string };
  /** CPU time (user + system, start-up included) of the sweep process and of nmap, medians (GNU time). */
  cpu?: { sweepMs: number; nmapMs: number };
  /** A bare `node -e 0` in the client namespace: the part of the sweep's wall time that is Node's. */
  nodeStartMs: number;
  /** sweep duration (no start-up) ÷ nmap wall time (its start-up included); target ≤ 1.5. */
  ratio: number;
  /** sweep wall time ÷ nmap wall time, both with start-up. */
  wallRatio: number;
  dropped: { ports: number; durationMs: number; wallMs: number; boundMs: number; sequentialMs: number; spans: string };
  /**
   * The floor: bare node:net listeners writing a token (bench/clients/token-listeners.ts) and a
   * bare dialer (token-dialer.ts) over the same range and concurrency, and nmap against those
   * listening ports (a full handshake per port, as ours).
   */
  floor?: { nodeMs: number; runsMs: number[]; proved: number; nmapListeningMs: number };
}

export interface SweepBenchResult {
  rows: BenchRow[];
  figures?: SweepFigures;
  skipped?: string;
}

export function missingReason(): string | null {
  if (process.platform !== 'linux') return 'needs Linux network namespaces';
  if (process.getuid?.() !== 0) return 'needs root (network namespaces, nftables)';
  if (!existsSync('/usr/sbin/nft')) return 'nftables is not installed (apt-get install nftables)';
  if (!existsSync(NMAP)) return 'nmap is not installed (apt-get install nmap)';
  return null;
}

const topology: Topology = {
  firewalls: [
    {
      name: 'edge firewall',
      at: 'edge',
      policy: 'drop',
      rules: [
        { comment: 'FTP control', direction: 'in', dport: 21, action: 'accept' },
        { comment: 'passive range', direction: 'in', dport: `${OPEN_RANGE.from}-${OPEN_RANGE.to}`, action: 'accept' },
      ],
    },
  ],
};

export function waitForListening(child: ChildProcess, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => finish(new Error(`the server did not start within ${timeoutMs} ms: ${output.slice(0, 300)}`)), timeoutMs);
    const onData = (chunk: Buffer): void => {
      if (output.length < 65_536) output += chunk.toString('utf8');
      if (/listening on /.test(output)) finish();
    };
    const onExit = (code: number | null): void => finish(new Error(`the server exited (${code}): ${output.slice(0, 300)}`));
    function finish(error?: Error): void {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.off('exit', onExit);
      // Keep draining: a full pipe would stall the server.
      child.stdout?.resume();
      child.stderr?.resume();
      if (error) reject(error);
      else resolve();
    }
    child.stdout?.on('data', onData);
    child.once('exit', onExit);
  });
}

/** One sweep in the client namespace; `settings` default to this benchmark's (concurrency 128, 200 ms). */
export async function sweepIn(
  network: NetnsTopology,
  range: { from: number; to: number },
  capMs: number,
  settings: string[] = ['--concurrency', String(CONCURRENCY), '--data-timeout', String(DATA_TIMEOUT_MS), '--connect-timeout', '5000'],
): Promise<{ report: SweepReport; wallMs: number; cpuMs?: number }> {
  const argv = [...shippedCli(), 'sweep', `ftp://${network.addresses.server}/`, '--range', `${range.from}-${range.to}`, ...settings, '--json', '--report-dir', 'none'];
  const started = performance.now();
  const result = await network.exec('client', [...cpuTimed(), ...argv], { timeoutMs: capMs });
  const wallMs = performance.now() - started;
  if (result.timedOut) throw new Error(`the sweep did not finish within ${capMs} ms`);
  const cpuMs = cpuTimeOf(result.stderr);
  try {
    return { report: JSON.parse(result.stdout) as SweepReport, wallMs, ...(cpuMs !== undefined ? { cpuMs } : {}) };
  } catch {
    throw new Error(`the sweep printed no report (exit ${result.code}): ${result.stderr.slice(0, 300)}`);
  }
}

/** GNU time, when installed: the machine is shared, so CPU time is compared beside wall time. */
const GNU_TIME = '/usr/bin/time';
const CPU_MARK = 'bench-cpu';

/** The prefix that makes a command report its CPU time (user + system) on stderr, if it can. */
export function cpuTimed(): string[] {
  return existsSync(GNU_TIME) ? [GNU_TIME, '-f', `${CPU_MARK} %U %S`] : [];
}

/** The CPU time (ms) that cpuTimed() reported in `stderr`, if it did. */
export function cpuTimeOf(stderr: string): number | undefined {
  const match = new RegExp(`${CPU_MARK} ([\\d.]+) ([\\d.]+)`).exec(stderr);
  return match ? Math.round((Number(match[1]) + Number(match[2])) * 1000) : undefined;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

const spansText = (report: SweepReport): string => report.spans.map((span) => `${span.from}-${span.to} ${span.state}`).join(', ');

export async function benchSweepOpenRange(options: { quick?: boolean } = {}): Promise<SweepBenchResult> {
  const missing = missingReason();
  if (missing) return { rows: [skippedRow('sweep', `not run: ${missing}`)], skipped: missing };
  void options.quick; // one size: the 1,000-port range is the point of the benchmark
  return withNetnsTopology(topology, async (network) => {
    const server = network.spawn('server', [
      ...shippedCli(), 'serve', '--host', network.addresses.server, '--port', '21', '--anonymous', '--allow-sweep',
      '--pasv-range', `${OPEN_RANGE.from}-${DROPPED_RANGE.to}`, '--log', 'none', '--max-sessions-per-ip', String(CONCURRENCY + 8),
    ]);
    await waitForListening(server, 30_000);

    // Sweeps and nmap runs interleaved, so a burst of load elsewhere on the machine hits both.
    const sweeps: { report: SweepReport; wallMs: number; cpuMs?: number }[] = [];
    const nmapWalls: number[] = [];
    const nmapCpus: number[] = [];
    const nodeWalls: number[] = [];
    let nmapSummary = '';
    for (let run = 0; run < RUNS; run += 1) {
      sweeps.push(await sweepIn(network, OPEN_RANGE, 120_000));
      const nmapStarted = performance.now();
      const nmap = await network.exec('client', [...cpuTimed(), NMAP, '-n', '-Pn', '-sT', '-p', `${OPEN_RANGE.from}-${OPEN_RANGE.to}`, network.addresses.server], { timeoutMs: 120_000 });
      nmapWalls.push(performance.now() - nmapStarted);
      const nmapCpu = cpuTimeOf(nmap.stderr);
      if (nmapCpu !== undefined) nmapCpus.push(nmapCpu);
      if (nmap.timedOut || nmap.code !== 0) throw new Error(`nmap failed: ${nmap.stderr.slice(0, 300)}`);
      nmapSummary = nmap.stdout.split('\n').filter((line) => /Not shown|Nmap done/.test(line)).join('; ');
      const nodeStarted = performance.now();
      await network.exec('client', [process.execPath, '-e', '0'], { timeoutMs: 30_000 });
      nodeWalls.push(performance.now() - nodeStarted);
    }
    const open = sweeps.sort((a, b) => a.report.durationMs - b.report.durationMs)[Math.floor(RUNS / 2)] as { report: SweepReport; wallMs: number };
    const wallMs = median(sweeps.map((sweep) => sweep.wallMs));
    const nmapWallMs = median(nmapWalls);
    const nodeStartMs = median(nodeWalls);
    if (sweeps.some((sweep) => sweep.report.verdict !== 'pass' || sweep.report.tested !== OPEN_RANGE.to - OPEN_RANGE.from + 1)) {
      throw new Error(`a sweep of the open range did not prove every port: ${sweeps.map((sweep) => spansText(sweep.report)).join(' | ')}`);
    }

    const floor = await measureFloor(network);

    const ports = DROPPED_RANGE.to - DROPPED_RANGE.from + 1;
    const boundMs = Math.ceil(ports / CONCURRENCY) * DATA_TIMEOUT_MS;
    const dropped = await sweepIn(network, DROPPED_RANGE, 60_000 + boundMs * 4);

    const ratio = open.report.durationMs / nmapWallMs;
    const figures: SweepFigures = {
      ports: OPEN_RANGE.to - OPEN_RANGE.from + 1,
      concurrency: CONCURRENCY,
      runs: RUNS,
      sweep: { durationMs: open.report.durationMs, wallMs: Math.round(wallMs), runsMs: sweeps.map((sweep) => sweep.report.durationMs), verdict: open.report.verdict, spans: spansText(open.report), tested: open.report.tested },
      nmap: { wallMs: Math.round(nmapWallMs), runsMs: nmapWalls.map(Math.round), summary: nmapSummary },
      nodeStartMs: Math.round(nodeStartMs),
      ratio: Math.round(ratio * 100) / 100,
      wallRatio: Math.round((wallMs / nmapWallMs) * 100) / 100,
      dropped: { ports, durationMs: dropped.report.durationMs, wallMs: Math.round(dropped.wallMs), boundMs, sequentialMs: ports * DATA_TIMEOUT_MS, spans: spansText(dropped.report) },
      ...(floor ? { floor } : {}),
      ...(nmapCpus.length > 0 && sweeps.every((sweep) => sweep.cpuMs !== undefined) ? { cpu: { sweepMs: median(sweeps.map((sweep) => sweep.cpuMs ?? 0)), nmapMs: median(nmapCpus) } } : {}),
    };
    const cpuNote = figures.cpu ? `; CPU time with start-up: sweep ${figures.cpu.sweepMs} ms, nmap ${figures.cpu.nmapMs} ms` : '';
    const rows: BenchRow[] = [
      {
        benchmark: 'sweep',
        measure: `1,000-port range, end to end vs nmap -sT (concurrency ${CONCURRENCY})`,
        ours: `${figures.sweep.durationMs} ms (${figures.sweep.wallMs} ms with start-up; bare node ${figures.nodeStartMs} ms)`,
        peer: `${figures.nmap.wallMs} ms`,
        ratio: ratioOf(figures.sweep.durationMs, figures.nmap.wallMs, 'smaller'),
        target: `≤ ${TARGET_RATIO}× nmap's time`,
        met: ratio <= TARGET_RATIO,
        note: `median of ${RUNS}; wall ratio ${figures.wallRatio}×${cpuNote}; sweep ${figures.sweep.verdict}: ${figures.sweep.spans}; nmap (start-up included): ${nmapSummary}`,
      },
      ...(floor
        ? [
            {
              benchmark: 'sweep',
              measure: 'floor: bare node:net dialer and token listeners, same range and concurrency',
              ours: `${figures.sweep.durationMs} ms`,
              peer: `${floor.nodeMs} ms (nmap -sT against those listening ports: ${floor.nmapListeningMs} ms)`,
              ratio: ratioOf(figures.sweep.durationMs, floor.nodeMs, 'smaller'),
              target: 'reference (not judged)',
              met: null,
              note: `median of ${floor.runsMs.length}: ${floor.runsMs.map(Math.round).join(', ')} ms; ${floor.proved} ports proved; the floor ÷ nmap (closed ports) = ${Math.round((floor.nodeMs / nmapWallMs) * 100) / 100}×`,
            } satisfies BenchRow,
          ]
        : []),
      {
        benchmark: 'sweep',
        measure: `fully dropped 1,000-port range, ${DATA_TIMEOUT_MS} ms timeout`,
        ours: `${figures.dropped.durationMs} ms`,
        peer: `${figures.dropped.boundMs} ms bound`,
        ratio: null,
        target: '≈ (ports ÷ concurrency) × timeout',
        met: figures.dropped.durationMs <= figures.dropped.boundMs * 2,
        note: `sequential would be ${figures.dropped.sequentialMs} ms; ${figures.dropped.spans}`,
      },
    ];
    return { rows, figures };
  });
}

/** bench/run.ts calls this: the open-range rows above, then the whole dynamic range (bench/sweep-range.ts). */
export async function benchSweep(options: { quick?: boolean } = {}): Promise<SweepBenchResult & { fullRange?: unknown }> {
  const open = await benchSweepOpenRange(options);
  if (open.skipped) return open;
  const full = await benchSweepFullRange();
  return { rows: [...open.rows, ...full.rows], ...(open.figures ? { figures: open.figures } : {}), fullRange: full.figures };
}

/**
 * What any Node program pays to prove these ports with a token: bare listeners in the server
 * namespace (our server's block listeners are closed by now), a bare dialer in the client one.
 * Undefined when the listeners cannot start (the figure is a reference, not the benchmark).
 */
async function measureFloor(network: NetnsTopology): Promise<SweepFigures['floor']> {
  const listeners = network.spawn('server', [...benchScript('token-listeners.ts'), network.addresses.server, String(OPEN_RANGE.from), String(OPEN_RANGE.to)]);
  try {
    await waitForListening(listeners, 30_000).catch(() => undefined);
    if (listeners.exitCode !== null) return undefined;
    const runs: { ms: number; proved: number }[] = [];
    const nmapRuns: number[] = [];
    for (let run = 0; run < RUNS; run += 1) {
      const dialer = await network.exec('client', [...benchScript('token-dialer.ts'), network.addresses.server, String(OPEN_RANGE.from), String(OPEN_RANGE.to), String(CONCURRENCY)], { timeoutMs: 60_000 });
      const parsed = JSON.parse(dialer.stdout || '{}') as { ms?: number; proved?: number };
      if (parsed.ms === undefined) return undefined;
      runs.push({ ms: parsed.ms, proved: parsed.proved ?? 0 });
      const started = performance.now();
      await network.exec('client', [NMAP, '-n', '-Pn', '-sT', '-p', `${OPEN_RANGE.from}-${OPEN_RANGE.to}`, network.addresses.server], { timeoutMs: 120_000 });
      nmapRuns.push(performance.now() - started);
    }
    return {
      nodeMs: Math.round(median(runs.map((run) => run.ms))),
      runsMs: runs.map((run) => Math.round(run.ms)),
      proved: Math.min(...runs.map((run) => run.proved)),
      nmapListeningMs: Math.round(median(nmapRuns)),
    };
  } finally {
    listeners.kill('SIGKILL');
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const result = await benchSweep();
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}
