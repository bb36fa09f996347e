/**
 * `--report-dir DIR`: every format of one report side by side. The only file in src/report that
 * writes files (besides the step summary append in ci.ts, which GitHub asks for by name).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AnyReport } from './model.js';
import { renderJson } from './json.js';
import { renderJUnit } from './junit.js';
import { renderMarkdown } from './markdown.js';
import { renderHtml } from './html.js';

export interface ReportPaths {
  json: string;
  junit: string;
  markdown: string;
  html: string;
}

/** Writes report.json, junit.xml, report.md and report.html into dir (created if missing). */
export async function writeReportDir(report: AnyReport, dir: string): Promise<ReportPaths> {
  await mkdir(dir, { recursive: true });
  const paths: ReportPaths = {
    json: join(dir, 'report.json'),
    junit: join(dir, 'junit.xml'),
    markdown: join(dir, 'report.md'),
    html: join(dir, 'report.html'),
  };
  // Render everything before writing anything, so a renderer bug cannot leave a half-written set.
  const contents: [string, string][] = [
    [paths.json, renderJson(report)],
    [paths.junit, renderJUnit(report)],
    [paths.markdown, renderMarkdown(report)],
    [paths.html, renderHtml(report)],
  ];
  for (const [path, text] of contents) await writeFile(path, text, 'utf8');
  return paths;
}
