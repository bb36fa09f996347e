/**
 * `--format nagios` on probe and check: the option both share and the one place the plugin line is
 * written. Its own module so that probe and check do not load anything else for it.
 */
import type { NagiosOutput } from '../report/nagios.js';
import { UsageError } from './errors.js';
import { writeUnguarded } from './guarded-streams.js';

export const NAGIOS_FORMAT_OPTION = {
  type: 'string',
  choices: ['nagios'],
  describe: 'nagios: one Nagios/Icinga plugin status line with performance data, and the plugin exit codes 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN',
} as const;

/** Writes the status line to stdout (where plugins must write it); returns the plugin exit code. */
export function writeNagios(output: NagiosOutput): number {
  // The renderer already sanitised and redacted the report; the guard would only re-scan one line.
  writeUnguarded(process.stdout, `${output.line}\n`);
  return output.exitCode;
}

/**
 * stdout is the plugin line alone: a JSON object there too would make it neither a plugin answer
 * nor the JSON contract. Said as a usage error (UNKNOWN 3) instead of silently dropping one.
 * --junit and --report-dir still write their files.
 */
export function refuseNagiosWithJson(args: { format?: string; json?: boolean }): void {
  if (args.format === 'nagios' && args.json) throw new UsageError('--format nagios prints one plugin status line; it cannot be combined with --json (use --report-dir DIR for report.json)');
}
