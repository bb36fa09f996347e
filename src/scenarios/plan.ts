/**
 * What the client side of a scenario does, as probe options: the same on every backend, so the
 * simulator and the kernel run the very same probe.
 */
import type { ProbeOptions } from '../probe/index.js';
import type { Scenario } from '../topology/model.js';
import { parsePortRange } from './validate.js';

export interface BackendOptions {
  /** Override the scenario's timeouts (e.g. longer on a loaded CI machine). */
  connectTimeoutMs?: number;
  dataTimeoutMs?: number;
  /**
   * Multiply the scenario's own connect, data and accept deadlines (default 1). A test suite on a
   * busy machine passes more than 1: a scenario's 300 ms is sized for an idle one, and a process
   * that waits its turn for a CPU misses it, which reads as a dropped connection. Explicit
   * connectTimeoutMs/dataTimeoutMs are taken as given.
   */
  timeScale?: number;
  /** The simulator's seed (default 1); given, the simulated server's passive ports follow it too. */
  seed?: number;
}

export interface ScenarioTiming {
  connectTimeoutMs: number;
  dataTimeoutMs: number;
  /** Our server gives up waiting for a passive connection after this long (then 425). */
  acceptTimeoutMs: number;
}

/** Simulated timeouts are short: nothing in the simulator is slow but what a scenario makes slow. */
export function scenarioDefaults(scenario: Scenario, options: BackendOptions): ScenarioTiming {
  const scale = Math.max(1, options.timeScale ?? 1);
  const dataTimeoutMs = options.dataTimeoutMs ?? Math.round(scale * (scenario.client.dataTimeoutMs ?? 300));
  // The connect timeout is also the deadline for the greeting and each login reply: a server
  // process just started in a namespace on a loaded machine can take longer than 300 ms to answer.
  const ownConnect = scenario.client.connectTimeoutMs;
  const connectTimeoutMs = options.connectTimeoutMs ?? (ownConnect !== undefined ? Math.round(scale * ownConnect) : Math.max(dataTimeoutMs, Math.round(scale * 1000)));
  // Shorter than the client's data timeout, so a server-side refusal (425) arrives before the
  // client gives up, as it would with a real server's accept timeout against a patient client.
  return { connectTimeoutMs, dataTimeoutMs, acceptTimeoutMs: Math.max(50, Math.floor(dataTimeoutMs / 2)) };
}

export function probeUrlFor(scenario: Scenario, host: string, port: number): string {
  const tls = scenario.client.tls ?? 'none';
  const scheme = tls === 'implicit' ? 'ftps' : tls === 'explicit' ? 'ftpes' : 'ftp';
  const user = encodeURIComponent(scenario.client.user ?? 'anonymous');
  const hostPart = host.includes(':') ? `[${host}]` : host;
  return `${scheme}://${user}@${hostPart}:${port}/`;
}

export function probeOptionsFor(scenario: Scenario, host: string, port: number, timing: ScenarioTiming): ProbeOptions {
  const plan = scenario.client;
  const range = parsePortRange(plan.expectRange);
  return {
    url: probeUrlFor(scenario, host, port),
    ...(plan.password !== undefined ? { password: plan.password } : {}),
    modes: plan.modes ?? ['epsv', 'pasv'],
    tls: plan.tls ?? 'none',
    ...(range ? { expectRange: range } : {}),
    ...(plan.expectAddress ? { expectAddress: plan.expectAddress } : {}),
    ...(plan.samples ? { samples: plan.samples } : {}),
    ...(plan.useAdvertisedAddress ? { useAdvertisedAddress: true } : {}),
    ...(plan.retrieve ? { retrieve: plan.retrieve } : {}),
    ...(plan.ccc ? { ccc: true } : {}),
    ...(plan.resumeTlsSession === false ? { resumeTlsSession: false } : {}),
    connectTimeoutMs: timing.connectTimeoutMs,
    dataTimeoutMs: timing.dataTimeoutMs,
    // The reference server stands in for any product here: the catalogue teaches every remedy.
    allRemedies: true,
  };
}

/** The same plan as `ftp-doctor probe` arguments (the netns backend runs the probe as a process). */
export function probeArgumentsFor(scenario: Scenario, host: string, port: number, timing: ScenarioTiming): string[] {
  const options = probeOptionsFor(scenario, host, port, timing);
  const args = ['probe', options.url, '--json', '--modes', (options.modes ?? ['epsv', 'pasv']).join(','), '--tls', options.tls ?? 'none'];
  if (options.expectRange) args.push('--expect-range', `${options.expectRange.from}-${options.expectRange.to}`);
  if (options.expectAddress) args.push('--expect-address', options.expectAddress);
  if (options.samples) args.push('--samples', String(options.samples));
  if (options.useAdvertisedAddress) args.push('--use-advertised-address');
  if (options.retrieve) args.push('--retrieve', options.retrieve);
  if (options.ccc) args.push('--ccc');
  if (options.resumeTlsSession === false) args.push('--no-tls-resume');
  args.push('--connect-timeout', String(options.connectTimeoutMs), '--data-timeout', String(options.dataTimeoutMs));
  return args;
}
