/**
 * `ftp-doctor explain FILE [FILE...]`: diagnose the evidence a user already has — packet captures
 * and client or server logs — with the probe's rules and codes. Exit 0 nothing failed, 1 a failure
 * was diagnosed, 2 a usage error or an input that cannot be read (named, with the place).
 */
import net from 'node:net';
import type { ArgumentsCamelCase, Argv } from 'yargs';
import { parsePortRange, ProbeOptionError } from '../probe/options.js';
import type { CommandBody } from './commands.js';
import { UsageError } from './errors.js';
import { emitReport, outputOptions, verdictExitCode, type OutputOptions } from './output.js';
import { runExplain, type ExplainOptions } from '../explain/run.js';
import { READERS } from '../explain/readers.js';
import type { ExplainReport } from '../report/model.js';

export interface ExplainArguments {
  files: string[];
  format?: string;
  session?: number;
  /** As typed: one entry per --port, each possibly comma-separated. */
  port?: (string | number)[];
  expectRange?: string;
  expectAddress?: string;
  allRemedies?: boolean;
  json: boolean;
  junit?: string;
  reportDir?: string;
}

function builder(yargs: Argv): Argv<ExplainArguments> {
  return yargs
    .positional('files', { type: 'string', array: true, describe: 'captures (pcap, pcapng, gzip) and logs (client, server, firewall); formats are detected by content' })
    .option('format', { type: 'string', describe: `read every file as this format instead of detecting it (${READERS.map((reader) => reader.format).join(', ') || 'none yet'})` })
    .option('session', { type: 'number', describe: 'only the Nth FTP session found (1-based, across the files in order)' })
    // One value per use (nargs 1): a bare array option would take the file names after it as ports.
    .option('port', { type: 'string', array: true, nargs: 1, requiresArg: true, describe: 'a control port other than 21 and 990 (repeat --port, or comma-separate: --port 2121,2122)' })
    .option('expect-range', { type: 'string', describe: 'passive ports the firewall allows, A-B' })
    .option('expect-address', { type: 'string', describe: 'the address 227 replies should carry (the public one)' })
    .option('all-remedies', { type: 'boolean', default: false, describe: 'show every server product\'s remedies, not only those of the server identified' })
    .options(outputOptions) as unknown as Argv<ExplainArguments>;
}

function controlPort(text: string): number {
  const port = /^\s*\d{1,5}\s*$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError(`--port must be a TCP port (1-65535), got ${JSON.stringify(text)}`);
  return port;
}

/** Command-line values into explain options; a bad value is a UsageError (exit 2). */
export function explainOptions(args: ExplainArguments): ExplainOptions {
  const options: ExplainOptions = {};
  if (args.format !== undefined) options.format = args.format;
  if (args.allRemedies) options.allRemedies = true;
  if (args.session !== undefined) {
    if (!Number.isInteger(args.session) || args.session < 1) throw new UsageError(`--session must be a whole number from 1${Number.isNaN(args.session) ? '' : `, got ${String(args.session)}`}`);
    options.session = args.session;
  }
  const ports = (args.port ?? []).flatMap((value) => String(value).split(',')).map(controlPort);
  if (ports.length > 0) options.controlPorts = ports;
  if (args.expectRange !== undefined) {
    try {
      options.expectRange = parsePortRange(args.expectRange);
    } catch (error) {
      if (error instanceof ProbeOptionError) throw new UsageError(error.message);
      throw error;
    }
  }
  if (args.expectAddress !== undefined) {
    if (net.isIP(args.expectAddress) === 0) throw new UsageError(`--expect-address must be an IP address, got ${JSON.stringify(args.expectAddress)}`);
    options.expectAddress = args.expectAddress;
  }
  return options;
}

export async function explainCommandMain(args: ExplainArguments, emit: (report: ExplainReport, options: OutputOptions) => Promise<void> = emitReport): Promise<number> {
  if (args.files.length === 0) throw new UsageError('explain needs at least one file: a capture or a log');
  const report = await runExplain(args.files, explainOptions(args));
  const output: OutputOptions = { json: args.json, ...(args.junit ? { junit: args.junit } : {}), ...(args.reportDir !== undefined ? { reportDir: args.reportDir } : {}) };
  await emit(report, output);
  return verdictExitCode(report);
}

export const explainCommand: CommandBody<ExplainArguments> = {
  builder,
  handler: async (args: ArgumentsCamelCase<ExplainArguments>) => {
    process.exitCode = await explainCommandMain(args);
  },
};
