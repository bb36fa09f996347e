/**
 * Real parts: Debian's Prometheus, started here on 127.0.0.1 with the shipped scrape config
 * (docs/monitoring/prometheus.yml: the __param_target relabelling and the alert rules), scrapes the
 * exporter for a healthy reference server and a broken one; the results are read back through
 * Prometheus's HTTP API. Skipped, saying why, when prometheus is not installed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { realNetwork } from '../../src/net/real.js';
import { startServer, type RunningServer } from '../../src/server/index.js';
import { startExporter, type RunningExporter } from '../../src/exporter/server.js';
import { builtInConfig } from '../../src/exporter/config.js';
import { parseAllowList } from '../../src/exporter/allow.js';
import type { FakeServer } from '../client/fake-ftp.js';
import { freePort } from '../probe/free-port.js';
import { startBrokenDataServer } from './broken-ftp.js';
import { NO_PROMETHEUS, PROMETHEUS } from './promtool.js';

/** How long Prometheus gets to start and to have scraped both targets (a busy 2-core machine). */
const WAIT_MS = 90_000;
const POLL_MS = 500;

type Vector = { metric: Record<string, string>; value: [number, string] }[];

describe.skipIf(NO_PROMETHEUS)('Prometheus scrapes the exporter through the shipped relabelling', () => {
  let healthy: RunningServer;
  let broken: FakeServer;
  let exporter: RunningExporter;
  let prometheus: ChildProcess | undefined;
  let directory: string;
  let api: string;
  let log = '';

  beforeAll(async () => {
    healthy = await startServer({ host: '127.0.0.1', port: 0, anonymous: true, log: 'none' }, realNetwork);
    broken = await startBrokenDataServer();
    exporter = await startExporter({ host: '127.0.0.1', port: 0, network: realNetwork, config: { ...builtInConfig(), allow: parseAllowList(['127.0.0.1/32']).list } });
    directory = await mkdtemp(path.join(os.tmpdir(), 'fd-prometheus-'));
    const shipped = parse(await readFile('docs/monitoring/prometheus.yml', 'utf8')) as {
      global: Record<string, string>;
      scrape_configs: { job_name: string; static_configs: { targets: string[] }[]; relabel_configs?: { replacement?: string }[] }[];
    };
    shipped.global = { scrape_interval: '2s', scrape_timeout: '2s', evaluation_interval: '2s' };
    const exporterAddress = `127.0.0.1:${exporter.port}`;
    for (const job of shipped.scrape_configs) {
      if (job.job_name === 'ftp') job.static_configs = [{ targets: [`ftp://127.0.0.1:${healthy.port}/`, `ftp://127.0.0.1:${broken.port}/`] }];
      else job.static_configs = [{ targets: [exporterAddress] }];
      for (const rule of job.relabel_configs ?? []) if (rule.replacement === '127.0.0.1:9717') rule.replacement = exporterAddress;
    }
    await writeFile(path.join(directory, 'prometheus.yml'), stringify(shipped));
    await copyFile('docs/monitoring/alerts.yml', path.join(directory, 'alerts.yml'));
    const port = await freePort();
    api = `http://127.0.0.1:${port}`;
    prometheus = spawn(PROMETHEUS!, [`--config.file=${path.join(directory, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(directory, 'data')}`, `--web.listen-address=127.0.0.1:${port}`], { stdio: ['ignore', 'pipe', 'pipe'] });
    prometheus.stdout?.on('data', (chunk: Buffer) => (log = (log + chunk.toString()).slice(-4000)));
    prometheus.stderr?.on('data', (chunk: Buffer) => (log = (log + chunk.toString()).slice(-4000)));
  }, 60_000);

  afterAll(async () => {
    if (prometheus && prometheus.exitCode === null) {
      const exited = new Promise((resolve) => prometheus!.once('exit', resolve));
      prometheus.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
      if (prometheus.exitCode === null) prometheus.kill('SIGKILL');
    }
    await exporter?.close();
    await healthy?.close();
    await broken?.close();
    if (directory) await rm(directory, { recursive: true, force: true });
  }, 30_000);

  async function query(expression: string): Promise<Vector> {
    try {
      const response = await fetch(`${api}/api/v1/query?query=${encodeURIComponent(expression)}`, { signal: AbortSignal.timeout(5_000) });
      const body = (await response.json()) as { status: string; data?: { result: Vector } };
      return body.status === 'success' ? (body.data?.result ?? []) : [];
    } catch {
      return []; // not up yet
    }
  }

  /** Polls until `done` holds for the query's result, at most WAIT_MS. */
  async function waitFor(expression: string, done: (result: Vector) => boolean): Promise<Vector> {
    const until = Date.now() + WAIT_MS;
    let result: Vector = [];
    while (Date.now() < until) {
      result = await query(expression);
      if (done(result)) return result;
      if (prometheus?.exitCode !== null) throw new Error(`prometheus exited (${prometheus?.exitCode}): ${log}`);
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    throw new Error(`no result for ${expression} within ${WAIT_MS} ms; last: ${JSON.stringify(result)}; prometheus log: ${log}`);
  }

  const byInstance = (result: Vector): Record<string, string> => Object.fromEntries(result.map((item) => [item.metric.instance ?? '', item.value[1]]));

  it('the target becomes the instance label; healthy 1, broken 0', async () => {
    const healthyInstance = `ftp://127.0.0.1:${healthy.port}/`;
    const brokenInstance = `ftp://127.0.0.1:${broken.port}/`;
    const result = await waitFor('ftp_probe_success{job="ftp"}', (items) => items.length >= 2);
    expect(byInstance(result)).toEqual({ [healthyInstance]: '1', [brokenInstance]: '0' });
    const findings = await waitFor('ftp_finding{job="ftp"}', (items) => items.length > 0);
    expect(findings.map((item) => [item.metric.instance, item.metric.code])).toContainEqual([brokenInstance, 'DATA_CHANNEL_REFUSED']);
    const channels = await waitFor(`ftp_data_channel_success{job="ftp",mode="pasv"}`, (items) => items.length >= 2);
    expect(byInstance(channels)).toEqual({ [healthyInstance]: '1', [brokenInstance]: '0' });
  }, WAIT_MS * 2);

  it("scrapes the exporter's own metrics, and loads the shipped alert rules", async () => {
    const probes = await waitFor('sum(ftp_exporter_probes_total{job="ftp-doctor-exporter"})', (items) => Number(items[0]?.value[1] ?? 0) >= 2);
    expect(Number(probes[0]?.value[1])).toBeGreaterThanOrEqual(2);
    const rules = (await (await fetch(`${api}/api/v1/rules`, { signal: AbortSignal.timeout(5_000) })).json()) as { data: { groups: { rules: { name: string; health: string }[] }[] } };
    const loaded = rules.data.groups.flatMap((group) => group.rules);
    expect(loaded.map((rule) => rule.name)).toContain('FtpDataChannelDown');
    expect(loaded.every((rule) => rule.health !== 'err')).toBe(true);
  }, WAIT_MS * 2);
});
