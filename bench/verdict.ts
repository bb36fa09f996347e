/**
 * Benchmark 1: how long until the user learns that the data channel is silently dropped, through
 * a real nftables firewall in network namespaces. The edge firewall lets only port 21 in (no FTP
 * helper), and the client host's own firewall drops inbound connections, so every data mode
 * (EPSV, PASV, PORT, EPRT) fails, in plain FTP and under explicit TLS.
 *
 * Ours: `ftp-doctor probe` at its defaults but `--modes all`, run alone (so CPU contention does
 * not slow it), timed as a whole process including start-up, three times (median and spread), and
 * once with --no-early-verdict (the full data timeout) for reference. Peers: curl, lftp and
 * basic-ftp (three times) at their defaults (only what a self-signed certificate and choosing
 * plain/TLS need is set), all at once since they are independent, each killed at the cap. The
 * server is a real vsftpd at its own defaults when installed (a neutral referee), else our
 * reference server.
 */
import { performance } from 'node:perf_hooks';
import type { ChildProcess } from 'node:child_process';
import { DEFAULT_DATA_TIMEOUT_MS } from '../src/probe/options.js';
import type { ProbeReport } from '../src/report/model.js';
import { checkNetnsSupport } from '../src/netns/preflight.js';
import { withNetnsTopology, type NetnsTopology } from '../src/netns/topology.js';
import { startVsftpd, vsftpdMissingReason } from '../src/netns/vsftpd.js';
import type { Topology } from '../src/topology/model.js';
import { benchScript, commandExists, lastLine, shippedCli } from './system.js';
import { formatRatio, formatSeconds, percentile, ratioOf, skippedRow, type BenchRow } from './table.js';

/** Runs of ours and of basic-ftp per variant: the median of 3, with the spread shown. */
export const VERDICT_RUNS = 3;
/** The early verdict's targets on this LAN-like path: the whole process, and against basic-ftp. */
export const VERDICT_TARGET_MS = 2500;
export const VERDICT_TARGET_RATIO = 24;

export const DROP_TOPOLOGY: Topology = {
  firewalls: [
    {
      name: 'edge firewall',
      at: 'edge',
      policy: 'drop',
      rules: [
        { comment: 'allow FTP control only', direction: 'in', dport: 21, action: 'accept' },
        { comment: 'allow replies', state: ['established'], action: 'accept' },
      ],
    },
    {
      name: 'client host firewall',
      at: 'client',
      policy: 'drop',
      rules: [
        { comment: 'allow outgoing', direction: 'out', action: 'accept' },
        { comment: 'allow replies only', direction: 'in', state: ['established'], action: 'accept' },
      ],
    },
  ],
};

type Variant = 'plain' | 'tls';
const VARIANTS: Variant[] = ['plain', 'tls'];

export interface PeerRun {
  tool: string;
  variant: Variant;
  /** The median of `runsMs` (a capped run counts as the cap). */
  wallMs: number;
  runsMs?: number[];
  capped: boolean;
  exitCode: number | null;
  /** The peer's last words (why it gave up). */
  message: string;
}

export interface OurRun {
  variant: Variant;
  /** The median of `runsMs`. */
  wallMs: number;
  runsMs?: number[];
  verdict?: string;
  findings: string[];
  probeDurationMs?: number;
  error?: string;
  /** The same probe with --no-early-verdict (waits the full data timeout), once. */
  fullWait?: { wallMs: number; findings: string[]; verdict?: string };
}

export interface VerdictResult {
  capMs: number;
  dataTimeoutMs: number;
  server: string;
  ours: OurRun[];
  peers: PeerRun[];
  skipped?: string;
}

function peerCommands(host: string): { tool: string; variant: Variant; argv: string[] }[] {
  const commands: { tool: string; variant: Variant; argv: string[] }[] = [];
  for (const variant of VARIANTS) {
    const tls = variant === 'tls';
    if (commandExists('/usr/bin/curl')) {
      commands.push({ tool: 'curl', variant, argv: ['curl', '-sS', '-o', '/dev/null', ...(tls ? ['--ssl-reqd', '-k'] : []), `ftp://${host}/`] });
    }
    if (commandExists('/usr/bin/lftp')) {
      // lftp upgrades to TLS by itself when offered: plain must say no, TLS must accept our certificate.
      const settings = tls ? 'set ftp:ssl-force yes; set ssl:verify-certificate no;' : 'set ftp:ssl-allow no;';
      commands.push({ tool: 'lftp', variant, argv: ['lftp', '-c', `${settings} open ftp://${host}; ls`] });
    }
    commands.push({ tool: 'basic-ftp', variant, argv: [...benchScript('basic-ftp-list.ts'), host, variant] });
  }
  return commands;
}

async function timedIn(network: NetnsTopology, argv: string[], capMs: number): Promise<{ wallMs: number; capped: boolean; code: number | null; stdout: string; stderr: string }> {
  const started = performance.now();
  const result = await network.exec('client', argv, { timeoutMs: capMs });
  return { wallMs: performance.now() - started, capped: result.timedOut, code: result.code, stdout: result.stdout, stderr: result.stderr };
}

/** VERDICT_RUNS probes one after the other: the median run's figures, every run's wall time; a failed run is the result. */
async function ourProbes(network: NetnsTopology, host: string, variant: Variant, capMs: number): Promise<OurRun> {
  const runs: OurRun[] = [];
  for (let index = 0; index < VERDICT_RUNS; index += 1) {
    const run = await ourProbe(network, host, variant, capMs);
    if (run.error !== undefined || run.verdict !== 'fail') return run;
    runs.push(run);
  }
  const runsMs = runs.map((run) => run.wallMs);
  const median = [...runs].sort((a, b) => a.wallMs - b.wallMs)[Math.floor(runs.length / 2)] as OurRun;
  const full = await ourProbe(network, host, variant, capMs, ['--no-early-verdict']);
  return { ...median, runsMs, ...(full.error === undefined ? { fullWait: { wallMs: full.wallMs, findings: full.findings, ...(full.verdict ? { verdict: full.verdict } : {}) } } : {}) };
}

async function ourProbe(network: NetnsTopology, host: string, variant: Variant, capMs: number, extra: string[] = []): Promise<OurRun> {
  const url = `${variant === 'tls' ? 'ftpes' : 'ftp'}://${host}/`;
  const run = await timedIn(network, [...shippedCli(), 'probe', url, '--modes', 'all', '--json', '--report-dir', 'none', ...extra], capMs);
  try {
    const report = JSON.parse(run.stdout) as ProbeReport;
    return { variant, wallMs: run.wallMs, verdict: report.verdict, findings: report.findings.map((finding) => finding.code), probeDurationMs: report.durationMs };
  } catch {
    return { variant, wallMs: run.wallMs, findings: [], error: run.capped ? `capped at ${capMs / 1000} s` : `no JSON report: ${lastLine(run.stderr || run.stdout)}` };
  }
}

/** Our server when vsftpd is missing: `ftp-doctor serve` with explicit TLS, at its defaults. */
async function startOurServer(network: NetnsTopology): Promise<() => Promise<void>> {
  const child: ChildProcess = network.spawn('server', [...shippedCli(), 'serve', '--host', network.addresses.server, '--port', '21', '--anonymous', '--tls', 'explicit']);
  await new Promise<void>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`our server did not start: ${output.slice(0, 300)}`)), 20_000);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
      if (/listening on /.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`our server exited (${code}): ${output.slice(0, 300)}`));
    });
  });
  return async () => {
    child.kill('SIGKILL');
  };
}

/** One PeerRun per tool and variant: the median (a capped run counts as the cap), every run kept. */
export function mergePeerRuns(runs: PeerRun[], capMs: number): PeerRun[] {
  const merged: PeerRun[] = [];
  for (const run of runs) {
    if (merged.some((item) => item.tool === run.tool && item.variant === run.variant)) continue;
    const same = runs.filter((item) => item.tool === run.tool && item.variant === run.variant);
    const runsMs = same.map((item) => (item.capped ? capMs : item.wallMs));
    const median = percentile(runsMs, 50);
    merged.push({ ...run, wallMs: median, capped: same.filter((item) => item.capped).length * 2 > same.length, ...(same.length > 1 ? { runsMs } : {}) });
  }
  return merged;
}

/** " (median of 3: 1.80–2.10 s)", or nothing for a single run. */
function spreadText(runsMs: number[] | undefined): string {
  if (!runsMs || runsMs.length < 2) return '';
  return ` (median of ${runsMs.length}: ${formatSeconds(Math.min(...runsMs))}–${formatSeconds(Math.max(...runsMs))})`;
}

function peerText(run: PeerRun | undefined, capMs: number): string {
  if (!run) return 'not run';
  if (run.capped) return `capped at ${capMs / 1000} s`;
  return `gave up after ${formatSeconds(run.wallMs)}${spreadText(run.runsMs)}`;
}

export async function benchVerdict(quick: boolean): Promise<{ rows: BenchRow[]; result: VerdictResult }> {
  const capMs = quick ? 30_000 : 120_000;
  const result: VerdictResult = { capMs, dataTimeoutMs: DEFAULT_DATA_TIMEOUT_MS, server: '', ours: [], peers: [] };
  const support = await checkNetnsSupport();
  if (!support.ok) {
    result.skipped = support.reason;
    return { rows: [skippedRow('verdict', support.reason)], result };
  }
  await withNetnsTopology(DROP_TOPOLOGY, async (network) => {
    const host = network.addresses.server;
    let stop: () => Promise<void>;
    if (vsftpdMissingReason() === null) {
      const peer = await startVsftpd({ settings: { tls: 'explicit' }, netns: { topology: network } });
      if (!peer) throw new Error('vsftpd did not start');
      stop = () => peer.stop();
      result.server = 'vsftpd (its defaults, explicit TLS offered)';
    } else {
      stop = await startOurServer(network);
      result.server = 'ftp-doctor serve --tls explicit';
    }
    try {
      for (const variant of VARIANTS) result.ours.push(await ourProbes(network, host, variant, capMs));
      // basic-ftp, the fastest peer, runs VERDICT_RUNS times (all at once: they only wait).
      const commands = peerCommands(host).flatMap((command) => Array.from({ length: command.tool === 'basic-ftp' ? VERDICT_RUNS : 1 }, () => command));
      const runs = await Promise.all(
        commands.map(async ({ tool, variant, argv }) => {
          const run = await timedIn(network, argv, capMs);
          return { tool, variant, wallMs: run.wallMs, capped: run.capped, exitCode: run.code, message: lastLine(run.stderr || run.stdout) };
        }),
      );
      result.peers = mergePeerRuns(runs, capMs);
    } finally {
      await stop();
    }
  });
  return { rows: verdictRows(result, quick), result };
}

export function verdictRows(result: VerdictResult, quick: boolean): BenchRow[] {
  const { capMs, dataTimeoutMs } = result;
  const rows: BenchRow[] = [];
  for (const variant of VARIANTS) {
    const ours = result.ours.find((run) => run.variant === variant);
    const peers = result.peers.filter((run) => run.variant === variant);
    // A capped peer counts as the cap: the ratio is then a lower bound.
    const fastest = [...peers].sort((a, b) => (a.capped ? capMs : a.wallMs) - (b.capped ? capMs : b.wallMs))[0];
    const fastestMs = fastest ? (fastest.capped ? capMs : fastest.wallMs) : null;
    const oursOk = ours !== undefined && ours.error === undefined && ours.verdict === 'fail';
    const ratio = oursOk ? ratioOf(ours.wallMs, fastestMs, 'smaller') : null;
    const label = variant === 'tls' ? 'explicit TLS' : 'plain';
    const findings = ours?.findings.filter((code) => code !== 'TLS_CERTIFICATE_UNTRUSTED' && !code.startsWith('TLS_CERT')).join(', ');
    const probeOwn = ours?.probeDurationMs === undefined ? '' : `; the probe itself ${formatSeconds(ours.probeDurationMs)}`;
    rows.push({
      benchmark: 'verdict',
      measure: `${label}: time to a verdict, all 4 modes dropped`,
      ours: ours ? (oursOk ? `${formatSeconds(ours.wallMs)}${spreadText(ours.runsMs)}${probeOwn}: ${findings}` : `no verdict: ${ours.error ?? ours.verdict}`) : 'not run',
      peer: fastest ? `fastest: ${fastest.tool} ${peerText(fastest, capMs)}` : 'no peer installed',
      ratio,
      target: `≤ ${formatSeconds(VERDICT_TARGET_MS)}, ≥ ${VERDICT_TARGET_RATIO}× sooner`,
      met: ratio === null || !oursOk ? false : ratio >= VERDICT_TARGET_RATIO && ours.wallMs <= VERDICT_TARGET_MS,
      ...(fastest?.capped ? { note: `every peer hit the ${capMs / 1000} s cap: the ratio is a lower bound` } : {}),
    });
    if (ours?.fullWait) {
      const same = ours.fullWait.verdict === ours.verdict && ours.fullWait.findings.join() === ours.findings.join();
      rows.push({
        benchmark: 'verdict',
        measure: `${label}: the same with --no-early-verdict (the full data timeout)`,
        ours: `${formatSeconds(ours.fullWait.wallMs)}: ${same ? 'the same verdict and findings' : `DIFFERENT: ${ours.fullWait.verdict} ${ours.fullWait.findings.join(', ')}`}`,
        peer: '-',
        ratio: null,
        target: 'the same verdict and findings',
        met: same,
      });
    }
    const overTimeout = ours && oursOk ? ours.wallMs / dataTimeoutMs : null;
    rows.push({
      benchmark: 'verdict',
      measure: `${label}: vs our own data timeout (${formatSeconds(dataTimeoutMs)})`,
      ours: overTimeout === null ? '-' : `${formatRatio(overTimeout)} the timeout`,
      peer: '-',
      ratio: null,
      target: '≤ 1.3×',
      met: overTimeout === null ? false : overTimeout <= 1.3,
      note: 'whole process, start-up included',
    });
  }
  for (const tool of [...new Set(result.peers.map((run) => run.tool))]) {
    const runs = VARIANTS.map((variant) => result.peers.find((run) => run.tool === tool && run.variant === variant));
    rows.push({
      benchmark: 'verdict',
      measure: `peer at its defaults: ${tool}`,
      ours: '-',
      peer: runs.map((run, index) => `${VARIANTS[index]}: ${peerText(run, capMs)}`).join('\n'),
      ratio: null,
      met: null,
      note: runs.map((run) => run && !run.capped ? run.message.slice(0, 60) : '').filter(Boolean).join(' / ') || undefined,
    });
  }
  if (quick) rows.push({ benchmark: 'verdict', measure: `quick: peers capped at ${capMs / 1000} s`, ours: '-', peer: '-', ratio: null, met: null });
  return rows;
}
