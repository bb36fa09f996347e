/**
 * `--report-dir DIR`: every format of one report side by side. The only file in src/report that
 * writes files (besides the step summary append in ci.ts, which GitHub asks for by name).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AnyReport } from './model.js';
import { renderFormats, type ReportFormatName } from './formats.js';

/** Where each format was written. */
export type ReportPaths = Record<ReportFormatName, string>;

/** Writes every format (report.json, junit.xml, report.md, report.html) into dir (created if missing). */
export async function writeReportDir(report: AnyReport, dir: string): Promise<ReportPaths> {
  await mkdir(dir, { recursive: true });
  // Render everything before writing anything, so a renderer bug cannot leave a half-written set.
  const rendered = renderFormats(report);
  const paths = Object.fromEntries(rendered.map(({ format }) => [format.name, join(dir, format.file)])) as ReportPaths;
  for (const { format, text } of rendered) await writeFile(paths[format.name], text, 'utf8');
  return paths;
}
