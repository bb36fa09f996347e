/**
 * Benchmark: `ftp-doctor sweep` of the whole dynamic range (49152-65535, 16,384 ports: IIS's
 * default passive range) at default settings, beside `nmap -sT` over the same ports, through a
 * real nftables firewall between network namespaces (client — edge — server), two ways:
 * - partly open: the firewall opens 26 ports of the range (55500-55525), rejects 10
 *   (60000-60009) and drops the rest — the usual case when only a small range was opened;
 * - fully dropped: nothing of the range passes.
 * Each sweep is a fresh process; its figure is its own duration (from its JSON); the wall time
 * with Node's start-up is kept beside it. A run counts only if every port came out exactly as the
 * firewall decides (open, refused, dropped): a fast wrong answer is not a result.
 * nmap at its defaults needs minutes for a range this size that is mostly filtered, so it runs
 * NMAP_RUNS times (not RUNS), capped at NMAP_CAP_MS; the table says so.
 */
import { performance } from 'node:perf_hooks';
import { withNetnsTopology, type NetnsTopology } from '../src/netns/topology.js';
import type { SweepReport } from '../src/report/model.js';
import type { Topology } from '../src/topology/model.js';
import { median, NMAP, sweepIn, waitForListening } from './sweep.js';
import { shippedCli } from './system.js';
import { ratioOf, type BenchRow } from './table.js';

const RANGE = { from: 49152, to: 65535 };
const OPEN = { from: 55500, to: 55525 };
const REJECTED = { from: 60000, to: 60009 };
const RUNS = 3;
const NMAP_RUNS = 1;
const NMAP_CAP_MS = 300_000;
const SWEEP_CAP_MS = 300_000;
const TARGET_MS = 30_000;

interface Spans {
  from: number;
  to: number;
  state: string;
}

export interface FullRangeCase {
  name: 'partly open' | 'fully dropped';
  runsMs: number[];
  wallsMs: number[];
  medianMs: number;
  exact: boolean[];
  spans: string;
  pace: string;
  nmap: { runsMs: number[]; capped: boolean; summary: string };
}

const PARTLY: Topology = {
  firewalls: [
    {
      name: 'edge firewall',
      at: 'edge',
      policy: 'drop',
      rules: [
        { comment: 'FTP control', direction: 'in', dport: 21, action: 'accept' },
        { comment: 'passive ports opened', direction: 'in', dport: `${OPEN.from}-${OPEN.to}`, action: 'accept' },
        { comment: 'rejected', direction: 'in', dport: `${REJECTED.from}-${REJECTED.to}`, action: 'reject' },
      ],
    },
  ],
};
const DROPPED: Topology = {
  firewalls: [{ name: 'edge firewall', at: 'edge', policy: 'drop', rules: [{ comment: 'FTP control', direction: 'in', dport: 21, action: 'accept' }] }],
};

const EXPECTED: Record<FullRangeCase['name'], Spans[]> = {
  'partly open': [
    { from: RANGE.from, to: OPEN.from - 1, state: 'dropped' },
    { ...OPEN, state: 'open' },
    { from: OPEN.to + 1, to: REJECTED.from - 1, state: 'dropped' },
    { ...REJECTED, state: 'refused' },
    { from: REJECTED.to + 1, to: RANGE.to, state: 'dropped' },
  ],
  'fully dropped': [{ ...RANGE, state: 'dropped' }],
};

const spansText = (report: SweepReport): string => report.spans.map((span) => `${span.from}-${span.to} ${span.state}`).join(', ');
const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

async function runCase(name: FullRangeCase['name'], topology: Topology): Promise<FullRangeCase> {
  return withNetnsTopology(topology, async (network: NetnsTopology) => {
    const server = network.spawn('server', [...shippedCli(), 'serve', '--host', network.addresses.server, '--port', '21', '--anonymous', '--allow-sweep', '--pasv-range', `${RANGE.from}-${RANGE.to}`, '--log', 'none']);
    await waitForListening(server, 60_000);
    const sweeps: { report: SweepReport; wallMs: number }[] = [];
    // Default settings: no --concurrency, no --data-timeout.
    for (let run = 0; run < RUNS; run += 1) sweeps.push(await sweepIn(network, RANGE, SWEEP_CAP_MS, []));
    const nmapRuns: number[] = [];
    let capped = false;
    let summary = '';
    for (let run = 0; run < NMAP_RUNS; run += 1) {
      const started = performance.now();
      const nmap = await network.exec('client', [NMAP, '-n', '-Pn', '-sT', '-p', `${RANGE.from}-${RANGE.to}`, network.addresses.server], { timeoutMs: NMAP_CAP_MS });
      nmapRuns.push(performance.now() - started);
      capped ||= nmap.timedOut;
      summary = nmap.stdout.split('\n').filter((line) => /Not shown|Nmap done/.test(line)).join('; ');
    }
    const expected = JSON.stringify(EXPECTED[name]);
    const middle = [...sweeps].sort((a, b) => a.report.durationMs - b.report.durationMs)[Math.floor(RUNS / 2)] as { report: SweepReport };
    const pace = middle.report.findings.find((finding) => finding.code === 'SWEEP_PACE');
    return {
      name,
      runsMs: sweeps.map((sweep) => sweep.report.durationMs),
      wallsMs: sweeps.map((sweep) => Math.round(sweep.wallMs)),
      medianMs: median(sweeps.map((sweep) => sweep.report.durationMs)),
      exact: sweeps.map((sweep) => sweep.report.tested === RANGE.to - RANGE.from + 1 && JSON.stringify(sweep.report.spans) === expected),
      spans: spansText(middle.report),
      pace: pace ? pace.evidence.join('; ') : 'no pace finding',
      nmap: { runsMs: nmapRuns.map(Math.round), capped, summary },
    };
  });
}

function rowFor(figures: FullRangeCase): BenchRow {
  const nmapMs = median(figures.nmap.runsMs);
  const sorted = [...figures.runsMs].sort((a, b) => a - b);
  const allExact = figures.exact.every(Boolean);
  return {
    benchmark: 'sweep',
    measure: `whole dynamic range (16,384 ports), ${figures.name === 'partly open' ? '26 open, 10 refused, the rest dropped' : 'every port dropped'}, default settings`,
    ours: `${seconds(figures.medianMs)} (median of ${RUNS}: ${sorted.map(seconds).join(', ')}; with start-up ${seconds(median(figures.wallsMs))})`,
    peer: `nmap -sT ${figures.nmap.capped ? '> ' : ''}${seconds(nmapMs)} (${NMAP_RUNS} run${NMAP_RUNS === 1 ? '' : 's'})`,
    ratio: ratioOf(figures.medianMs, nmapMs, 'smaller'),
    target: `≤ ${TARGET_MS / 1000} s, every port right`,
    met: allExact && figures.medianMs <= TARGET_MS,
    note: `${allExact ? 'every run exact' : `NOT exact in ${figures.exact.filter((exact) => !exact).length} run(s)`}: ${figures.spans}; ${figures.pace}; nmap: ${figures.nmap.summary}`,
  };
}

export async function benchSweepFullRange(): Promise<{ rows: BenchRow[]; figures: FullRangeCase[] }> {
  const figures = [await runCase('partly open', PARTLY), await runCase('fully dropped', DROPPED)];
  return { rows: figures.map(rowFor), figures };
}
