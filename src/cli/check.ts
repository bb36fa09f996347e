/**
 * `ftp-doctor check [ftp-doctor.yml]`: the CI gate. Loads the policy (a bad file or a missing
 * credential is a usage error, exit 2, before any connection), probes every target concurrently,
 * prints one combined report. Exit 0 all targets pass, 1 a requirement failed, 2 the tool broke.
 */
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import type { Network } from '../net/network.js';
import { realNetwork } from '../net/real.js';
import { checkExitCode, DEFAULT_CHECK_CONCURRENCY, loadPolicyFile, PolicyFileError, runCheck } from '../check/index.js';
import type { CheckReport } from '../report/model.js';
import { DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_DATA_TIMEOUT_MS } from '../probe/options.js';
import type { CommandBody } from './commands.js';
import { UsageError } from './errors.js';
import { emitReport, writeReportFiles, outputOptions, type OutputOptions } from './output.js';
import { progressLine } from './progress.js';
import { renderNagiosCheck } from '../report/nagios.js';
import { NAGIOS_FORMAT_OPTION, refuseNagiosWithJson, writeNagios } from './nagios.js';

export interface CheckArguments {
  policy: string;
  concurrency: number;
  connectTimeout: number;
  dataTimeout: number;
  json: boolean;
  /** 'nagios': one plugin status line and the plugin exit codes (0/1/2/3). */
  format?: string;
  junit?: string;
  reportDir?: string;
}

export const DEFAULT_POLICY_FILE = 'ftp-doctor.yml';

function builder(yargs: Argv): Argv<CheckArguments> {
  return yargs
    .positional('policy', { type: 'string', default: DEFAULT_POLICY_FILE, describe: 'the policy file: targets and what must hold for each' })
    .option('concurrency', { type: 'number', default: DEFAULT_CHECK_CONCURRENCY, describe: 'targets probed at once' })
    .option('connect-timeout', { type: 'number', default: DEFAULT_CONNECT_TIMEOUT_MS, describe: 'control connect / reply / TLS deadline, ms' })
    .option('data-timeout', { type: 'number', default: DEFAULT_DATA_TIMEOUT_MS, describe: 'data connect / idle deadline, ms' })
    .option('format', NAGIOS_FORMAT_OPTION)
    .options(outputOptions) as unknown as Argv<CheckArguments>;
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isInteger(value) || value <= 0) throw new UsageError(`${name} must be a positive whole number, got ${String(value)}`);
  return value;
}

export interface CheckCommandDependencies {
  network?: Network;
  env?: NodeJS.ProcessEnv;
  emit?: (report: CheckReport, options: OutputOptions) => Promise<void>;
  /** Where the progress line goes (a TTY only; default stderr). */
  progressStream?: NodeJS.WriteStream;
}

/** The whole command, testable: returns the exit code; a bad policy throws UsageError. */
export async function checkCommandMain(args: CheckArguments, dependencies: CheckCommandDependencies = {}): Promise<number> {
  const env = dependencies.env ?? process.env;
  const concurrency = positiveInteger(args.concurrency, '--concurrency');
  refuseNagiosWithJson(args);
  const connectTimeoutMs = positiveInteger(args.connectTimeout, '--connect-timeout');
  const dataTimeoutMs = positiveInteger(args.dataTimeout, '--data-timeout');
  let policy;
  try {
    policy = await loadPolicyFile(args.policy, env);
  } catch (error) {
    if (error instanceof PolicyFileError) throw new UsageError(error.message);
    throw error;
  }
  const progress = progressLine(dependencies.progressStream ?? process.stderr, 'check');
  const report = await runCheck(policy.targets, {
    network: dependencies.network ?? realNetwork,
    concurrency,
    connectTimeoutMs,
    dataTimeoutMs,
    onResult: (result, done, total) => progress.update(`${done}/${total} ${result.name} ${result.verdict === 'pass' ? 'ok' : 'FAILED'}`),
  });
  progress.done();
  const output: OutputOptions = { json: args.json, ...(args.junit ? { junit: args.junit } : {}), ...(args.reportDir !== undefined ? { reportDir: args.reportDir } : {}) };
  if (args.format === 'nagios') {
    await writeReportFiles(report, output);
    return writeNagios(renderNagiosCheck(report));
  }
  await (dependencies.emit ?? ((value, settings) => emitReport(value, settings, env)))(report, output);
  return checkExitCode(report);
}

export const checkCommand: CommandBody<CheckArguments> = {
  builder,
  handler: async (args: ArgumentsCamelCase<CheckArguments>) => {
    process.exitCode = await checkCommandMain(args);
  },
};
