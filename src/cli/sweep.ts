/**
 * `ftp-doctor sweep <url> --range A-B`: prove every passive port of the range end to end (see
 * src/sweep). Thin: arguments → SweepOptions (usage mistakes throw UsageError, exit 2), a progress
 * line on a TTY, the shared report output, and the exit code (0 pass, 1 fail) for main.ts.
 */
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import type { Network } from '../net/network.js';
import { realNetwork } from '../net/real.js';
import { parsePortRange, ProbeOptionError } from '../probe/options.js';
import type { SweepReport } from '../report/model.js';
import { DEFAULT_CONCURRENCY, DEFAULT_SWEEP_CONNECT_TIMEOUT_MS, DEFAULT_SWEEP_DATA_TIMEOUT_MS, MAX_CONCURRENCY, runSweep, validateSweepOptions, type SweepOptions } from '../sweep/index.js';
import type { CommandBody } from './commands.js';
import { UsageError } from './errors.js';
import { emitReport, outputOptions, verdictExitCode, type OutputOptions } from './output.js';
import { progressLine } from './progress.js';

export interface SweepArguments {
  url: string;
  range?: string;
  concurrency?: number;
  sample: number;
  tls?: string;
  dataTls: boolean;
  user?: string;
  password?: string;
  method: string;
  connectTimeout: number;
  dataTimeout: number;
  strictTls: boolean;
  json: boolean;
  junit?: string;
  reportDir?: string;
}

function builder(yargs: Argv): Argv<SweepArguments> {
  return yargs
    .positional('url', { type: 'string', demandOption: true, describe: 'ftp://user@host (plain), ftpes://host (explicit TLS), ftps://host (implicit TLS)' })
    .option('range', { type: 'string', describe: 'the passive range to prove, A-B (required)' })
    .option('concurrency', { type: 'number', describe: `with servers that open port blocks (our serve): the most ports in one block, all dialled at once (default: as many as both sides' open-files limits allow, growing while the path keeps up); with older ones: control sessions in parallel, one port each (default ${DEFAULT_CONCURRENCY}) (1-${MAX_CONCURRENCY})` })
    .option('sample', { type: 'number', default: 0, describe: 'prove only this many ports, drawn at random from the range (0: all)' })
    .option('tls', { type: 'string', choices: ['none', 'explicit', 'implicit'], describe: 'TLS mode of the control sessions (default: from the URL scheme)' })
    .option('data-tls', { type: 'boolean', default: true, describe: 'with TLS: PROT P, so data connections are TLS too (--no-data-tls: plain data)' })
    .option('user', { type: 'string', describe: 'user name (default: from the URL, else anonymous)' })
    .option('password', { type: 'string', describe: 'password (prefer FTP_PASSWORD: command lines are visible to other users)' })
    .option('method', { type: 'string', choices: ['auto', 'extension', 'pasv-sampling'], default: 'auto', describe: 'SITE SWEEP when the server has it (auto), or force one method' })
    .option('connect-timeout', { type: 'number', default: DEFAULT_SWEEP_CONNECT_TIMEOUT_MS, describe: 'control connect / reply / TLS deadline, ms' })
    .option('data-timeout', { type: 'number', default: DEFAULT_SWEEP_DATA_TIMEOUT_MS, describe: 'data connect and token deadline per port, ms (a dropped port costs this)' })
    .option('strict-tls', { type: 'boolean', default: false, describe: 'fail on certificate problems instead of accepting them' })
    .options(outputOptions) as unknown as Argv<SweepArguments>;
}

/** Arguments → SweepOptions; throws UsageError for anything the user must fix. */
export function sweepOptionsFromArguments(args: SweepArguments, env: NodeJS.ProcessEnv = process.env): SweepOptions {
  if (args.range === undefined) throw new UsageError('--range A-B is required: the passive range to prove (e.g. --range 50000-50100)');
  try {
    const password = args.password ?? env.FTP_PASSWORD;
    const options: SweepOptions = {
      url: args.url,
      range: parsePortRange(args.range),
      sample: wholeNumber(args.sample, '--sample', 0, 65535),
      connectTimeoutMs: wholeNumber(args.connectTimeout, '--connect-timeout', 1, 3_600_000),
      dataTimeoutMs: wholeNumber(args.dataTimeout, '--data-timeout', 1, 3_600_000),
      protectData: args.dataTls,
      strictTls: args.strictTls,
      method: args.method as 'auto' | 'extension' | 'pasv-sampling',
      ...(args.concurrency !== undefined ? { concurrency: wholeNumber(args.concurrency, '--concurrency', 1, MAX_CONCURRENCY) } : {}),
      ...(args.tls ? { tls: args.tls as 'none' | 'explicit' | 'implicit' } : {}),
      ...(args.user !== undefined ? { user: args.user } : {}),
      ...(password !== undefined ? { password } : {}),
    };
    validateSweepOptions(options);
    return options;
  } catch (error) {
    if (error instanceof ProbeOptionError) throw new UsageError(error.message);
    throw error;
  }
}

function wholeNumber(value: number, name: string, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) throw new UsageError(`${name} must be a whole number from ${min} to ${max}`);
  return value;
}

export interface SweepCommandDependencies {
  network?: Network;
  env?: NodeJS.ProcessEnv;
  progressStream?: NodeJS.WriteStream;
  emit?: (report: SweepReport, options: OutputOptions) => Promise<void>;
}

/** The whole command, testable: returns the exit code. */
export async function sweepCommandMain(args: SweepArguments, dependencies: SweepCommandDependencies = {}): Promise<number> {
  const env = dependencies.env ?? process.env;
  const options = sweepOptionsFromArguments(args, env);
  const progress = progressLine(dependencies.progressStream ?? process.stderr, 'sweep', 300);
  let failed = 0;
  let report: SweepReport;
  try {
    report = await runSweep(
      {
        ...options,
        onProgress: ({ done, total, latest }) => {
          if (latest.state !== 'open') failed += 1;
          progress.update(`${bar(done, total)} ${done}/${total} ports${failed > 0 ? `, ${failed} failing` : ''} (last ${latest.port} ${latest.state})`);
        },
      },
      dependencies.network ?? realNetwork,
    );
  } finally {
    progress.done();
  }
  const output: OutputOptions = { json: args.json, ...(args.junit ? { junit: args.junit } : {}), ...(args.reportDir !== undefined ? { reportDir: args.reportDir } : {}) };
  await (dependencies.emit ?? ((value, settings) => emitReport(value, settings, env)))(report, output);
  return verdictExitCode(report);
}

const BAR_WIDTH = 24;

export function bar(done: number, total: number): string {
  const filled = total <= 0 ? BAR_WIDTH : Math.min(BAR_WIDTH, Math.round((done / total) * BAR_WIDTH));
  return `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}]`;
}

export const sweepCommand: CommandBody<SweepArguments> = {
  builder,
  handler: async (args: ArgumentsCamelCase<SweepArguments>) => {
    process.exitCode = await sweepCommandMain(args);
  },
};
