/**
 * `npx tsx bench/exporter.ts [--seconds 10]`: how many probes per second one exporter answers at
 * 1, 16 and 64 scrapes in flight, against four reference servers on 127.0.0.1 (in this process),
 * with the exporter in its own process (`ftp-doctor exporter --concurrency N`), so its memory
 * figure is its own: peak RSS sampled every 100 ms (tsx's compiler included, a few MiB). Every
 * probe is a full one (connect, login, FEAT, EPSV and PASV listings on their own sessions).
 * Throughput on loopback is an upper bound: a real server's round trips add waiting, not CPU, and
 * waiting is what the concurrency limit overlaps.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { realNetwork } from '../src/net/real.js';
import { startServer, type RunningServer } from '../src/server/index.js';
import { freePort, machineInfo, describeMachine, rssOf, sampleMemory } from './system.js';
import { formatBytes, percentile } from './table.js';

const CONCURRENCIES = [1, 16, 64];
const SERVERS = 4;
const START_CAP_MS = 60_000;

interface ExporterFigure {
  concurrency: number;
  probes: number;
  failed: number;
  probesPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  peakRssBytes: number;
  idleRssBytes: number;
}

async function waitUntilUp(url: string): Promise<void> {
  const until = Date.now() + START_CAP_MS;
  while (Date.now() < until) {
    try {
      if ((await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(2_000) })).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`the exporter did not start within ${START_CAP_MS} ms`);
}

async function measure(concurrency: number, seconds: number, servers: RunningServer[]): Promise<ExporterFigure> {
  const port = await freePort();
  const main = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', main, 'exporter', '--listen', `127.0.0.1:${port}`, '--allow', '127.0.0.1', '--concurrency', String(concurrency), '--recent', '50'], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitUntilUp(url);
    const idleRssBytes = rssOf(child.pid!);
    const sampler = sampleMemory(() => rssOf(child.pid!));
    const latencies: number[] = [];
    let failed = 0;
    let next = 0;
    const started = Date.now();
    const endAt = started + seconds * 1000;
    const worker = async (): Promise<void> => {
      while (Date.now() < endAt) {
        const server = servers[next++ % servers.length]!;
        const begun = performance.now();
        try {
          const response = await fetch(`${url}/probe?target=127.0.0.1:${server.port}`, { headers: { 'X-Prometheus-Scrape-Timeout-Seconds': '30' }, signal: AbortSignal.timeout(60_000) });
          const text = await response.text();
          if (!/^ftp_probe_success 1$/m.test(text)) failed += 1;
        } catch {
          failed += 1;
        }
        latencies.push(performance.now() - begun);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    const wallMs = Date.now() - started;
    return { concurrency, probes: latencies.length, failed, probesPerSecond: latencies.length / (wallMs / 1000), p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99), peakRssBytes: sampler.stop().peakBytes, idleRssBytes };
  } finally {
    child.kill('SIGTERM');
  }
}

export async function benchExporter(seconds = 10): Promise<ExporterFigure[]> {
  const servers = await Promise.all(Array.from({ length: SERVERS }, () => startServer({ host: '127.0.0.1', port: 0, anonymous: true, log: 'none', limits: { maxSessions: 1000, maxSessionsPerIp: 1000, maxPreLoginSessionsPerIp: 1000 } }, realNetwork)));
  try {
    const figures: ExporterFigure[] = [];
    for (const concurrency of CONCURRENCIES) figures.push(await measure(concurrency, seconds, servers));
    return figures;
  } finally {
    await Promise.all(servers.map((server) => server.close()));
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const index = process.argv.indexOf('--seconds');
  const seconds = index > 0 ? Number(process.argv[index + 1]) : 10;
  const figures = await benchExporter(seconds);
  process.stdout.write(`${describeMachine(machineInfo())}; ${seconds} s per row, ${SERVERS} reference servers on 127.0.0.1\n`);
  process.stdout.write('| scrapes in flight | probes | failed | probes/s | p50 | p99 | exporter RSS idle → peak |\n|---|---|---|---|---|---|---|\n');
  for (const figure of figures) {
    process.stdout.write(`| ${figure.concurrency} | ${figure.probes} | ${figure.failed} | ${figure.probesPerSecond.toFixed(1)} | ${figure.p50Ms.toFixed(0)} ms | ${figure.p99Ms.toFixed(0)} ms | ${formatBytes(figure.idleRssBytes)} → ${formatBytes(figure.peakRssBytes)} |\n`);
  }
}
