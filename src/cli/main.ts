#!/usr/bin/env node
/**
 * The CLI entry point: yargs wiring, and the one place that turns outcomes into exit codes.
 * Usage mistakes and internal failures exit 2 with one line, never a stack trace.
 */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { VERSION } from '../version.js';
import { DataFileError } from '../config/data-file-error.js';
import { UsageError } from './errors.js';
import { commandsFor } from './commands.js';
import { guardStream } from './guarded-streams.js';

/** --help or --version asked for: only then does yargs' help text reach a person. */
const helpRequested = (argv: readonly string[]): boolean => argv.length === 0 || argv.some((argument) => argument === '--help' || argument === '-h' || argument === '--version');

/** `--format nagios` anywhere on the command line (checked without loading the renderer). */
const nagiosRequested = (argv: readonly string[]): boolean => argv.some((argument, index) => argument === '--format=nagios' || (argument === '--format' && argv[index + 1] === 'nagios'));

// Before anything is written: no message, log line or progress line may show a known password.
guardStream(process.stdout);
guardStream(process.stderr);

export async function main(argv: string[]): Promise<number> {
  try {
    const parser = yargs(argv)
      .scriptName('ftp-doctor')
      .command(await commandsFor(argv[0]))
      .demandCommand(1, 'Say which command to run (see --help).')
      .strict()
      .fail((message: string | undefined, error: Error | undefined) => {
        if (error) throw error;
        throw new UsageError(message ?? 'invalid arguments');
      })
      .version(VERSION)
      .help();
    // yargs renders and caches the whole help text, wrapped, as each command starts (for a failure
    // message we never show: .fail throws). Wrapping is most of that work (~0.1 s of CPU, spent
    // while the probe is timing its first steps), so help nobody asked for is left unwrapped.
    if (!helpRequested(argv)) parser.wrap(null);
    await parser.parseAsync();
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    // A plugin run (--format nagios) that cannot judge says UNKNOWN (3) on stdout, as the plugin guidelines ask.
    if (nagiosRequested(argv)) {
      const { renderNagiosUnknown } = await import('../report/nagios.js');
      process.stdout.write(`${renderNagiosUnknown((error as Error).message ?? String(error)).line}\n`);
      return 3;
    }
    // A bad command line or a bad scenario/policy file is the user's to fix: one sentence, exit 2.
    if (error instanceof UsageError || error instanceof DataFileError) {
      process.stderr.write(`ftp-doctor: ${error.message}\n`);
    } else {
      process.stderr.write(`ftp-doctor: internal error: ${(error as Error).message ?? String(error)}\n`);
    }
    return 2;
  }
}

/**
 * A bug that escapes every handler must not exit 1: CI gates read 1 as "the network failed the
 * check". Say it in one line and exit 2, as for any failure of the tool itself.
 */
function crashed(error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`ftp-doctor: internal error: ${message}\n`);
  process.exit(2);
}
process.on('uncaughtException', crashed);
process.on('unhandledRejection', crashed);

// No top-level await: the standalone executable runs this file bundled as CommonJS.
void main(hideBin(process.argv)).then((code) => {
  process.exitCode = code;
});
