import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, expect } from 'vitest';
import { renderFormats } from '../../src/report/formats.js';
import { sanitizeReport } from '../../src/report/sanitize.js';
import { writeReportDir } from '../../src/report/write.js';
import { renderHtml } from '../../src/report/html.js';
import { parseXml } from './xml.js';
import { scenarioRun } from './fixtures.js';

describe('writeReportDir', () => {
  it('creates the directory and writes all four formats', async () => {
    const base = await mkdtemp(join(tmpdir(), 'ftp-doctor-reports-'));
    try {
      const dir = join(base, 'nested', 'run-1');
      const report = scenarioRun();
      const paths = await writeReportDir(report, dir);
      expect(paths).toEqual({ json: join(dir, 'report.json'), junit: join(dir, 'junit.xml'), markdown: join(dir, 'report.md'), html: join(dir, 'report.html') });
      expect(JSON.parse(await readFile(paths.json, 'utf8')).kind).toBe('scenarios');
      expect(parseXml(await readFile(paths.junit, 'utf8')).name).toBe('testsuites');
      expect(await readFile(paths.markdown, 'utf8')).toContain('## Scenarios');
      expect(await readFile(paths.html, 'utf8')).toBe(renderHtml(report));
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  });
});

describe('the report formats', () => {
  it('every format renders from one sanitised copy, the same text as its renderer alone', () => {
    const report = scenarioRun();
    const rendered = renderFormats(report);
    expect(rendered.map(({ format }) => format.file)).toEqual(['report.json', 'junit.xml', 'report.md', 'report.html']);
    for (const { format, text } of rendered) expect(text, format.name).toBe(format.render(report));
  });

  it('sanitising a sanitised report returns it as it is; a new report is copied', () => {
    const report = scenarioRun();
    const clean = sanitizeReport(report);
    expect(clean).not.toBe(report);
    expect(sanitizeReport(clean)).toBe(clean);
    expect(sanitizeReport(structuredClone(clean))).not.toBe(clean);
  });
});
