/**
 * How every command that produces a report hands it to the user: the terminal table (or the
 * contract JSON with --json), JUnit with --junit, the report directory, and GitHub Actions
 * annotations and step summary when running there. Shared so `--json`, `--junit` and
 * `--report-dir` mean the same on every command (docs/json-report.md, docs/exit-codes.md).
 */
import { mkdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { AnyReport } from '../report/model.js';
import { UsageError } from './errors.js';
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
  junit: { type: 'string', describe: 'also write a JUnit XML file here (missing directories are created inside the current directory; elsewhere only the last one)' },
  'report-dir': { type: 'string', describe: 'also write report.json, junit.xml, report.md and report.html into this directory (missing directories are created inside the current directory; elsewhere only the last one)' },
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
    const junit = options.junit;
    await asUsageError(`--junit ${junit}`, async () => {
      await ensureDirectory(path.dirname(path.resolve(junit)), `--junit ${junit}`);
      await writeFile(junit, renderJUnit(report));
    });
    // Said on stderr, so it never mixes with the table or the --json object on stdout.
    process.stderr.write(`JUnit report written to ${junit}\n`);
  }
  if (options.reportDir && options.reportDir !== 'none') {
    const dir = options.reportDir;
    const paths = await asUsageError(`--report-dir ${dir}`, async () => {
      await ensureDirectory(path.resolve(dir), `--report-dir ${dir}`);
      return writeReportDir(report, dir);
    });
    process.stderr.write(`reports written to ${path.relative(process.cwd(), path.dirname(paths.json)) || '.'}/ (report.html, report.md, junit.xml, report.json)\n`);
  }
}

/**
 * The directory a report goes into: used if it exists; inside the current directory, created with
 * any missing directories above it (`--report-dir reports/probe` in a fresh CI checkout);
 * elsewhere created only if the directory above it exists. A mistyped path elsewhere
 * (`/nonexist/dir/j.xml`) must not leave a tree of new directories behind at the file system's
 * root (curl creates them only when asked, with --create-dirs).
 */
async function ensureDirectory(dir: string, what: string): Promise<void> {
  const kind = await fileKind(dir);
  if (kind === 'directory') return;
  if (kind === 'other') throw new UsageError(`${what}: ${dir} exists and is not a directory`);
  const fromHere = path.relative(process.cwd(), dir);
  if (fromHere !== '' && !fromHere.startsWith('..') && !path.isAbsolute(fromHere)) {
    await mkdir(dir, { recursive: true });
    return;
  }
  const parent = path.dirname(dir);
  const parentKind = await fileKind(parent);
  if (parentKind === 'missing') throw new UsageError(`${what}: the directory ${parent} does not exist (outside the current directory only the last directory of the path is created)`);
  if (parentKind === 'other') throw new UsageError(`${what}: ${parent} is not a directory`);
  await mkdir(dir);
}

async function fileKind(file: string): Promise<'directory' | 'other' | 'missing'> {
  try {
    return (await stat(file)).isDirectory() ? 'directory' : 'other';
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw error;
  }
}

/** What the system errors a user can meet writing a report mean, in words (not errno names alone). */
const FILE_ERRORS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'the file system is read-only',
  EISDIR: 'it is a directory',
  ENOTDIR: 'a part of the path is not a directory',
  EEXIST: 'it already exists and is not a directory',
  ENAMETOOLONG: 'the name is too long',
  ELOOP: 'too many symbolic links',
  EFBIG: 'the file is too large',
  EIO: 'input/output error',
  ENXIO: 'no such device',
};

/**
 * A report file that cannot be written is the user's to fix (a full disk, a path that is a file,
 * no permission): one line naming the option, the path and the problem, exit 2 — not an internal error.
 */
async function asUsageError<T>(what: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (error instanceof UsageError || typeof code !== 'string' || !/^E[A-Z]+$/.test(code)) throw error;
    const where = (error as NodeJS.ErrnoException).path;
    const words = FILE_ERRORS[code] ?? (error as Error).message.replace(/^E[A-Z]+: /, '').replace(/, \w+ '.*'$/, '');
    throw new UsageError(`${what}: cannot write${where !== undefined ? ` ${where}` : ''}: ${words} (${code})`);
  }
}

export function verdictExitCode(report: { verdict: 'pass' | 'fail' }): number {
  return report.verdict === 'pass' ? 0 : 1;
}
