/**
 * How every command that produces a report hands it to the user: the terminal table (or the
 * contract JSON with --json), JUnit with --junit, the report directory, and GitHub Actions
 * annotations and step summary when running there. Shared so `--json`, `--junit` and
 * `--report-dir` mean the same on every command (docs/json-report.md, docs/exit-codes.md).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { AnyReport } from '../report/model.js';
import { writeUnguarded } from './guarded-streams.js';
import { appendStepSummary, githubAnnotations, renderJson, renderJUnit, renderMarkdown, renderTable, shouldUseColor, writeReportDir } from '../report/index.js';

export interface OutputOptions {
  json?: boolean;
  junit?: string;
  /** Where report.json, junit.xml, report.md and report.html go; '' or 'none' writes none. */
  reportDir?: string;
}

/**
 * yargs option definitions shared by probe, sweep, check and scenarios run. Files are written only
 * when asked (--junit, --report-dir): a diagnostic run must not leave files behind in whatever
 * directory it was started from.
 */
export const outputOptions = {
  json: { type: 'boolean', default: false, describe: 'print the report as one JSON object (schema: docs/json-report.md)' },
  junit: { type: 'string', describe: 'also write a JUnit XML file here' },
  'report-dir': { type: 'string', describe: 'also write report.json, junit.xml, report.md and report.html into this directory' },
} as const;

/** The terminal width the table is fitted to: the terminal's own, else 80 columns (a pipe, a CI log). */
export function tableWidth(stream: { isTTY?: boolean; columns?: number }): number {
  return stream.isTTY && stream.columns ? Math.max(60, Math.min(stream.columns, 200)) : 80;
}

export async function emitReport(report: AnyReport, options: OutputOptions, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  if (options.json) {
    writeUnguarded(process.stdout, `${renderJson(report)}\n`);
  } else {
    process.stdout.write(`${renderTable(report, { color: shouldUseColor(process.stdout, env), width: tableWidth(process.stdout) })}\n`);
  }
  await writeReportFiles(report, options);
  if (env.GITHUB_ACTIONS === 'true') {
    // Annotations go to stdout only when stdout is not the JSON contract. Past the guard: they are
    // built from the redacted report, and the guard would turn a password such as `error` or
    // `title` into `::*** title=…`, which the runner no longer reads as an annotation.
    for (const line of githubAnnotations(report)) writeUnguarded(options.json ? process.stderr : process.stdout, `${line}\n`);
  }
  await appendStepSummary(renderMarkdown(report), env);
}

/**
 * The files asked for with --junit and --report-dir, each announced on stderr. Also used by
 * `--format nagios`, whose stdout is the plugin line alone but whose files are asked for all the
 * same (a monitoring check that keeps the HTML report of its last run).
 */
export async function writeReportFiles(report: AnyReport, options: OutputOptions): Promise<void> {
  if (options.junit) {
    await mkdir(path.dirname(path.resolve(options.junit)), { recursive: true });
    await writeFile(options.junit, renderJUnit(report));
    // Said on stderr, so it never mixes with the table or the --json object on stdout.
    process.stderr.write(`JUnit report written to ${options.junit}\n`);
  }
  if (options.reportDir && options.reportDir !== 'none') {
    const paths = await writeReportDir(report, options.reportDir);
    process.stderr.write(`reports written to ${path.relative(process.cwd(), path.dirname(paths.json)) || '.'}/ (report.html, report.md, junit.xml, report.json)\n`);
  }
}

export function verdictExitCode(report: { verdict: 'pass' | 'fail' }): number {
  return report.verdict === 'pass' ? 0 : 1;
}
