/**
 * `ftp-doctor probe <url>`: parse the options (README "Troubleshooting a server"), run the probe
 * on the real network, print the report. The exit code is returned (0 pass, 1 fail) and set by
 * main.ts; usage mistakes throw UsageError (exit 2).
 */
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import type { Network } from '../net/network.js';
import { realNetwork } from '../net/real.js';
import { runProbe } from '../probe/engine.js';
import { TRANSFER_DEADLINE_DATA_TIMEOUTS } from '../client/deadline.js';
import { DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_DATA_TIMEOUT_MS, DEFAULT_RETRIEVE_TIMEOUT_MS, MAX_SAMPLES, parseTarget, type ProbeOptions } from '../probe/options.js';
import type { ProbeReport } from '../report/model.js';
import type { CommandBody } from './commands.js';
import { probeOptionsFromArguments, type ProbeArguments } from '../probe/arguments.js';
import { emitReport, writeReportFiles, outputOptions, verdictExitCode, type OutputOptions } from './output.js';
import { probeProgressText, progressLine, watchNetwork } from './progress.js';
import { renderNagiosProbe } from '../report/nagios.js';
import { NAGIOS_FORMAT_OPTION, refuseNagiosWithJson, writeNagios } from './nagios.js';

// The exporter builds the same options from a module: both parse them with src/probe/arguments.ts.
export { probeOptionsFromArguments, type ProbeArguments } from '../probe/arguments.js';

function builder(yargs: Argv): Argv<ProbeArguments> {
  return yargs
    .positional('url', { type: 'string', demandOption: true, describe: 'ftp://host (plain), ftpes://host (explicit TLS), ftps://host (implicit TLS)' })
    .option('modes', { type: 'string', default: 'epsv,pasv', describe: 'data modes to try: epsv,pasv,port,eprt or all' })
    .option('tls', { type: 'string', choices: ['none', 'explicit', 'implicit'], describe: 'TLS mode (default: from the URL scheme)' })
    .option('user', { type: 'string', describe: 'user name (default: from the URL, else anonymous)' })
    .option('password', { type: 'string', describe: 'password (prefer FTP_PASSWORD: command lines are visible to other users)' })
    .option('expect-range', { type: 'string', describe: 'passive ports the firewall allows, A-B' })
    .option('expect-address', { type: 'string', describe: 'the address 227 replies should carry (the public one)' })
    .option('samples', { type: 'number', default: 0, describe: `ask PASV/EPSV this many times to see the ports handed out (max ${MAX_SAMPLES})` })
    .option('connect-timeout', { type: 'number', default: DEFAULT_CONNECT_TIMEOUT_MS, describe: 'control connect / reply / TLS deadline, ms' })
    .option('data-timeout', { type: 'number', default: DEFAULT_DATA_TIMEOUT_MS, describe: 'data connect / idle deadline, ms' })
    .option('transfer-timeout', { type: 'number', describe: `total deadline of each listing, ms (default ${TRANSFER_DEADLINE_DATA_TIMEOUTS} × --data-timeout)` })
    .option('use-advertised-address', { type: 'boolean', default: false, describe: 'dial the 227 address instead of the control peer' })
    .option('strict-tls', { type: 'boolean', default: false, describe: 'fail on certificate problems instead of warning' })
    .option('retrieve', { type: 'string', describe: 'RETR this path after the LIST' })
    .option('retrieve-timeout', { type: 'number', default: DEFAULT_RETRIEVE_TIMEOUT_MS, describe: 'total deadline of the --retrieve transfer, ms' })
    .option('ccc', { type: 'boolean', default: false, describe: 'send CCC after login on TLS sessions' })
    .option('plain-twin', { type: 'boolean', describe: 'under explicit TLS also run each mode without TLS; default only for anonymous logins (it sends the credentials in the clear)' })
    .option('all-remedies', { type: 'boolean', default: false, describe: 'show the remedies of every FTP server product, not only those of the server that answered (the JSON always has them all)' })
    .option('tls-resume', { type: 'boolean', default: true, describe: 'resume the control TLS session on data connections (--no-tls-resume to test servers that require reuse)' })
    .option('early-verdict', { type: 'boolean', default: true, describe: 'call a data connection that never came dropped after one SYN retransmission plus a few control round trips (never on a slow path); --no-early-verdict waits the full --data-timeout' })
    .option('format', NAGIOS_FORMAT_OPTION)
    .options(outputOptions) as unknown as Argv<ProbeArguments>;
}


export interface ProbeCommandDependencies {
  network?: Network;
  env?: NodeJS.ProcessEnv;
  emit?: (report: ProbeReport, options: OutputOptions) => Promise<void>;
  /** Where the progress line goes (default stderr; shown only on a TTY, never with --json). */
  progressStream?: NodeJS.WriteStream;
}

/** How often the progress line is redrawn: often enough that the elapsed time visibly moves. */
const PROGRESS_REDRAW_MS = 200;

/**
 * Runs the probe with a progress line on a terminal: the step that can hang (a dropped data
 * channel waits --data-timeout, a filtered control port --connect-timeout) and how long it has
 * waited, redrawn on a timer because nothing else happens while a connect hangs.
 */
async function probeWithProgress(options: ProbeOptions, network: Network, stream: NodeJS.WriteStream, json: boolean): Promise<ProbeReport> {
  if (json || !stream.isTTY) return runProbe(options, network);
  const started = Date.now();
  const watched = watchNetwork(network, parseTarget(options).port);
  const progress = progressLine(stream, 'probe');
  const timer = setInterval(() => progress.update(probeProgressText(watched.current(), Date.now(), started)), PROGRESS_REDRAW_MS);
  timer.unref();
  try {
    return await runProbe(options, watched.network);
  } finally {
    clearInterval(timer);
    progress.done();
  }
}

/** The whole command, testable: returns the exit code. */
export async function probeCommandMain(args: ProbeArguments, dependencies: ProbeCommandDependencies = {}): Promise<number> {
  const env = dependencies.env ?? process.env;
  refuseNagiosWithJson(args);
  const options = probeOptionsFromArguments(args, env);
  const nagios = args.format === 'nagios';
  const report = await probeWithProgress(options, dependencies.network ?? realNetwork, dependencies.progressStream ?? process.stderr, args.json || nagios);
  const output: OutputOptions = { json: args.json, ...(args.junit ? { junit: args.junit } : {}), ...(args.reportDir !== undefined ? { reportDir: args.reportDir } : {}) };
  if (nagios) {
    await writeReportFiles(report, output);
    return writeNagios(renderNagiosProbe(report));
  }
  await (dependencies.emit ?? ((value, settings) => emitReport(value, settings, env)))(report, output);
  return verdictExitCode(report);
}

export const probeCommand: CommandBody<ProbeArguments> = {
  builder,
  handler: async (args: ArgumentsCamelCase<ProbeArguments>) => {
    // yargs renders its help text synchronously once this handler first awaits: let it finish
    // before the probe's clock starts, or its CPU shows up as the first connect's time.
    await new Promise((resolve) => setImmediate(resolve));
    process.exitCode = await probeCommandMain(args);
  },
};
