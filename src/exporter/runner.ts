/**
 * One /probe request: module and target checked, the target judged against the allow-list (a
 * refused target is never dialled), then the probe engine itself — the options built by the same
 * function the `probe` command uses (probeOptionsFromArguments), the probe run by the same engine —
 * under the concurrency limit and the scrape's deadline.
 */
import dns from 'node:dns/promises';
import pLimit from 'p-limit';
import type { Network } from '../net/network.js';
import { probe, type ProbeRun } from '../probe/engine.js';
import { parseTarget, ProbeOptionError, type ProbeOptions } from '../probe/options.js';
import { withDeadline } from '../client/deadline.js';
import { probeOptionsFromArguments, type ProbeArguments } from '../probe/arguments.js';
import { UsageError } from '../config/usage-error.js';
import type { ExporterConfig, ExporterModule } from './config.js';
import { decideTarget } from './allow.js';
import { probeBudget, type ProbeBudget } from './deadline.js';
import { probeSamples, unfinishedSamples, type Sample } from './metrics.js';
import type { ProbeRequestResult } from './self-metrics.js';

export interface ProbeRequest {
  target: string | undefined;
  module: string | undefined;
  /** X-Prometheus-Scrape-Timeout-Seconds in ms, when sent. */
  scrapeTimeoutMs?: number;
}

export type ProbeAnswer =
  | { status: 200; result: 'success' | 'failure' | 'deadline' | 'error'; module: string; samples: Sample[]; run?: ProbeRun; error?: string }
  | { status: 400 | 403; result: 'refused' | 'bad_request'; module?: string; message: string };

export interface RunnerDependencies {
  network: Network;
  /** Name resolution for the allow-list check (default: the system resolver). */
  resolve?: (host: string) => Promise<string>;
  /** Called when a probe starts and ends (in-flight gauge), and when one ends with its run. */
  onStart?: () => void;
  onEnd?: () => void;
  onQueued?: (delta: 1 | -1) => void;
  /** Every probe that ran to its end, even one that finished after its scrape gave up. */
  onFinished?: (module: string, run: ProbeRun | undefined, error: string | undefined) => void;
}

const systemResolve = async (host: string): Promise<string> => (await dns.lookup(host)).address;

/** `host`, `host:2121` or a URL → the URL to probe. Credentials in a target are refused: they would sit in Prometheus's config and URLs. */
export function targetUrl(target: string): string {
  const url = /^[a-z][a-z0-9+.-]*:\/\//i.test(target) ? target : `ftp://${target}/`;
  if (/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*@/i.test(url)) throw new ProbeOptionError("the target must not carry a user or password: put them in the module (user, passwordEnv)");
  return url;
}

/** A module and a budget → the probe command's arguments (so both build ProbeOptions one way). */
export function probeArguments(url: string, module: ExporterModule, budget: ProbeBudget, password: string | undefined): ProbeArguments {
  return {
    url,
    modes: module.modes.join(','),
    samples: 0,
    connectTimeout: budget.connectTimeoutMs,
    dataTimeout: budget.dataTimeoutMs,
    ...(budget.transferTimeoutMs !== undefined ? { transferTimeout: budget.transferTimeoutMs, retrieveTimeout: budget.transferTimeoutMs } : {}),
    useAdvertisedAddress: false,
    strictTls: module.strictTls,
    ccc: false,
    json: true,
    ...(module.tls ? { tls: module.tls } : {}),
    ...(module.user !== undefined ? { user: module.user } : {}),
    ...(password !== undefined ? { password } : {}),
    ...(module.expectRange ? { expectRange: `${module.expectRange.from}-${module.expectRange.to}` } : {}),
    ...(module.expectAddress ? { expectAddress: module.expectAddress } : {}),
  };
}

export class ProbeRunner {
  private readonly limit;

  constructor(
    private readonly config: ExporterConfig,
    private readonly dependencies: RunnerDependencies,
  ) {
    this.limit = pLimit(config.concurrency);
  }

  async run(request: ProbeRequest): Promise<ProbeAnswer> {
    const started = Date.now();
    const moduleName = request.module ?? 'default';
    const module = this.config.modules.get(moduleName);
    if (!module) return { status: 400, result: 'bad_request', message: `unknown module ${JSON.stringify(moduleName).slice(0, 80)} (configured: ${[...this.config.modules.keys()].join(', ')})` };
    if (request.target === undefined || request.target === '') return { status: 400, result: 'bad_request', module: moduleName, message: 'the target parameter is missing (/probe?target=ftp://host/)' };
    const budget = probeBudget(module.timeouts, request.scrapeTimeoutMs);
    let options: ProbeOptions;
    try {
      // An empty environment: the exporter's own FTP_PASSWORD must never reach a probe; passwords come from modules only.
      options = probeOptionsFromArguments(probeArguments(targetUrl(request.target), module, budget, this.config.passwords.get(moduleName)), {});
    } catch (error) {
      if (error instanceof UsageError || error instanceof ProbeOptionError) return { status: 400, result: 'bad_request', module: moduleName, message: error.message };
      throw error;
    }
    const host = parseTarget(options).host;
    const resolve = this.dependencies.resolve ?? systemResolve;
    const decision = await decideTarget(this.config.allow, host, (name) => withDeadline(`resolve ${name}`, budget.connectTimeoutMs, () => resolve(name)));
    if (!decision.allowed) return { status: 403, result: 'refused', module: moduleName, message: decision.reason };
    // The probe dials the address the allow-list checked, not whatever a second lookup says.
    if (decision.address !== undefined) options.resolve = async () => decision.address!;
    return this.runWithin(moduleName, options, budget, started);
  }

  private async runWithin(moduleName: string, options: ProbeOptions, budget: ProbeBudget, started: number): Promise<ProbeAnswer> {
    const deadlineAt = started + budget.deadlineMs;
    const { onStart, onEnd, onQueued, onFinished } = this.dependencies;
    onQueued?.(1);
    let dequeued = false;
    const leaveQueue = (): void => {
      if (!dequeued) onQueued?.(-1);
      dequeued = true;
    };
    const running = this.limit(async (): Promise<ProbeRun | undefined> => {
      leaveQueue();
      // Its scrape has given up already: do not dial for nobody.
      if (Date.now() >= deadlineAt) return undefined;
      onStart?.();
      try {
        const run = await probe(options, this.dependencies.network);
        onFinished?.(moduleName, run, undefined);
        return run;
      } catch (error) {
        onFinished?.(moduleName, undefined, (error as Error).message ?? String(error));
        throw error;
      } finally {
        onEnd?.();
      }
    });
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<'deadline'>((resolve) => {
      timer = setTimeout(() => resolve('deadline'), Math.max(0, deadlineAt - Date.now()));
    });
    try {
      const outcome = await Promise.race([running, expired]);
      if (outcome === 'deadline' || outcome === undefined) {
        leaveQueue();
        // The probe (if it started) ends on its own timeouts; its report still reaches the recent list.
        running.catch(() => {});
        return { status: 200, result: 'deadline', module: moduleName, samples: unfinishedSamples(Date.now() - started, true) };
      }
      return { status: 200, result: outcome.report.verdict === 'pass' ? 'success' : 'failure', module: moduleName, samples: probeSamples(outcome), run: outcome };
    } catch (error) {
      return { status: 200, result: 'error', module: moduleName, samples: unfinishedSamples(Date.now() - started, false), error: (error as Error).message ?? String(error) };
    } finally {
      clearTimeout(timer);
    }
  }
}

export type { ProbeRequestResult };
