/**
 * The exporter's HTTP server: `/probe` (one probe, its metrics), `/metrics` (the exporter's own),
 * `/` (recent probes) and `/report/<id>` (a recent probe's HTML report). GET and HEAD only; every
 * answer is bounded (the page by the ring, a report by the probe's own limits).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Network } from '../net/network.js';
import { renderHtml } from '../report/html.js';
import { VERSION } from '../version.js';
import type { ExporterConfig } from './config.js';
import { exposeSamples } from './exposition.js';
import { RecentProbes, renderRecentPage, DEFAULT_RECENT_PROBES } from './recent.js';
import { ProbeRunner, type ProbeAnswer } from './runner.js';
import { scrapeTimeoutMs } from './deadline.js';
import { createSelfMetrics, UNKNOWN_MODULE_LABEL, type SelfMetrics } from './self-metrics.js';

export interface ExporterOptions {
  host: string;
  port: number;
  config: ExporterConfig;
  network: Network;
  recent?: number;
  resolve?: (host: string) => Promise<string>;
  /** One line per refused or broken request (default: none). */
  log?: (line: string) => void;
}

export interface RunningExporter {
  host: string;
  port: number;
  url: string;
  metrics: SelfMetrics;
  recent: RecentProbes;
  close(): Promise<void>;
}

const TEXT = 'text/plain; charset=utf-8';
/** The `/` page has no script and loads nothing. */
const PAGE_POLICY = "default-src 'none'; style-src 'unsafe-inline'";

function send(response: http.ServerResponse, status: number, contentType: string, body: string, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'Content-Type': contentType, 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff', ...headers });
  response.end(response.req.method === 'HEAD' ? undefined : body);
}

export async function startExporter(options: ExporterOptions): Promise<RunningExporter> {
  const metrics = createSelfMetrics();
  const recent = new RecentProbes(options.recent ?? DEFAULT_RECENT_PROBES);
  const log = options.log ?? (() => {});
  const runner = new ProbeRunner(options.config, {
    network: options.network,
    ...(options.resolve ? { resolve: options.resolve } : {}),
    onStart: () => metrics.inFlight.inc(),
    onEnd: () => metrics.inFlight.dec(),
    onQueued: (delta) => metrics.queued.inc(delta),
    onFinished: (module, run, error) =>
      recent.add({
        finishedAt: new Date().toISOString(),
        module,
        target: run?.report.target ?? '',
        success: run?.report.verdict === 'pass',
        deadlineExceeded: false,
        durationMs: run?.report.durationMs ?? 0,
        ...(run ? { report: run.report } : {}),
        ...(error !== undefined ? { error } : {}),
      }),
  });
  const moduleNames = [...options.config.modules.keys()];
  const allowText = options.config.allow ? options.config.allow.entries.join(', ') : 'any (no allow-list)';

  async function probeRoute(url: URL, request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const started = process.hrtime.bigint();
    const answer: ProbeAnswer = await runner.run({
      target: url.searchParams.get('target') ?? undefined,
      module: url.searchParams.get('module') ?? undefined,
      ...(scrapeTimeoutMs(request.headers['x-prometheus-scrape-timeout-seconds']) !== undefined ? { scrapeTimeoutMs: scrapeTimeoutMs(request.headers['x-prometheus-scrape-timeout-seconds'])! } : {}),
    });
    // Module labels only for configured modules: a typo in a scrape must not create series.
    const moduleLabel = answer.module !== undefined && options.config.modules.has(answer.module) ? answer.module : UNKNOWN_MODULE_LABEL;
    metrics.probes.inc({ module: moduleLabel, result: answer.result });
    metrics.duration.observe({ module: moduleLabel }, Number(process.hrtime.bigint() - started) / 1e9);
    if (answer.status !== 200) {
      log(`${answer.status} ${answer.message}`);
      return send(response, answer.status, TEXT, `${answer.message}\n`);
    }
    if (answer.error !== undefined) log(`probe error: ${answer.error}`);
    const exposition = await exposeSamples(answer.samples);
    send(response, 200, exposition.contentType, exposition.text);
  }

  async function route(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    if (request.method !== 'GET' && request.method !== 'HEAD') return send(response, 405, TEXT, 'only GET and HEAD\n', { Allow: 'GET, HEAD' });
    const url = new URL(request.url ?? '/', 'http://exporter.invalid');
    if (url.pathname === '/probe') return probeRoute(url, request, response);
    if (url.pathname === '/metrics') return send(response, 200, metrics.registry.contentType, await metrics.registry.metrics());
    if (url.pathname === '/') return send(response, 200, 'text/html; charset=utf-8', renderRecentPage(recent.list(), { version: VERSION, modules: moduleNames, allow: allowText }), { 'Content-Security-Policy': PAGE_POLICY });
    const reportId = /^\/report\/(\d{1,15})$/.exec(url.pathname)?.[1];
    const entry = reportId === undefined ? undefined : recent.get(Number(reportId));
    // The report page carries its own Content-Security-Policy (one hashed inline script, no loads).
    if (entry?.report) return send(response, 200, 'text/html; charset=utf-8', renderHtml(entry.report));
    return send(response, 404, TEXT, 'not found (the report may have left the recent list)\n');
  }

  const server = http.createServer((request, response) => {
    route(request, response).catch((error: unknown) => {
      log(`internal error: ${(error as Error).message ?? String(error)}`);
      if (!response.headersSent) send(response, 500, TEXT, 'internal error\n');
      else response.destroy();
    });
  });
  // A scrape's deadline is at most minutes; a client that sends nothing is not kept for ever.
  server.requestTimeout = 120_000;
  server.headersTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const hostInUrl = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    host: address.address,
    port: address.port,
    url: `http://${hostInUrl}:${address.port}`,
    metrics,
    recent,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
