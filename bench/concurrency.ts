/**
 * Benchmark 3: N simultaneous sessions, each PASV + LIST + RETR of 1 MiB, against our reference
 * server and against vsftpd, with the same load generator (basic-ftp, bench/clients/load.ts, in
 * its own process). Both servers have their session caps raised to 2 N (vsftpd's max_per_ip is 50
 * by default). Memory: our server runs
 * in this process, so its figure is this process's RSS (idle baseline included, and shown); vsftpd
 * forks per session, so its figure is the sum of the RSS of all its processes (shared pages are
 * counted once per process, which favours us — said in the note).
 */
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { realNetwork } from '../src/net/real.js';
import { vsftpdMissingReason } from '../src/netns/vsftpd.js';
import { startServer } from '../src/server/index.js';
import { benchScript, freePort, lastLine, rssOf, runTimed, sampleMemory } from './system.js';
import { startBenchVsftpd } from './vsftpd-peer.js';
import { formatBytes, formatSeconds, percentile, ratioOf, skippedRow, type BenchRow } from './table.js';

const FILE = '/bench-1m.bin';
const FILE_BYTES = 1024 * 1024;
/** basic-ftp's per-operation timeout is 30 s; the whole run cannot legitimately take longer than this. */
const LOAD_CAP_MS = 180_000;

export interface LoadFigure {
  sessions: number;
  ok: number;
  failed: number;
  p50Ms: number | null;
  p99Ms: number | null;
  wallMs: number;
  peakMemoryBytes: number;
  baselineMemoryBytes?: number;
  errors: Record<string, number>;
  capped: boolean;
}

export interface ConcurrencyResult {
  sessions: number;
  ours?: LoadFigure;
  vsftpd?: LoadFigure;
  skipped?: string;
}

async function load(port: number, sessions: number, readMemory: () => number): Promise<Omit<LoadFigure, 'baselineMemoryBytes'>> {
  const sampler = sampleMemory(readMemory);
  const result = await runTimed([...benchScript('load.ts'), '127.0.0.1', String(port), String(sessions), FILE, String(FILE_BYTES)], LOAD_CAP_MS);
  const memory = sampler.stop();
  let parsed: { ok: number; failed: number; latenciesMs: number[]; errors: Record<string, number> } = { ok: 0, failed: sessions, latenciesMs: [], errors: {} };
  try {
    parsed = JSON.parse(lastLine(result.stdout, 1_000_000));
  } catch {
    parsed.errors = { [result.capped ? `load generator capped at ${LOAD_CAP_MS / 1000} s` : `load generator failed: ${lastLine(result.stderr)}`]: sessions };
  }
  const latencies = parsed.latenciesMs;
  return {
    sessions,
    ok: parsed.ok,
    failed: sessions - parsed.ok,
    p50Ms: latencies.length > 0 ? percentile(latencies, 50) : null,
    p99Ms: latencies.length > 0 ? percentile(latencies, 99) : null,
    wallMs: result.wallMs,
    peakMemoryBytes: memory.peakBytes,
    errors: parsed.errors,
    capped: result.capped,
  };
}


async function againstOurs(sessions: number): Promise<LoadFigure> {
  const baseline = process.memoryUsage.rss();
  const server = await startServer(
    {
      host: '127.0.0.1',
      port: 0,
      anonymous: true,
      log: 'none',
      demoFiles: { [FILE]: FILE_BYTES },
      limits: { maxSessions: sessions * 2, maxSessionsPerIp: sessions * 2 },
    },
    realNetwork,
  );
  try {
    return { ...(await load(server.port, sessions, () => process.memoryUsage.rss())), baselineMemoryBytes: baseline };
  } finally {
    await server.close();
  }
}

async function againstVsftpd(sessions: number): Promise<LoadFigure> {
  // Caps raised as for ours: vsftpd's own default allows only 50 sessions per address.
  const peer = await startBenchVsftpd(await freePort(), { max_clients: sessions * 2, max_per_ip: sessions * 2 });
  try {
    await writeFile(join(peer.root, FILE), Buffer.alloc(FILE_BYTES, 0x5a));
    await chmod(join(peer.root, FILE), 0o644);
    const memory = (): number => peer.pids().reduce((sum, pid) => sum + rssOf(pid), 0);
    return { ...(await load(peer.port, sessions, memory)), baselineMemoryBytes: memory() };
  } finally {
    await peer.stop();
  }
}

function successText(figure: LoadFigure): string {
  return `${((100 * figure.ok) / figure.sessions).toFixed(1)} % (${figure.ok}/${figure.sessions})`;
}

function topError(figure: LoadFigure): string | undefined {
  const [message, count] = Object.entries(figure.errors).sort((a, b) => b[1] - a[1])[0] ?? [];
  return message ? `${count}× ${message}` : undefined;
}

function latencyText(ms: number | null): string {
  return ms === null ? 'n/a' : formatSeconds(ms);
}

export async function benchConcurrency(quick: boolean): Promise<{ rows: BenchRow[]; result: ConcurrencyResult }> {
  const sessions = quick ? 50 : 500;
  const result: ConcurrencyResult = { sessions };
  const missing = vsftpdMissingReason();
  if (missing) {
    result.skipped = missing;
    return { rows: [skippedRow('concurrency', missing)], result };
  }
  const ours = await againstOurs(sessions);
  result.ours = ours;
  const vsftpd = await againstVsftpd(sessions);
  result.vsftpd = vsftpd;
  const label = `${sessions} sessions × (PASV LIST + PASV RETR 1 MiB)`;
  const errorNote = [topError(ours) && `ours: ${topError(ours)}`, topError(vsftpd) && `vsftpd: ${topError(vsftpd)}`].filter(Boolean).join('; ');
  const rows: BenchRow[] = [
    {
      benchmark: 'concurrency',
      measure: `${label}: success`,
      ours: successText(ours),
      peer: `vsftpd ${successText(vsftpd)}`,
      ratio: ratioOf(ours.ok, vsftpd.ok, 'larger'),
      target: '100 %',
      met: ours.ok === sessions,
      ...(errorNote ? { note: errorNote } : {}),
    },
    { benchmark: 'concurrency', measure: 'session latency p50', ours: latencyText(ours.p50Ms), peer: `vsftpd ${latencyText(vsftpd.p50Ms)}`, ratio: ratioOf(ours.p50Ms, vsftpd.p50Ms, 'smaller'), met: null },
    { benchmark: 'concurrency', measure: 'session latency p99', ours: latencyText(ours.p99Ms), peer: `vsftpd ${latencyText(vsftpd.p99Ms)}`, ratio: ratioOf(ours.p99Ms, vsftpd.p99Ms, 'smaller'), met: null },
    {
      benchmark: 'concurrency',
      measure: 'peak memory',
      ours: `${formatBytes(ours.peakMemoryBytes)} RSS (idle ${formatBytes(ours.baselineMemoryBytes ?? 0)})`,
      peer: `vsftpd ${formatBytes(vsftpd.peakMemoryBytes)} Σ RSS`,
      ratio: ratioOf(ours.peakMemoryBytes, vsftpd.peakMemoryBytes, 'smaller'),
      met: null,
      note: 'ours: whole bench process; vsftpd: sum over its processes, shared pages counted per process',
    },
  ];
  return { rows, result };
}
