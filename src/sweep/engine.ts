/**
 * `runSweep`: prove every port of a passive range (or a sample of it) end to end, through
 * whatever firewall and NAT lie between us and the server, and report the result folded into
 * spans. The extension method (our reference server with --allow-sweep) proves exactly the ports
 * asked for: in blocks (`SITE SWEEP A-B`, one TCP exchange per port, blocks.ts) when the server
 * offers them, else one `SITE SWEEP <port>` + NLST per port (extension.ts, older servers).
 * Against any other server the PASV/EPSV sampling fallback proves what it is handed.
 * The block method's token connections are plain TCP even under PROT P: they carry no file data,
 * only the token, and TLS would not change whether the firewall passes the port.
 */
import dns from 'node:dns/promises';
import net from 'node:net';
import { FEATURE_NAME, isPositiveCompletion, normalizeAddress, TOKEN_OPTION } from '../ftp/index.js';
import type { ControlSession } from '../client/control.js';
import { Recorder } from '../client/recorder.js';
import { openSession, sessionPlanFor, type SessionPlan } from '../client/session.js';
import { describeError } from '../client/util.js';
import type { Network } from '../net/network.js';
import { parseTarget, ProbeOptionError, type ProbeTarget } from '../probe/options.js';
import type { Finding, SweepReport } from '../report/model.js';
import { checkExtension, clipToServerRange, sweepByExtension, type ExtensionSupport, type Runner } from './extension.js';
import { count, coverageFinding, foldResults, infoFinding, outOfRangeFinding, sampleFinding, stateFindings, type FindingContext } from './findings.js';
import {
  choosePorts,
  DEFAULT_CONCURRENCY,
  DEFAULT_SWEEP_CONNECT_TIMEOUT_MS,
  DEFAULT_SWEEP_DATA_TIMEOUT_MS,
  MAX_CONCURRENCY,
  passiveBudget,
  rangeSize,
  staleLimit,
  type PortResult,
  type SweepOptions,
} from './options.js';
import { BLOCK_SESSIONS, sweepByBlocks, type BlockSweepOutcome } from './blocks.js';
import { describeOpenFilesLimit, readOpenFilesLimit, sweepSocketBudget } from './limits.js';
import { fastDeadlineMs, formatMs, Pace, startWidthFor, SYN_RETRANSMIT_MS, type WidthLimit } from './pace.js';
import { SessionPool, type PooledSession } from './pool.js';
import type { BlockCapability } from './protocol.js';
import { provePort } from './prove.js';
import { buildSweepReport, sessionFailureFindings } from './report.js';
import { sweepByPassive } from './sampling.js';

/** Checks the options a caller could get wrong; throws ProbeOptionError (the CLI: exit 2). */
export function validateSweepOptions(options: SweepOptions): ProbeTarget {
  const { range } = options;
  if (!Number.isInteger(range.from) || !Number.isInteger(range.to) || range.from < 1 || range.to > 65535 || range.from > range.to) {
    throw new ProbeOptionError(`impossible port range ${range.from}-${range.to}`);
  }
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > MAX_CONCURRENCY) {
    throw new ProbeOptionError(`concurrency must be a whole number from 1 to ${MAX_CONCURRENCY}`);
  }
  if (options.sample !== undefined && (!Number.isInteger(options.sample) || options.sample < 0)) throw new ProbeOptionError('--sample must be a whole number (0: the whole range)');
  return parseTarget(options);
}

export async function runSweep(options: SweepOptions, network: Network): Promise<SweepReport> {
  const target = validateSweepOptions(options);
  const startedAt = new Date().toISOString();
  const recorder = new Recorder(options.now);
  // Absent: the block method paces itself (pace.ts); the older methods use the default.
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_SWEEP_CONNECT_TIMEOUT_MS;
  const dataTimeoutMs = options.dataTimeoutMs ?? DEFAULT_SWEEP_DATA_TIMEOUT_MS;
  const sampling = (options.sample ?? 0) > 0 && (options.sample ?? 0) < rangeSize(options.range);
  const ports = choosePorts(options.range, options.sample, options.random);
  const header = { target: target.display, startedAt, range: options.range, concurrency };
  const finish = (fields: { method: SweepReport['method']; results: PortResult[]; findings: Finding[] }): SweepReport =>
    buildSweepReport({ ...header, ...fields, durationMs: recorder.elapsed() });

  let address: string;
  try {
    address = net.isIP(target.host) !== 0 ? target.host : options.resolve ? await options.resolve(target.host) : (await dns.lookup(target.host)).address;
  } catch (error) {
    const finding = infoFinding('CONTROL_UNREACHABLE', `Cannot resolve ${target.host}`, 'The server name does not resolve, so nothing could be tested.', [describeError(error)], 'error');
    return finish({ method: 'extension', results: [], findings: [finding] });
  }

  const plan = sessionPlanFor(target, address, {
    network,
    recorder,
    session: 'sweep',
    connectTimeoutMs,
    strictTls: options.strictTls ?? false,
    protectData: target.tls !== 'none' && options.protectData !== false,
  });
  let reference = false;
  let needTokens = false;
  const pool = new SessionPool(
    async (slot) => {
      const opened = await openSession({ ...plan, session: `sweep-${slot}` });
      const tokens = opened.control && needTokens ? await enableTokens(opened.control, connectTimeoutMs) : false;
      return { opened, tokens };
    },
    concurrency,
    // Replacements are bounded: one per port at most, plus the initial sessions.
    concurrency + ports.length,
  );
  try {
    const first = await pool.acquire();
    if (!first) return finish({ method: 'extension', results: [], findings: sessionFailureFindings(pool.failures[0], target) });
    const features = await first.control.command('FEAT', undefined, connectTimeoutMs).catch(() => undefined);
    reference = features !== undefined && isPositiveCompletion(features.code) && features.message.split('\n').some((line) => line.trim().split(' ')[0]?.toUpperCase() === FEATURE_NAME);
    const support: ExtensionSupport =
      options.method === 'pasv-sampling'
        ? { supported: false, reason: 'the PASV/EPSV sampling method was asked for' }
        : reference || options.method === 'extension'
          ? await checkExtension(first.control, connectTimeoutMs).catch((error: unknown) => ({ supported: false as const, reason: describeError(error) }))
          : { supported: false, reason: `the server does not announce ${FEATURE_NAME} in FEAT (not our reference server)` };
    // Tokens on data connections of NLST: the per-port and sampling methods need them; the block
    // method's listeners send theirs anyway, so its sessions skip the round trip.
    const byBlocks = support.supported && support.block !== undefined && options.blocks !== false;
    needTokens = reference && !byBlocks;
    if (needTokens) first.tokens = await enableTokens(first.control, connectTimeoutMs);
    pool.release(first, true);

    const context: FindingContext = { range: options.range, publicAddress: normalizeAddress(first.control.peerAddress), controlPort: target.port };
    const runner = makeRunner(pool, options, network, target, dataTimeoutMs, connectTimeoutMs, ports.length);
    const findings: Finding[] = [];
    if (support.supported) {
      const { inside, outside } = clipToServerRange(ports, support.serverRange);
      if (support.serverRange && (support.serverRange.from > options.range.from || support.serverRange.to < options.range.to)) {
        const notSwept = outside.length > 0 ? [`not sweepable: ${foldResults(outside).map((span) => (span.from === span.to ? `${span.from}` : `${span.from}-${span.to}`)).join(', ')}`] : [];
        findings.push(
          infoFinding('SWEEP_RANGE_MISMATCH', `The server's passive range is ${support.serverRange.from}-${support.serverRange.to}`, 'Ports of --range outside the range the server was started with cannot be swept (they report an error); sweep the range the server uses.', [`--range ${options.range.from}-${options.range.to}`, ...notSwept], 'warning'),
        );
      }
      for (const result of outside) runner.done(result, -1);
      let proved: PortResult[];
      let width = concurrency;
      if (byBlocks && support.block && inside.length > 0) {
        const rttMs = await controlRoundTrip(first.control, connectTimeoutMs);
        const blocks = await sweepWithBlocks(pool, support.block, network, normalizeAddress(first.control.peerAddress), { concurrency: options.concurrency, dataTimeoutMs, connectTimeoutMs, rttMs }, inside, runner);
        proved = blocks.outcome.results;
        width = blocks.pace.peak;
        findings.push(paceFinding(blocks, dataTimeoutMs));
      } else {
        proved = await sweepByExtension(inside, concurrency, runner);
      }
      const results = [...proved, ...outside].sort((a, b) => a.port - b.port);
      findings.unshift(...stateFindings(results, context));
      findings.push(...poolFindings(pool, concurrency));
      if (sampling) findings.push(sampleFinding(ports, options.range));
      return { ...finish({ method: 'extension', results, findings }), concurrency: width, ...(sampling ? { sampled: ports } : {}) };
    }
    if (options.method === 'extension') {
      return finish({ method: 'extension', results: [], findings: [infoFinding('SWEEP_EXTENSION_UNAVAILABLE', 'The SITE SWEEP extension is not available', support.reason, [], 'error')] });
    }
    // The server picks the ports here: --sample only bounds how many of them are proved.
    const wanted = sampling ? ports.length : rangeSize(options.range);
    const outcome = await sweepByPassive(
      { range: options.range, wanted, budget: passiveBudget(rangeSize(options.range), options.maxPassiveRequests), staleLimit: staleLimit(rangeSize(options.range)) },
      concurrency,
      runner,
    );
    findings.push(...stateFindings(outcome.results, context));
    const outside = outOfRangeFinding(outcome.outside, options.range, context);
    if (outside) findings.push(outside);
    if (outcome.failure) findings.push(infoFinding('SWEEP_PASSIVE_FAILED', 'The server stopped handing out passive ports', outcome.failure, [], 'error'));
    const coverage = coverageFinding(outcome.results.length, wanted, options.range, outcome.requests, outcome.stoppedBecause);
    if (coverage) findings.push(coverage);
    // Sessions shed for back-pressure change how long the sweep took, not what it found: a note, not a finding.
    const shed = outcome.shed ? `; the server ran out of passive ports for ${outcome.shed.of} parallel sessions (${outcome.shed.line}), so the sweep went on with ${outcome.shed.of - outcome.shed.sessions}` : '';
    if (options.method !== 'pasv-sampling') findings.push(infoFinding('SWEEP_EXTENSION_UNAVAILABLE', 'Swept by PASV/EPSV sampling', `${support.reason}, so the sweep tested the ports the server handed out (${count(outcome.requests)} requests${shed}).`));
    findings.push(...poolFindings(pool, concurrency));
    return finish({ method: 'pasv-sampling', results: outcome.results, findings });
  } finally {
    await pool.close();
  }
}

function makeRunner(pool: SessionPool, options: SweepOptions, network: Network, target: ProbeTarget, dataTimeoutMs: number, replyTimeoutMs: number, total: number): Runner {
  let done = 0;
  return {
    pool,
    replyTimeoutMs,
    prove: (session: PooledSession, port: number) =>
      provePort(
        {
          control: session.control,
          network,
          dialHost: normalizeAddress(session.control.peerAddress),
          dataTimeoutMs,
          tokens: session.tokens,
          ...(target.path !== '/' ? { listPath: target.path } : {}),
          ...(session.opened.dataProtected ? { tls: { host: target.host, ...(session.opened.tls?.session ? { session: session.opened.tls.session } : {}) } } : {}),
        },
        port,
      ),
    done: (result, slot) => {
      done += 1;
      options.onProgress?.({ done: Math.min(done, total), total, latest: result, slot });
    },
  };
}

/**
 * The batched form: two sessions open blocks of listeners, and every port of a block is dialled
 * at once; the blocks grow while that goes well (pace.ts). Progress goes through the same runner
 * as the per-port form.
 */
async function sweepWithBlocks(
  pool: SessionPool,
  capability: BlockCapability,
  network: Network,
  dialHost: string,
  limits: { concurrency: number | undefined; dataTimeoutMs: number; connectTimeoutMs: number; rttMs: number },
  ports: readonly number[],
  runner: Runner,
): Promise<{ outcome: BlockSweepOutcome; pace: Pace; fastDeadlineMs: number }> {
  pool.limitTo(BLOCK_SESSIONS);
  const openFiles = readOpenFilesLimit();
  const widths: WidthLimit[] = [
    { width: capability.max, why: `the server's largest block (${capability.max} ports; its open-files limit decides it)` },
    { width: sweepSocketBudget(openFiles), why: `this process's ${describeOpenFilesLimit(openFiles)}` },
    { width: ports.length, why: `the ${ports.length} ports to sweep` },
    ...(limits.concurrency !== undefined ? [{ width: limits.concurrency, why: `--concurrency ${limits.concurrency}` }] : []),
  ];
  // Both sides' budgets: the server's is twice its largest block (blockMaxFor).
  const pace = new Pace(widths, limits.rttMs, startWidthFor(Math.min(2 * capability.max, sweepSocketBudget(openFiles))));
  const fast = fastDeadlineMs(limits.rttMs, limits.dataTimeoutMs);
  // The other sessions log in while the first block opens, not when a block first needs them.
  const warming = pool.warm(Math.min(BLOCK_SESSIONS, Math.ceil(ports.length / pace.width)));
  const outcome = await sweepByBlocks(ports, {
    pool,
    network,
    dialHost,
    replyTimeoutMs: limits.connectTimeoutMs,
    dataTimeoutMs: limits.dataTimeoutMs,
    fastDeadlineMs: fast,
    capability,
    pace,
    // The server's budget is twice its largest block (blockMaxFor). --concurrency caps a block,
    // not the blocks in flight: the next one opens while the last one's dials finish.
    inFlightLimit: Math.min(2 * capability.max, sweepSocketBudget(openFiles)),
    done: (result, slot) => runner.done(result, slot),
  });
  await warming;
  return { outcome, pace, fastDeadlineMs: fast };
}

/** The path's round trip: the fastest of a few NOOPs on the control connection (ms). */
async function controlRoundTrip(control: ControlSession, timeoutMs: number): Promise<number> {
  let fastest = Infinity;
  for (let index = 0; index < RTT_SAMPLES; index += 1) {
    const started = performance.now();
    try {
      await control.command('NOOP', undefined, timeoutMs);
    } catch {
      break;
    }
    fastest = Math.min(fastest, performance.now() - started);
  }
  // No answer at all: assume a slow path; the re-test keeps the verdict right either way.
  return Number.isFinite(fastest) ? fastest : UNKNOWN_RTT_MS;
}

const RTT_SAMPLES = 3;
const UNKNOWN_RTT_MS = 500;

/** How the block sweep was paced, and what limited it: an info finding, always shown. */
function paceFinding(blocks: { outcome: BlockSweepOutcome; pace: Pace; fastDeadlineMs: number }, dataTimeoutMs: number): Finding {
  const { outcome, pace, fastDeadlineMs } = blocks;
  const evidence = [
    `blocks of up to ${count(pace.peak)} ports, every port of a block dialled at once; the limit was ${count(pace.limit.width)}: ${pace.limit.why}`,
    fastDeadlineMs < dataTimeoutMs
      ? `first dial: ${fastDeadlineMs} ms to answer (path round trip ${formatMs(pace.rttMs)} on the control connection, plus the first SYN retransmission at ${SYN_RETRANSMIT_MS} ms)`
      : `first dial: the full data timeout (${dataTimeoutMs} ms), which is no longer than a SYN retransmission and a few round trips`,
    outcome.retested > 0 ? `${count(outcome.retested)} unanswered port(s) dialled again with the full data timeout (${dataTimeoutMs} ms) before being called dropped; ${count(outcome.answeredOnRetest)} answered then` : outcome.retestedSilent > 0 ? 'no unanswered port needed a second dial' : 'no port needed a second dial',
    ...(outcome.retestedSilent > 0 ? [`${count(outcome.retestedSilent)} port(s) connected but sent no token within ${dataTimeoutMs} ms, dialled again before being called misrouted; ${count(outcome.tokenOnRetest)} sent it then`] : []),
    ...(pace.pushbackCount > 0 ? [`slowed down ${pace.pushbackCount} time(s): ${pace.pushbacks.join('; ')}`] : []),
  ];
  return infoFinding('SWEEP_PACE', `Swept in blocks of up to ${count(pace.peak)} ports`, 'How fast the sweep could go, and what held it back. A port unanswered on its first, short dial is dialled again with the full data timeout before it is called dropped.', evidence);
}

async function enableTokens(control: ControlSession, timeoutMs: number): Promise<boolean> {
  try {
    return isPositiveCompletion((await control.command('OPTS', TOKEN_OPTION, timeoutMs)).code);
  } catch {
    return false;
  }
}

/** The server allowed fewer parallel sessions than asked for: the sweep was slower, not wrong. */
function poolFindings(pool: SessionPool, concurrency: number): Finding[] {
  if (pool.failures.length === 0) return [];
  const reason = pool.failures[0]?.record.phases.find((phase) => phase.result === 'fail')?.detail ?? 'unknown';
  return [infoFinding('SWEEP_SESSIONS_LIMITED', `The server did not allow ${concurrency} parallel sessions`, 'The sweep went on with the sessions it had; it took longer, but every port was still tested.', [`${pool.failures.length} session(s) refused: ${reason}`], 'warning')];
}
