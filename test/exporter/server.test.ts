/**
 * The exporter over HTTP against servers on 127.0.0.1: a healthy reference server, a broken one
 * (every passive port refused), a silent one (deadline), targets the allow-list refuses (never
 * dialled), bad requests, the concurrency limit, the recent-probes page and its reports, and no
 * password anywhere in what it serves. `promtool check metrics` judges the exposition.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Network } from '../../src/net/network.js';
import { realNetwork } from '../../src/net/real.js';
import { startServer, type RunningServer } from '../../src/server/index.js';
import { startExporter, type RunningExporter } from '../../src/exporter/server.js';
import { parseExporterConfigText, type ExporterConfig } from '../../src/exporter/config.js';
import { ProbeRunner } from '../../src/exporter/runner.js';
import type { FakeServer } from '../client/fake-ftp.js';
import { startBrokenDataServer } from './broken-ftp.js';
import { NO_PROMTOOL, promtool } from './promtool.js';

const PASSWORD = 'exporter-test-pw-7731';

/**
 * Counts every dial, so a test can prove a refused target was never dialled. Dials beyond loopback
 * are counted and refused here, never sent: even a broken allow-list cannot make a test reach out.
 */
function countingNetwork(): Network & { dials: string[] } {
  const dials: string[] = [];
  return {
    name: 'counting',
    dials,
    connect: (request) => {
      dials.push(`${request.host}:${request.port}`);
      if (!/^127\./.test(request.host) && request.host !== '::1') return Promise.reject(Object.assign(new Error('test network: not loopback'), { code: 'ECONNREFUSED' }));
      return realNetwork.connect(request);
    },
    listen: (request, handler) => realNetwork.listen(request, handler),
  };
}

function config(text: string): ExporterConfig {
  return parseExporterConfigText(text, 'exporter.yml', { MONITOR_PW: PASSWORD });
}

let healthy: RunningServer;
let withUser: RunningServer;
let broken: FakeServer;
let silent: net.Server;
const silentSockets = new Set<net.Socket>();
let exporter: RunningExporter;
const network = countingNetwork();

beforeAll(async () => {
  healthy = await startServer({ host: '127.0.0.1', port: 0, anonymous: true, log: 'none' }, realNetwork);
  withUser = await startServer({ host: '127.0.0.1', port: 0, users: [{ name: 'monitor', password: PASSWORD }], log: 'none' }, realNetwork);
  broken = await startBrokenDataServer();
  // Accepts and says nothing: the probe waits for a greeting until its deadline.
  silent = net.createServer((socket) => {
    silentSockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => silentSockets.delete(socket));
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  exporter = await startExporter({
    host: '127.0.0.1',
    port: 0,
    network,
    resolve: async (host) => (host === 'inside.test' ? '127.0.0.1' : '10.20.30.40'),
    config: config(`allow: [127.0.0.1/32]
modules:
  default:
    timeouts: { connect: 5000, data: 5000 }
  login:
    user: monitor
    passwordEnv: MONITOR_PW
    modes: [pasv]
`),
  });
});

afterAll(async () => {
  await exporter?.close();
  await healthy?.close();
  await withUser?.close();
  await broken?.close();
  for (const socket of silentSockets) socket.destroy();
  await new Promise((resolve) => silent?.close(resolve));
});

async function get(path: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string; type: string }> {
  const response = await fetch(`${exporter.url}${path}`, { headers, signal: AbortSignal.timeout(60_000) });
  return { status: response.status, text: await response.text(), type: response.headers.get('content-type') ?? '' };
}

const target = (port: number): string => encodeURIComponent(`ftp://127.0.0.1:${port}/`);

describe('exporter /probe', () => {
  it('a healthy server: success 1, both data channels, and promtool accepts the exposition', async (context) => {
    const answer = await get(`/probe?target=${target(healthy.port)}&module=default`);
    expect(answer.status).toBe(200);
    expect(answer.type).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(answer.text).toMatch(/^ftp_probe_success 1$/m);
    expect(answer.text).toMatch(/^ftp_data_channel_success\{mode="epsv",tls="no"\} 1$/m);
    expect(answer.text).toMatch(/^ftp_data_channel_success\{mode="pasv",tls="no"\} 1$/m);
    expect(answer.text).toMatch(/^ftp_passive_address_matches 1$/m);
    if (NO_PROMTOOL) return context.skip(NO_PROMTOOL);
    const checked = await promtool(['check', 'metrics'], answer.text);
    expect(checked.output).toBe('');
    expect(checked.code).toBe(0);
  }, 60_000);

  it('a bare host:port target is probed as ftp://', async () => {
    expect((await get(`/probe?target=127.0.0.1:${healthy.port}`)).text).toMatch(/^ftp_probe_success 1$/m);
  }, 60_000);

  it('a refused data channel: success 0, the finding, the data channels 0', async (context) => {
    const answer = await get(`/probe?target=${target(broken.port)}`);
    expect(answer.status).toBe(200);
    expect(answer.text).toMatch(/^ftp_probe_success 0$/m);
    expect(answer.text).toMatch(/^ftp_finding\{code="DATA_CHANNEL_REFUSED",severity="error"\} 1$/m);
    expect(answer.text).toMatch(/^ftp_data_channel_success\{mode="pasv",tls="no"\} 0$/m);
    if (NO_PROMTOOL) return context.skip(NO_PROMTOOL);
    expect((await promtool(['check', 'metrics'], answer.text)).code).toBe(0);
  }, 60_000);

  it("follows the scrape's timeout header: a silent server is answered before Prometheus gives up", async () => {
    const started = Date.now();
    const answer = await get(`/probe?target=${target((silent.address() as net.AddressInfo).port)}`, { 'X-Prometheus-Scrape-Timeout-Seconds': '2' });
    expect(answer.text).toMatch(/^ftp_probe_success 0$/m);
    const duration = Number(/^ftp_probe_duration_seconds (\S+)$/m.exec(answer.text)?.[1]);
    // The budget is 2 s less the margin; the module's 5 s connect timeout did not apply.
    expect(duration).toBeLessThanOrEqual(1.6);
    expect(Date.now() - started).toBeLessThan(30_000);
  }, 60_000);

  it.each([
    ['an address outside the allow-list', '10.0.0.1', /10\.0\.0\.1 is not in the allow-list/],
    ['the cloud metadata address', '169.254.169.254:80', /169\.254\.169\.254 is not in the allow-list/],
    ['a name that resolves outside', 'ftp://metadata.test/', /resolves to 10\.20\.30\.40, which is not in the allow-list/],
  ])('403 for %s, and nothing is dialled', async (_name, value, message) => {
    const before = network.dials.length;
    const answer = await get(`/probe?target=${encodeURIComponent(value)}`);
    expect(answer.status).toBe(403);
    expect(answer.text).toMatch(message);
    expect(network.dials.slice(before)).toEqual([]);
  });

  it('a name that resolves inside is dialled at the checked address', async () => {
    const before = network.dials.length;
    const answer = await get(`/probe?target=${encodeURIComponent(`ftp://inside.test:${healthy.port}/`)}`);
    expect(answer.text).toMatch(/^ftp_probe_success 1$/m);
    expect(network.dials.slice(before)[0]).toBe(`127.0.0.1:${healthy.port}`);
  }, 60_000);

  it.each([
    ['no target', '/probe', /target parameter is missing/],
    ['an unknown module', `/probe?target=127.0.0.1&module=nope`, /unknown module "nope"/],
    ['credentials in the target', `/probe?target=${encodeURIComponent('ftp://u:p@127.0.0.1/')}`, /must not carry a user or password/],
    ['a scheme that is not FTP', `/probe?target=${encodeURIComponent('http://127.0.0.1/')}`, /unsupported scheme/],
  ])('400 for %s', async (_name, path, message) => {
    const answer = await get(path);
    expect(answer.status).toBe(400);
    expect(answer.text).toMatch(message);
  });

  it('logs in with the module password and never shows it (metrics, page, report)', async () => {
    const answer = await get(`/probe?target=${target(withUser.port)}&module=login`);
    expect(answer.text).toMatch(/^ftp_probe_success 1$/m);
    const page = await get('/');
    const id = /href="report\/(\d+)"[^]*?/.exec(page.text)?.[1];
    const report = await get(`/report/${id}`);
    for (const text of [answer.text, page.text, report.text, (await get('/metrics')).text]) expect(text).not.toContain(PASSWORD);
  }, 60_000);
});

describe('exporter pages', () => {
  it('/ lists recent probes newest first, linking to reports rendered as HTML', async () => {
    const page = await get('/');
    expect(page.type).toMatch(/text\/html/);
    expect(page.text).toContain(`ftp://127.0.0.1:${broken.port}/`);
    const id = new RegExp(`ftp://127\\.0\\.0\\.1:${broken.port}/</td><td>fail</td><td>[^<]*</td><td><a href="report/(\\d+)"`).exec(page.text)?.[1];
    expect(id).toBeDefined();
    const report = await get(`/report/${id}`);
    expect(report.status).toBe(200);
    expect(report.text).toContain('DATA_CHANNEL_REFUSED');
    expect((await get('/report/999999')).status).toBe(404);
  });

  it('/metrics: probes by module and result, in flight, and process metrics', async () => {
    const text = (await get('/metrics')).text;
    expect(text).toMatch(/^ftp_exporter_probes_total\{module="default",result="success"\} [1-9]/m);
    expect(text).toMatch(/^ftp_exporter_probes_total\{module="default",result="refused"\} 3$/m);
    // The unknown module of `&module=nope` under one fixed label, never its name (label cardinality).
    expect(text).toMatch(/^ftp_exporter_probes_total\{module="\(unknown\)",result="bad_request"\} 1$/m);
    expect(text).not.toMatch(/module="(?:nope|)"/);
    expect(text).toMatch(/^ftp_exporter_probes_in_flight 0$/m);
    expect(text).toMatch(/^process_cpu_user_seconds_total /m);
  });

  it('only GET and HEAD', async () => {
    const response = await fetch(`${exporter.url}/probe`, { method: 'POST' });
    expect(response.status).toBe(405);
  });
});

describe('concurrency limit', () => {
  it('never runs more probes at once than configured', async () => {
    let running = 0;
    let most = 0;
    const runner = new ProbeRunner(config('concurrency: 2\nmodules:\n  default: {}\n'), {
      network: realNetwork,
      onStart: () => (most = Math.max(most, ++running)),
      onEnd: () => running--,
    });
    const answers = await Promise.all(Array.from({ length: 6 }, () => runner.run({ target: `127.0.0.1:${broken.port}`, module: 'default' })));
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(most).toBe(2);
  }, 120_000);
});
