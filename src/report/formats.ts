/**
 * The report file formats, once: name, the file `--report-dir` and the samples write, and the
 * renderer. `renderFormats` sanitises the report once and hands the clean copy to every renderer
 * (each renderer's own sanitizeReport then returns it as it is).
 */
import type { AnyReport } from './model.js';
import { renderHtml } from './html.js';
import { renderJson } from './json.js';
import { renderJUnit } from './junit.js';
import { renderMarkdown } from './markdown.js';
import { sanitizeReport } from './sanitize.js';

export interface ReportFormat {
  name: 'json' | 'junit' | 'markdown' | 'html';
  file: string;
  render(report: AnyReport): string;
}

export const REPORT_FORMATS = [
  { name: 'json', file: 'report.json', render: renderJson },
  { name: 'junit', file: 'junit.xml', render: renderJUnit },
  { name: 'markdown', file: 'report.md', render: renderMarkdown },
  { name: 'html', file: 'report.html', render: renderHtml },
] as const satisfies readonly ReportFormat[];

export type ReportFormatName = (typeof REPORT_FORMATS)[number]['name'];
export type ReportFileName = (typeof REPORT_FORMATS)[number]['file'];

/** Every format of one report, rendered from one sanitised copy. */
export function renderFormats(report: AnyReport): { format: ReportFormat; text: string }[] {
  const clean = sanitizeReport(report);
  return REPORT_FORMATS.map((format) => ({ format, text: format.render(clean) }));
}
