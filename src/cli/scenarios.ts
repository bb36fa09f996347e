/**
 * `ftp-doctor scenarios list` and `ftp-doctor scenarios run [ids or files…]`: the catalogue replayed
 * through the simulator (default) or the real Linux firewall (`--firewall netns`), or both side by
 * side (`--compare`). Exit 1 when any scenario's expectation fails.
 */
import type { Argv, CommandModule } from 'yargs';
import { agreementOf } from '../report/compare.js';
import { renderGrid } from '../report/grid.js';
import type { ScenarioResult, ScenarioRunReport } from '../report/model.js';
import { selectScenarios } from '../scenarios/load.js';
import type { Scenario } from '../topology/model.js';
import { runScenarios, type ScenarioRunner } from '../scenarios/run.js';
import { runScenarioInSimulator } from '../scenarios/run-sim.js';
import type { CommandBody } from './commands.js';
import { UsageError } from './errors.js';
import { emitReport, outputOptions, tableWidth, verdictExitCode } from './output.js';
import { progressLine } from './progress.js';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';

interface RunArguments {
  names: string[];
  firewall: 'sim' | 'netns';
  compare: boolean;
  concurrency?: number;
  'connect-timeout'?: number;
  'data-timeout'?: number;
  'print-rules': boolean;
  server: 'ftp-doctor' | 'vsftpd';
  capture?: string;
  json: boolean;
  junit?: string;
  'report-dir'?: string;
}

const listCommand: CommandModule<object, { names: string[]; json: boolean }> = {
  command: 'list [names..]',
  describe: 'list the scenario catalogue (or the named files)',
  builder: (yargs) => yargs.positional('names', { type: 'string', array: true, default: [], describe: 'scenario ids from the catalogue, or paths of your own scenario files' }).option('json', { type: 'boolean', default: false, describe: 'print the list as a JSON array (id, title, source, pairedWith, tags, expect)' }) as Argv<{ names: string[]; json: boolean }>,
  handler: async (argv) => {
    if (argv.capture !== undefined && (argv.firewall !== 'netns' || argv.compare)) throw new UsageError('--capture needs --firewall netns (the simulator has no packets to capture).');
    const scenarios = await selectScenarios(argv.names);
    if (argv.json) {
      process.stdout.write(`${JSON.stringify(scenarios.map(({ id, title, source, pairedWith, tags, expect }) => ({ id, title, source, pairedWith, tags, expect })), null, 2)}\n`);
      return;
    }
    const rows = scenarios.map((scenario) => [scenario.id, scenario.expect.verdict, scenario.title]);
    const table = renderGrid(['Scenario', 'Expects', 'Title'], rows, { width: tableWidth(process.stdout), keep: [true, true, false] });
    process.stdout.write(`${table}\n${scenarios.length} scenarios\n`);
  },
};

const runCommand: CommandModule<object, RunArguments> = {
  command: 'run [names..]',
  describe: 'run scenarios (ids from the catalogue or your own files); all when none named',
  builder: (yargs) =>
    yargs
      .positional('names', { type: 'string', array: true, default: [], describe: 'scenario ids from the catalogue, or paths of your own scenario files (default: the whole catalogue)' })
      .option('firewall', { choices: ['sim', 'netns'] as const, default: 'sim' as const, describe: 'simulated network (any OS) or the real Linux firewall in network namespaces (root)' })
      .option('compare', { type: 'boolean', default: false, describe: 'run on both backends and show them side by side' })
      .option('concurrency', { type: 'number', describe: 'scenarios run at once (default 4 in the simulator, 2 on netns)' })
      .option('connect-timeout', { type: 'number', describe: 'override the scenarios\' connect timeout (ms)' })
      .option('data-timeout', { type: 'number', describe: 'override the scenarios\' data timeout (ms)' })
      .option('print-rules', { type: 'boolean', default: false, describe: 'print the nftables ruleset generated for each scenario (stderr; with --firewall sim the interfaces are named outside0/inside0)' })
      .option('server', { choices: ['ftp-doctor', 'vsftpd'] as const, default: 'ftp-doctor' as const, describe: 'server in the netns backend' })
      .option('capture', { type: 'string', describe: 'netns: write a packet capture of each side into this directory (<id>.client.pcap, <id>.server.pcap; needs tcpdump), for `ftp-doctor explain`' })
      .options(outputOptions) as unknown as Argv<RunArguments>,
  handler: async (argv) => {
    for (const key of ['concurrency', 'connect-timeout', 'data-timeout'] as const) {
      const value = argv[key];
      if (value !== undefined && (!Number.isInteger(value) || value < 1)) throw new UsageError(`--${key} must be a positive whole number, got ${String(value)}.`);
    }
    const scenarios = await selectScenarios(argv.names);
    const backends: ('sim' | 'netns')[] = argv.compare ? ['sim', 'netns'] : [argv.firewall];
    const reports: ScenarioRunReport[] = [];
    for (const backend of backends) {
      const runner = await runnerFor(backend, argv);
      const progress = progressLine(process.stderr, `scenarios (${backend})`);
      reports.push(
        await runScenarios(scenarios, runner, {
          concurrency: argv.concurrency ?? (backend === 'sim' ? 4 : 2),
          ...(argv['connect-timeout'] ? { connectTimeoutMs: argv['connect-timeout'] } : {}),
          ...(argv['data-timeout'] ? { dataTimeoutMs: argv['data-timeout'] } : {}),
          onResult: (result, done, total) => progress.update(`${done}/${total} ${result.id} ${result.expectationMet ? 'met' : 'NOT MET'}`),
        }),
      );
      progress.done();
    }
    const report = merge(reports);
    await emitReport(report, { json: argv.json, ...(argv.junit ? { junit: argv.junit } : {}), ...(argv['report-dir'] !== undefined ? { reportDir: argv['report-dir'] } : {}) });
    if (argv.compare && !argv.json) process.stdout.write(`${renderComparison(scenarios, reports)}\n`);
    process.exitCode = verdictExitCode(report);
  },
};

async function runnerFor(backend: 'sim' | 'netns', argv: RunArguments): Promise<ScenarioRunner> {
  if (backend === 'sim') {
    if (!argv['print-rules'] || argv.compare) return runScenarioInSimulator;
    // The rules are pure: print them without root, for comparing with a production ruleset.
    const { withPrintedRules } = await import('../scenarios/run-netns.js');
    return withPrintedRules(runScenarioInSimulator);
  }
  const { netnsRunner, NetnsUnavailableError } = await import('../scenarios/run-netns.js');
  try {
    if (argv.capture !== undefined) await prepareCaptureDir(argv.capture);
    return await netnsRunner({ printRules: argv['print-rules'], server: argv.server, ...(argv.capture !== undefined ? { captureDir: path.resolve(argv.capture) } : {}) });
  } catch (error) {
    // Not a bug of ours: the machine cannot run it. Exit 2 with the one sentence naming what is missing.
    if (error instanceof NetnsUnavailableError) throw new UsageError(`--firewall netns: ${error.message}.`);
    throw error;
  }
}

/** The capture directory exists (made if missing) and tcpdump is there: else a usage error before any scenario runs. */
async function prepareCaptureDir(dir: string): Promise<void> {
  const { captureMissingReason } = await import('../netns/capture.js');
  const missing = captureMissingReason();
  if (missing) throw new UsageError(`--capture: ${missing}.`);
  await mkdir(dir, { recursive: true });
}

function merge(reports: ScenarioRunReport[]): ScenarioRunReport {
  const [first, ...rest] = reports;
  if (!first) throw new Error('no report');
  const results = reports.flatMap((report) => report.results);
  return {
    ...first,
    durationMs: reports.reduce((sum, report) => sum + report.durationMs, 0),
    verdict: results.every((result) => result.expectationMet) ? 'pass' : 'fail',
    results: rest.length === 0 ? first.results : results,
  };
}

/**
 * Side by side, one row per scenario, judged as the Markdown report judges it (agreementOf: the
 * same verdict, findings and failing step, port draws compared by the side of the declared range
 * they fell on); a skipped or failed-to-run side is not compared.
 */
function renderComparison(scenarios: Scenario[], reports: ScenarioRunReport[]): string {
  const rows: string[][] = [];
  for (const scenario of scenarios) {
    const cells = reports.map((report) => report.results.find((result) => result.id === scenario.id));
    const summary = (result: ScenarioResult | undefined): string => {
      if (!result) return '-';
      if (result.skipped !== undefined) return 'skipped';
      const where = result.failure?.hop ? ` @ ${result.failure.hop}: ${result.failure.rule ?? '?'}` : '';
      return `${result.expectationMet ? '✓' : '✗'} ${result.probe.verdict} ${result.probe.findings.map((finding) => finding.code).join(', ')}${where}`.trim();
    };
    const agreement = agreementOf(cells);
    rows.push([scenario.id, ...cells.map(summary), agreement === 'agree' ? 'yes' : agreement === 'disagree' ? 'NO' : '-']);
  }
  const head = ['Scenario', ...reports.map((report) => report.results[0]?.backend ?? '?'), 'Agree'];
  return renderGrid(head, rows, { width: tableWidth(process.stdout), keep: [true] });
}

export const scenariosCommand: CommandBody = {
  builder: (yargs) => yargs.command(listCommand as unknown as CommandModule).command(runCommand as unknown as CommandModule).demandCommand(1, 'Say which: scenarios list or scenarios run (see scenarios --help).'),
  handler: () => {},
};
