/**
 * The real-kernel backend: the scenario's topology as network namespaces with nftables rulesets
 * (src/netns), our reference server (or a real vsftpd) and our probe as separate processes in
 * their namespaces. The probe's JSON report is the evidence; the kernel's rule counters say which
 * rule dropped or rejected what.
 */
import { existsSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { ChildProcess } from 'node:child_process';
import { isStandaloneExecutable } from '../assets/shipped-files.js';
import { blameConnection, blameSession } from '../netns/attribution.js';
import { countersToTrace, type CounterRule } from '../netns/counters.js';
import { checkNetnsSupport } from '../netns/preflight.js';
import { buildRuleset, kernelLimitations, type Rulesets } from '../netns/ruleset.js';
import { withNetnsTopology, type NetnsTopology, type Role } from '../netns/topology.js';
import { startVsftpd } from '../netns/vsftpd.js';
import type { ProbeReport, ScenarioResult, TraceEntry } from '../report/model.js';
import { firstFailedDataStep } from './expectation.js';
import type { Scenario } from '../topology/model.js';
import { parseStepId } from '../evidence/record.js';
import { startCaptures } from '../netns/capture.js';
import { probeArgumentsFor, scenarioDefaults, type BackendOptions, type ScenarioTiming } from './plan.js';
import type { ScenarioRunner } from './run.js';
import { completedResult, skippedResult, toolError } from './result.js';
import { serveArgumentsFor } from './server-settings.js';

export interface NetnsRunnerOptions {
  printRules?: boolean;
  server?: 'ftp-doctor' | 'vsftpd';
  /** Where to print the rulesets (--print-rules). */
  rulesOut?: NodeJS.WritableStream;
  /** Write a packet capture of each side here (`<id>.client.pcap`, `<id>.server.pcap`; --capture). */
  captureDir?: string;
}

/** How to start our own CLI as a child process: the standalone executable itself, the compiled build, or the sources through tsx. */
export function cliCommand(): string[] {
  if (isStandaloneExecutable()) return [process.execPath];
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.ts')) return [process.execPath, '--import', 'tsx', fileURLToPath(new URL('../cli/main.ts', import.meta.url))];
  return [process.execPath, fileURLToPath(new URL('../cli/main.js', import.meta.url))];
}

export class NetnsUnavailableError extends Error {}

export async function netnsRunner(options: NetnsRunnerOptions = {}): Promise<ScenarioRunner> {
  const support = await checkNetnsSupport();
  if (!support.ok) throw new NetnsUnavailableError(support.reason);
  return (scenario, backendOptions) => runScenarioOnKernel(scenario, backendOptions, options);
}

export async function runScenarioOnKernel(scenario: Scenario, backendOptions: BackendOptions, options: NetnsRunnerOptions = {}): Promise<ScenarioResult> {
  const started = performance.now();
  const limitations = kernelLimitations(scenario.topology);
  if (options.server === 'vsftpd' && scenario.topology.server?.software !== 'ftp-doctor') {
    // vsftpd has no CCC, no deliberate misbehaviour and no ALG-proof evidence: say so, do not fake.
    const { vsftpdConfig } = await import('../netns/vsftpd-config.js');
    const { unsupported } = vsftpdConfig(scenario.topology.server ?? {}, '127.0.0.1', { root: '/nonexistent', emptyDir: '/nonexistent' });
    limitations.push(...unsupported.map((reason) => `vsftpd: ${reason}`));
  }
  if (limitations.length > 0) {
    if (options.printRules) await withPrintedRules(async () => skippedResult(scenario, 'netns', ''), options.rulesOut)(scenario, backendOptions);
    return skippedResult(scenario, 'netns', `not reproducible on the real kernel: ${limitations.join('; ')}`);
  }
  const timing = scenarioDefaults(scenario, backendOptions);
  try {
    return await withNetnsTopology(scenario.topology, async (network) => {
      if (options.printRules) printRules(scenario, network, options.rulesOut ?? process.stderr);
      const captures = options.captureDir === undefined ? undefined : await startCaptures(network, options.captureDir, scenario.id);
      const server = await startServerIn(network, scenario, timing, options.server ?? 'ftp-doctor');
      try {
        const v6 = network.addresses.v6;
        const host = scenario.client.family === 6 && v6 ? v6.server : scenario.client.dial === 'edge' ? network.addresses.edgeOutside : network.addresses.server;
        const probe = await runProbeIn(network, scenario, host, server.port, timing);
        const counters = await network.counterRules();
        const trace = countersToTrace(counters, Math.round(performance.now() - started));
        return completedResult(scenario, 'netns', { probe, failure: locateFailure(scenario, probe, counters), trace, durationMs: performance.now() - started });
      } finally {
        await server.stop();
        await captures?.stop();
      }
    });
  } catch (error) {
    return toolError(scenario, error, [], performance.now() - started, 'netns');
  }
}

function printRules(scenario: Scenario, network: NetnsTopology, out: NodeJS.WritableStream): void {
  out.write(formatRulesets(scenario, network.rulesets, network.names.namespaces));
}

/**
 * The rulesets of one scenario as `--print-rules` shows them: one `nft -f` script per namespace
 * that has rules. Without namespaces (the simulator backend) the interfaces carry placeholder names.
 */
export function formatRulesets(scenario: Scenario, rulesets: Rulesets, namespaces?: Record<Role, string>): string {
  const lines = [`# ${scenario.id}: nftables rulesets`];
  for (const role of ['client', 'edge', 'server'] as const) {
    const ruleset = rulesets[role];
    if (ruleset.trim()) lines.push(`## ${role}${namespaces ? ` (${namespaces[role]})` : ''}`, ruleset);
  }
  return `${lines.join('\n')}\n`;
}

/** `--print-rules` on the simulator: the same generated rules, printed before each run, no root needed. */
export function withPrintedRules(runner: ScenarioRunner, out: NodeJS.WritableStream = process.stderr): ScenarioRunner {
  return async (scenario, backendOptions) => {
    const limitations = kernelLimitations(scenario.topology);
    const note = limitations.length > 0 ? `# (not reproducible on the kernel: ${limitations.join('; ')})\n` : '';
    out.write(`${formatRulesets(scenario, buildRuleset(scenario.topology, { edgeOutside: 'outside0', edgeInside: 'inside0' }))}${note}`);
    return runner(scenario, backendOptions);
  };
}

async function startServerIn(network: NetnsTopology, scenario: Scenario, timing: ScenarioTiming, software: 'ftp-doctor' | 'vsftpd'): Promise<{ port: number; stop(): Promise<void> }> {
  const settings = scenario.topology.server ?? {};
  if (software === 'vsftpd' || settings.software === 'vsftpd') {
    const peer = await startVsftpd({ settings, netns: { topology: network } });
    if (!peer) throw new Error('vsftpd is not installed (apt-get install vsftpd)');
    return { port: peer.port, stop: () => peer.stop() };
  }
  const child = network.spawn('server', [...cliCommand(), ...serveArgumentsFor(settings, timing, { dualStack: network.addresses.v6 !== undefined })], { stdio: ['ignore', 'pipe', 'pipe'] });
  // Started through tsx on a busy machine (and generating a certificate for TLS scenarios), a
  // server has taken more than 15 s to say it listens: the deadline is not what is tested here.
  const port = await waitForListening(child, 60_000);
  return {
    port,
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((resolve) => {
        const timer = setTimeout(() => {
          child.kill('SIGKILL');
          resolve(undefined);
        }, 2_000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve(undefined);
        });
      });
    },
  };
}

/** Our server prints `listening on HOST:PORT` once ready (`:::21` when HOST is '::'). */
function waitForListening(child: ChildProcess, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => finish(new Error(`the server did not start within ${timeoutMs} ms: ${output.trim().slice(0, 500) || 'no output'}`)), timeoutMs);
    const onData = (chunk: Buffer): void => {
      if (output.length < 65_536) output += chunk.toString('utf8');
      const match = /listening on (?:\[[^\]]+\]|\S*):(\d+)/.exec(output);
      if (match) finish(undefined, Number(match[1]));
    };
    const onExit = (code: number | null): void => finish(new Error(`the server exited (${code}) before listening: ${output.trim().slice(0, 500)}`));
    function finish(error?: Error, port?: number): void {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.stderr?.off('data', onData);
      child.off('exit', onExit);
      if (error) reject(error);
      else resolve(port as number);
    }
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', onExit);
  });
}

async function runProbeIn(network: NetnsTopology, scenario: Scenario, host: string, port: number, timing: ScenarioTiming): Promise<ProbeReport> {
  const argv = [...cliCommand(), ...probeArgumentsFor(scenario, host, port, timing), '--report-dir', 'none'];
  // Generous: every mode runs in parallel, so a probe takes about one data timeout plus start-up.
  // The password goes through the environment, never the command line (visible in ps).
  const env = scenario.client.password === undefined ? undefined : { ...process.env, FTP_PASSWORD: scenario.client.password };
  const result = await network.exec('client', argv, { timeoutMs: 60_000 + 4 * (timing.connectTimeoutMs + timing.dataTimeoutMs), ...(env ? { env } : {}) });
  if (result.timedOut) throw new Error('the probe process did not finish in time');
  try {
    return JSON.parse(result.stdout) as ProbeReport;
  } catch {
    throw new Error(`the probe exited ${result.code} without a JSON report: ${(result.stderr || result.stdout).trim().slice(0, 500)}`);
  }
}


const ACTIVE_MODES = new Set(['port', 'eprt']);

/**
 * The failed step (from the probe), and the hop and rule that decided it (from the kernel's
 * counters): the connections of that step that did not open, matched against the rules whose
 * counters moved (attribution.ts); failing that, a decision that ends a whole session.
 */
export function locateFailure(scenario: Scenario, probe: ProbeReport, counters: CounterRule[]): ScenarioResult['failure'] {
  const step = firstFailedDataStep(probe);
  if (!step) return undefined;
  const { session } = parseStepId(step.id);
  // A failed control connect (the control port itself filtered) is blamed like a passive data
  // connection: it travels client → server, so the same path walk finds the deciding rule.
  const wanted = step.id === 'connect' ? 'control' : 'data';
  const failed = probe.connections.filter(
    (event) =>
      event.purpose === wanted &&
      event.outcome !== 'connected' &&
      (wanted === 'control' || event.session === session || (step.mode !== undefined && event.session.startsWith(step.mode))),
  );
  for (const event of failed) {
    const mode = event.session.split(':')[0] ?? '';
    const blame = blameConnection(scenario.topology, counters, {
      kind: ACTIVE_MODES.has(mode) ? 'active' : 'passive',
      ...(/:\d+$/.test(event.from) ? { from: event.from } : {}),
      to: event.to,
    });
    if (blame) return { step: step.id, ...blame };
  }
  const blame = blameSession(scenario.topology, counters);
  return blame ? { step: step.id, ...blame } : { step: step.id };
}

export const hasBuiltCli = (): boolean => isStandaloneExecutable() || existsSync(fileURLToPath(new URL('../cli/main.js', import.meta.url)));
