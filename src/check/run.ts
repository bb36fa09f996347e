/**
 * Running a policy: every target probed concurrently (p-limit), each judged against its
 * requirements, all in one CheckReport. A target whose probe throws is a tool error on that
 * target; the others still run.
 */
import { performance } from 'node:perf_hooks';
import pLimit from 'p-limit';
import type { Network } from '../net/network.js';
import { probe } from '../probe/engine.js';
import type { ProbeOptions } from '../probe/options.js';
import { SCHEMA_VERSION, type CheckReport } from '../report/model.js';
import { TOOL, VERSION } from '../version.js';
import { DEFAULT_CONNECT_TIMEOUT_MS } from '../probe/options.js';
import { evaluateTarget } from './evaluate.js';
import { askUserWithoutTls } from './plain-user.js';
import type { ResolvedTarget } from './load.js';
import { modesOf, tlsModeOf, type PolicyTarget } from './policy.js';

export type CheckTargetResult = CheckReport['targets'][number];

export interface CheckRunOptions {
  network: Network;
  /** Targets probed at once (default 4). */
  concurrency?: number;
  connectTimeoutMs?: number;
  dataTimeoutMs?: number;
  /** Called as each target finishes (progress line). */
  onResult?: (result: CheckTargetResult, done: number, total: number) => void;
}

export const DEFAULT_CHECK_CONCURRENCY = 4;

/** The probe a target's requirements call for. */
export function probeOptionsFor(resolved: ResolvedTarget, options: Pick<CheckRunOptions, 'connectTimeoutMs' | 'dataTimeoutMs'>): ProbeOptions {
  const { target, password } = resolved;
  return {
    url: target.url,
    modes: modesOf(target),
    ...(target.tls ? { tls: target.tls } : {}),
    ...(target.user !== undefined ? { user: target.user } : {}),
    ...(password !== undefined ? { password } : {}),
    // The probe's own diagnosis then explains a mismatch with remedies, next to our sentence.
    ...(target.passiveRange ? { expectRange: target.passiveRange } : {}),
    ...(target.externalAddress ? { expectAddress: target.externalAddress } : {}),
    ...(target.samples ? { samples: target.samples } : {}),
    ...(target.retrieve ? { retrieve: target.retrieve } : {}),
    // The limit ends the transfer when reached, not only judges it afterwards.
    ...(target.maxTransferMs !== undefined ? { transferTimeoutMs: target.maxTransferMs, retrieveTimeoutMs: target.maxTransferMs } : {}),
    // requireTls is proved separately (plain-user.ts) with USER alone: the probe itself never
    // logs in without TLS with these credentials.
    plainTwin: false,
    ...(options.connectTimeoutMs !== undefined ? { connectTimeoutMs: options.connectTimeoutMs } : {}),
    ...(options.dataTimeoutMs !== undefined ? { dataTimeoutMs: options.dataTimeoutMs } : {}),
  };
}

async function checkTarget(resolved: ResolvedTarget, options: CheckRunOptions): Promise<CheckTargetResult> {
  const { target } = resolved;
  try {
    const probeOptions = probeOptionsFor(resolved, options);
    const run = await probe(probeOptions, options.network);
    const plainUser =
      target.requireTls && tlsModeOf(target) === 'explicit'
        ? await askUserWithoutTls(probeOptions, options.network, probeOptions.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS)
        : undefined;
    const failures = evaluateTarget(target, run, plainUser);
    return { name: target.name, target: run.report.target, verdict: failures.length === 0 ? 'pass' : 'fail', failures, probe: run.report };
  } catch (error) {
    return { name: target.name, target: displayUrl(target), verdict: 'fail', failures: [], error: error instanceof Error ? error.message : String(error) };
  }
}

/** Policy URLs never carry a password (the loader refuses them); strip one anyway, to be safe. */
function displayUrl(target: PolicyTarget): string {
  return target.url.replace(/^([a-z]+:\/\/[^:@/]*):[^@/]*@/i, '$1@');
}

export async function runCheck(targets: readonly ResolvedTarget[], options: CheckRunOptions): Promise<CheckReport> {
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const limit = pLimit(Math.max(1, options.concurrency ?? DEFAULT_CHECK_CONCURRENCY));
  let done = 0;
  const results = await Promise.all(
    targets.map((resolved) =>
      limit(async () => {
        const result = await checkTarget(resolved, options);
        done += 1;
        options.onResult?.(result, done, targets.length);
        return result;
      }),
    ),
  );
  return {
    tool: TOOL,
    version: VERSION,
    schemaVersion: SCHEMA_VERSION,
    kind: 'check',
    verdict: results.every((result) => result.verdict === 'pass') ? 'pass' : 'fail',
    startedAt,
    durationMs: Math.round(performance.now() - started),
    targets: results,
  };
}

/** 0 every target passed, 1 a requirement failed, 2 the tool itself failed on some target. */
export function checkExitCode(report: CheckReport): number {
  if (report.targets.some((target) => target.error !== undefined)) return 2;
  return report.verdict === 'pass' ? 0 : 1;
}
