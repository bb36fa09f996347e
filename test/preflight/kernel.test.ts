/**
 * Preflight agrees with the kernel: for configurations Linux runs here, the very vsftpd.conf
 * settings start a real vsftpd in the server namespace of the scenario preflight built, the very
 * nftables file is loaded there with `nft -f`, and the real probe (our CLI, in the client
 * namespace) runs through it. Every data connection the probe made must have met what preflight
 * predicted for its port (connected where "open", timed out where "blocked"), and where the
 * prediction does not depend on which port the server draws, the verdict must be the same.
 * The harness supplies vsftpd's paths, listener and certificate; the fixture's passive and TLS
 * settings are given to vsftpd verbatim. Needs root, nft and vsftpd: skipped with the reason.
 */
import { readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkNetnsSupport } from '../../src/netns/preflight.js';
import { withNetnsTopology, type NetnsTopology } from '../../src/netns/topology.js';
import { startVsftpd, vsftpdMissingReason } from '../../src/netns/vsftpd.js';
import { readFirewallFile } from '../../src/preflight/firewalls/index.js';
import { PROFTPD_BINARY, proftpdConfig, proftpdMissingReason } from '../../src/netns/proftpd.js';
import { parseCompose } from '../../src/preflight/publishing/compose.js';
import { parseDockerfile } from '../../src/preflight/publishing/docker-run.js';
import { PUREFTPD_BINARY, pureftpdArgs, pureftpdMissingReason } from '../../src/netns/pureftpd.js';
import { run as runCommand } from '../../src/netns/process.js';
import { parseProftpdConf } from '../../src/preflight/servers/proftpd.js';
import { parseVsftpdConf } from '../../src/preflight/servers/vsftpd.js';
import { preflight } from '../../src/preflight/predict.js';
import type { PreflightReport, ProbeReport } from '../../src/report/model.js';
import { cliCommand } from '../../src/scenarios/run-netns.js';

const support = await checkNetnsSupport();
const missing = (support.ok ? null : support.reason) ?? vsftpdMissingReason();
const FIXTURES = path.resolve('test/fixtures/preflight');

/** The fixture's own lines vsftpd reads for passive mode: given verbatim. */
function passiveSettings(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^(pasv_[a-z_]+)=(\S+)$/.exec(line.trim());
    if (match) out[match[1] as string] = match[2] as string;
  }
  return out;
}

interface KernelRun {
  prediction: PreflightReport;
  probes: ProbeReport[];
}

/**
 * `front`: an nftables file (loaded as it is on the server host) or a compose file (its
 * publishing reproduced as what Docker makes of it: DNAT on the edge, the topology's own rules).
 */
async function onKernel(conf: string, front: string, runs: number): Promise<KernelRun> {
  const confText = readFileSync(path.join(FIXTURES, conf), 'utf8');
  const frontText = readFileSync(path.join(FIXTURES, front), 'utf8');
  const isNft = front.endsWith('.nft');
  const { report, scenario } = await preflight([parseVsftpdConf(conf, confText), ...(isNft ? [] : [parseCompose(front, frontText)])], isNft ? [readFirewallFile(front, frontText)] : [], { client: 'outside', simulate: false });
  // The namespaces, addresses and NAT of the scenario; its firewalls are the fixture itself, loaded below.
  const topology = { ...scenario.topology };
  delete topology.firewalls;
  return withNetnsTopology(topology, async (network) => {
    if (isNft) {
      const loaded = await network.exec('server', ['nft', '-f', path.join(FIXTURES, front)]);
      if (loaded.code !== 0) throw new Error(`nft -f ${front}: ${loaded.stderr}`);
    }
    const host = scenario.client.dial === 'edge' ? network.addresses.edgeOutside : undefined;
    const tls = scenario.topology.server?.tls ?? 'none';
    const peer = await startVsftpd({ settings: { tls }, netns: { topology: network }, extraConfig: passiveSettings(confText) });
    if (!peer) throw new Error('vsftpd did not start');
    try {
      const probes: ProbeReport[] = [];
      for (let index = 0; index < runs; index += 1) probes.push(await probeIn(network, host ?? peer.host, peer.port, tls));
      return { prediction: report, probes };
    } finally {
      await peer.stop();
    }
  });
}

async function probeIn(network: NetnsTopology, host: string, port: number, tls: string, login?: { user: string; password: string }): Promise<ProbeReport> {
  const url = `ftp://${login?.user ?? 'anonymous'}@${host}:${port}/`;
  const argv = [...cliCommand(), 'probe', url, '--json', '--modes', 'epsv,pasv', '--tls', tls, '--connect-timeout', '10000', '--data-timeout', '2500', '--report-dir', 'none'];
  // The password through the environment, never the command line.
  const result = await network.exec('client', argv, { timeoutMs: 120_000, ...(login ? { env: { ...process.env, FTP_PASSWORD: login.password } } : {}) });
  return JSON.parse(result.stdout) as ProbeReport;
}

/**
 * What preflight predicted for one port, for a plain or a TLS session: a span opened only by the
 * FTP helper is open to plain FTP (the helper reads the 227) and closed to FTPS.
 */
function predicted(report: PreflightReport, port: number, tls: boolean): string {
  const span = report.passive.find((candidate) => candidate.ports.from <= port && port <= candidate.ports.to);
  if (!span) return 'outside the range';
  return span.viaHelper !== undefined ? (tls ? 'blocked' : 'open') : span.outcome;
}

const KERNEL: Record<string, string> = { connected: 'open', timeout: 'blocked', refused: 'refused' };

/** Each data connection the probes made: its port, what the kernel did, what was predicted. */
function dataConnections(run: KernelRun): { port: number; tls: boolean; kernel: string; predicted: string }[] {
  return run.probes.flatMap((probe) =>
    probe.connections
      .filter((event) => event.purpose === 'data')
      .map((event) => {
        const port = Number(event.to.split(':').pop());
        const tls = event.session.includes('tls');
        return { port, tls, kernel: KERNEL[event.outcome] ?? event.outcome, predicted: predicted(run.prediction, port, tls) };
      }),
  );
}

/**
 * A real ProFTPD in the server namespace with the fixture's PassivePorts (read by preflight's own
 * reader, <Global> and all), the nftables file loaded as it is; the harness supplies paths and the
 * anonymous root (src/netns/proftpd.ts's config).
 */
async function onKernelProftpd(conf: string, nftFile: string, runs: number): Promise<KernelRun> {
  const facts = parseProftpdConf(conf, readFileSync(path.join(FIXTURES, conf), 'utf8'));
  const { report, scenario } = await preflight([facts], [readFirewallFile(nftFile, readFileSync(path.join(FIXTURES, nftFile), 'utf8'))], { client: 'outside', simulate: false });
  const topology = { ...scenario.topology };
  delete topology.firewalls;
  const range = facts.servers[0]?.passiveRange?.value;
  const directory = await mkdtemp(path.join(os.tmpdir(), 'fd-preflight-proftpd-'));
  try {
    await chmod(directory, 0o755);
    const root = path.join(directory, 'root');
    await mkdir(root);
    await chmod(root, 0o755);
    await writeFile(path.join(root, 'hello.txt'), 'hello\n', { mode: 0o644 });
    return await withNetnsTopology(topology, async (network) => {
      const loaded = await network.exec('server', ['nft', '-f', path.join(FIXTURES, nftFile)]);
      if (loaded.code !== 0) throw new Error(`nft -f ${nftFile}: ${loaded.stderr}`);
      const host = network.addresses.server;
      const configFile = path.join(directory, 'proftpd.conf');
      await writeFile(configFile, proftpdConfig(range ? { passivePorts: range } : {}, host, 21, { directory, root }));
      network.spawn('server', [PROFTPD_BINARY, '-n', '-c', configFile], { stdio: 'ignore' });
      for (let attempt = 0; attempt < 100; attempt += 1) {
        const listening = await network.exec('server', ['ss', '-ltnH', 'sport = :21']);
        if (listening.stdout.trim() !== '') break;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      const probes: ProbeReport[] = [];
      for (let index = 0; index < runs; index += 1) probes.push(await probeIn(network, host, 21, 'none'));
      return { prediction: report, probes };
    });
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

/**
 * A real Pure-FTPd in the server namespace started with the passive flags preflight read from the
 * fixture Dockerfile's CMD, through the project's own argument builder (src/netns/pureftpd.ts); a
 * virtual user (Pure-FTPd's tests refuse anonymous logins), the nftables file loaded as it is.
 */
async function onKernelPureftpd(dockerfile: string, nftFile: string, runs: number): Promise<KernelRun> {
  const facts = parseDockerfile(dockerfile, readFileSync(path.join(FIXTURES, dockerfile), 'utf8'));
  const { report, scenario } = await preflight([facts], [readFirewallFile(nftFile, readFileSync(path.join(FIXTURES, nftFile), 'utf8'))], { client: 'outside', simulate: false });
  const topology = { ...scenario.topology };
  delete topology.firewalls;
  const range = facts.servers[0]?.passiveRange?.value;
  const directory = await mkdtemp(path.join(os.tmpdir(), 'fd-preflight-pureftpd-'));
  const password = randomBytes(9).toString('base64url');
  try {
    await chmod(directory, 0o755);
    const root = path.join(directory, 'root');
    await mkdir(root);
    await chmod(root, 0o755);
    await writeFile(path.join(root, 'hello.txt'), 'hello\n', { mode: 0o644 });
    const hash = await runCommand(['openssl', 'passwd', '-6', '-stdin'], { timeoutMs: 10_000, input: `${password}\n` });
    await writeFile(path.join(directory, 'pureftpd.passwd'), `probe:${hash.stdout.trim()}:65534:65534::${root}/./${':'.repeat(12)}\n`, { mode: 0o600 });
    const purePw = path.join(path.dirname(path.dirname(PUREFTPD_BINARY)), 'bin/pure-pw');
    const made = await runCommand([purePw, 'mkdb', path.join(directory, 'pureftpd.pdb'), '-f', path.join(directory, 'pureftpd.passwd')], { timeoutMs: 10_000 });
    if (made.code !== 0) throw new Error(`pure-pw mkdb: ${made.stderr}`);
    return await withNetnsTopology(topology, async (network) => {
      const loaded = await network.exec('server', ['nft', '-f', path.join(FIXTURES, nftFile)]);
      if (loaded.code !== 0) throw new Error(`nft -f ${nftFile}: ${loaded.stderr}`);
      const host = network.addresses.server;
      const args = pureftpdArgs(range ? { passivePorts: range } : {}, host, 21, { passwordDb: path.join(directory, 'pureftpd.pdb'), transferLog: path.join(directory, 'xfer.log') });
      network.spawn('server', [PUREFTPD_BINARY, ...args], { stdio: 'ignore' });
      for (let attempt = 0; attempt < 100; attempt += 1) {
        const listening = await network.exec('server', ['ss', '-ltnH', 'sport = :21']);
        if (listening.stdout.trim() !== '') break;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      const probes: ProbeReport[] = [];
      for (let index = 0; index < runs; index += 1) probes.push(await probeIn(network, host, 21, 'none', { user: 'probe', password }));
      return { prediction: report, probes };
    });
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

describe.skipIf(missing ?? pureftpdMissingReason())('preflight agrees with the kernel (real Pure-FTPd, flags from a Dockerfile CMD)', () => {
  it('-p 50000:50003 with half of it open: each data connection meets what was predicted for its port', { timeout: 300_000 }, async () => {
    const run = await onKernelPureftpd('Dockerfile.pure-ftpd', 'half-small-range.nft', 3);
    expect(run.prediction.passive.map((span) => `${span.ports.from}-${span.ports.to} ${span.outcome}`)).toEqual(['50000-50001 open', '50002-50003 blocked']);
    expect(run.probes.every((probe) => probe.steps.some((step) => step.id === 'login' && step.result === 'ok'))).toBe(true);
    const connections = dataConnections(run);
    expect(connections.length).toBeGreaterThan(0);
    for (const connection of connections) expect(connection.kernel, `port ${connection.port}`).toBe(connection.predicted);
  });
});

describe.skipIf(missing ?? proftpdMissingReason())('preflight agrees with the kernel (real ProFTPD)', () => {
  it('PassivePorts inside <Global>, half of it open: each data connection meets what was predicted for its port', { timeout: 300_000 }, async () => {
    const run = await onKernelProftpd('proftpd-small-range.conf', 'half-small-range.nft', 3);
    expect(run.prediction.passive.map((span) => `${span.ports.from}-${span.ports.to} ${span.outcome}`)).toEqual(['50000-50001 open', '50002-50003 blocked']);
    expect(run.probes.every((probe) => probe.steps.some((step) => step.id === 'login' && step.result === 'ok'))).toBe(true);
    const connections = dataConnections(run);
    expect(connections.length).toBeGreaterThan(0);
    for (const connection of connections) expect(connection.kernel, `port ${connection.port}`).toBe(connection.predicted);
  });
});

describe.skipIf(missing)('preflight agrees with the kernel (real vsftpd, the fixture ruleset loaded with nft -f)', () => {
  it('half the passive range open: each data connection meets what was predicted for its port', { timeout: 300_000 }, async () => {
    const run = await onKernel('vsftpd-small-range.conf', 'half-small-range.nft', 3);
    expect(run.prediction.findings.map((finding) => finding.code)).toContain('PASV_PORT_OUT_OF_RANGE');
    expect(run.probes.every((probe) => probe.steps.some((step) => step.id === 'login' && step.result === 'ok'))).toBe(true);
    const connections = dataConnections(run);
    expect(connections.length).toBeGreaterThan(0);
    for (const connection of connections) expect(connection.kernel, `port ${connection.port}`).toBe(connection.predicted);
  });

  it('compose publishes half the range (Docker\'s DNAT on the edge): unpublished ports are refused, as predicted', { timeout: 300_000 }, async () => {
    const run = await onKernel('vsftpd-small-range.conf', 'compose-half-small.yml', 3);
    expect(run.prediction.findings.map((finding) => finding.code)).toContain('PASV_PORT_OUT_OF_RANGE');
    expect(run.prediction.passive.map((span) => `${span.ports.from}-${span.ports.to} ${span.outcome}`)).toEqual(['50000-50001 open', '50002-50003 refused']);
    expect(run.probes.every((probe) => probe.steps.some((step) => step.id === 'login' && step.result === 'ok'))).toBe(true);
    const connections = dataConnections(run);
    expect(connections.length).toBeGreaterThan(0);
    for (const connection of connections) expect(connection.kernel, `port ${connection.port}`).toBe(connection.predicted);
  });

  it('a range opened only by the FTP helper, plain FTP: predicted to pass, and it does', { timeout: 300_000 }, async () => {
    const run = await onKernel('vsftpd-small-range.conf', 'helper-only.nft', 1);
    expect(run.prediction.verdict).toBe('pass');
    expect(run.probes.every((probe) => probe.steps.some((step) => step.id === 'login' && step.result === 'ok'))).toBe(true);
    const connections = dataConnections(run);
    expect(connections.length).toBeGreaterThan(0);
    expect(connections.every((connection) => connection.kernel === 'open' && connection.predicted === 'open')).toBe(true);
    expect(run.probes[0]?.verdict).toBe('pass');
  });

  it('the same with FTPS offered: predicted TLS_BREAKS_INSPECTION; the kernel drops the TLS sessions\' data connections and passes the plain ones', { timeout: 300_000 }, async () => {
    const run = await onKernel('vsftpd-small-range-tls.conf', 'helper-only.nft', 1);
    expect(run.prediction.findings.map((finding) => finding.code)).toContain('TLS_BREAKS_INSPECTION');
    const connections = dataConnections(run);
    expect(connections.some((connection) => connection.tls)).toBe(true);
    for (const connection of connections) expect(connection.kernel, `port ${connection.port}${connection.tls ? ' (TLS)' : ''}`).toBe(connection.predicted);
    expect(connections.filter((connection) => connection.tls).every((connection) => connection.kernel === 'blocked')).toBe(true);
    expect(run.probes[0]?.verdict).toBe('fail');
  });
});

describe.skipIf(missing)('preflight agrees with the kernel on vsftpd\'s odd settings', () => {
  it('pasv_min_port above pasv_max_port: vsftpd hands out any port, as predicted (said as not understood, no range)', { timeout: 300_000 }, async () => {
    const run = await onKernel('vsftpd-reversed-range.conf', 'half-small-range.nft', 2);
    expect(run.prediction.notUnderstood.map((item) => item.reason)).toEqual(['pasv_max_port 50000 is below pasv_min_port 50003 (vsftpd-reversed-range.conf:4)']);
    const connections = dataConnections(run);
    expect(connections.length).toBeGreaterThan(0);
    for (const connection of connections) expect(connection.kernel, `port ${connection.port}`).toBe(connection.predicted);
  });

  it('a private pasv_address behind Docker publishing: predicted PASV_ADDRESS_PRIVATE, and the real 227 carries that address', { timeout: 300_000 }, async () => {
    const run = await onKernel('vsftpd-private-address.conf', 'compose-matching.yml', 1);
    expect(run.prediction.findings.find((finding) => finding.code === 'PASV_ADDRESS_PRIVATE')?.severity).toBe('warning');
    const probe = run.probes[0];
    expect(probe?.transcript.some((line) => /^227 .*\(10,0,0,5,/.test(line.text))).toBe(true);
    expect(probe?.findings.map((finding) => finding.code)).toEqual(expect.arrayContaining(['PASV_ADDRESS_PRIVATE']));
    for (const connection of dataConnections(run)) expect(connection.kernel, `port ${connection.port}`).toBe(connection.predicted);
  });

  it('pasv_address a host name without pasv_addr_resolve=YES: vsftpd ends the session on PASV; predicted PASSIVE_MODE_REFUSED (failed before: not predicted)', { timeout: 300_000 }, async () => {
    const run = await onKernel('vsftpd-address-name.conf', 'half-small-range.nft', 1);
    const probe = run.probes[0];
    expect(probe?.steps.find((step) => step.id === 'data:pasv')?.detail).toMatch(/500 OOPS: invalid pasv_address/);
    expect(probe?.findings.map((finding) => finding.code)).toContain('PASSIVE_MODE_REFUSED');
    const finding = run.prediction.findings.find((candidate) => candidate.code === 'PASSIVE_MODE_REFUSED');
    expect(finding?.evidence[0]).toBe('vsftpd-address-name.conf:6 pasv_address=ftp.example.com');
    expect(finding?.explanation).toMatch(/500 OOPS: invalid pasv_address/);
    for (const connection of dataConnections(run)) expect(connection.kernel, `port ${connection.port}`).toBe(connection.predicted);
  });
});
