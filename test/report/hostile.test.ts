/**
 * Text a hostile server controls (replies, file names, rule names) must come out inert in every
 * format: no terminal escapes, no NUL, no markup, no CDATA terminator, no workflow command, no
 * password.
 */
import { describe, it, expect } from 'vitest';
import type { AnyReport, ScenarioRunReport } from '../../src/report/model.js';
import { renderTable } from '../../src/report/table.js';
import { renderJson } from '../../src/report/json.js';
import { renderJUnit } from '../../src/report/junit.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { renderHtml } from '../../src/report/html.js';
import { githubAnnotations } from '../../src/report/ci.js';
import { findAll, parseXml } from './xml.js';
import { withoutCode } from './markdown-prose.js';
import { HOSTILE, hostileProbe, scenarioRun } from './fixtures.js';

function hostileScenarios(): ScenarioRunReport {
  const run = scenarioRun();
  run.results[1]!.mismatches = [HOSTILE];
  run.results[1]!.title = HOSTILE;
  run.results[2]!.error = HOSTILE;
  run.results[0]!.trace[2]!.rule = HOSTILE;
  run.results[0]!.probe = hostileProbe();
  return run;
}

const reports: [string, AnyReport][] = [
  ['probe', hostileProbe()],
  ['scenarios', hostileScenarios()],
];

const renderers: [string, (report: AnyReport) => string][] = [
  ['table', (report) => renderTable(report, { color: false })],
  ['table in colour', (report) => renderTable(report, { color: true }).replace(/\u001b\[\d+m/g, '')],
  ['json', renderJson],
  ['junit', renderJUnit],
  ['markdown', renderMarkdown],
  ['html', renderHtml],
  ['annotations', (report) => githubAnnotations(report).join('\n')],
];

describe.each(reports)('hostile %s report', (_kind, report) => {
  it.each(renderers)('%s: no escape, NUL, bidi override, CR or password survives', (_format, render) => {
    const output = render(report);
    expect(output).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e]/);
    expect(output).not.toContain('\r');
    expect(output).not.toContain('s3cr3t-pw');
    expect(output).not.toContain('correct-horse');
    // The text itself is still there, visibly: evidence must stay honest.
    expect(output).toMatch(/evil/);
  });

  it('junit: well-formed, no raw ]]> or markup from the server', () => {
    const xml = renderJUnit(report);
    const root = parseXml(xml);
    expect(xml).not.toContain(']]>');
    expect(xml).not.toContain('<script>');
    expect(findAll(root, 'testcase').length).toBeGreaterThan(0);
    // Decoded, the text is what the server sent (minus the escapes we stripped).
    expect(xml.includes('&lt;script&gt;alert(1)&lt;/script&gt;')).toBe(true);
  });

  it('html: the server text is escaped, never markup', () => {
    const html = renderHtml(report);
    expect(html).not.toContain('<script>alert(1)</script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html.match(/<script>/g)).toHaveLength(1);
    expect(html).not.toMatch(/\]\]>/);
  });

  it('markdown: no raw HTML and no mention', () => {
    const text = renderMarkdown(report);
    const outsideCode = withoutCode(text);
    expect(outsideCode).not.toContain('<script>');
    expect(outsideCode).not.toMatch(/@admin/);
  });

  it('annotations: one line per command, nothing after a raw newline', () => {
    for (const line of githubAnnotations(report)) {
      expect(line).not.toMatch(/[\r\n]/);
      expect(line.startsWith('::error ') || line.startsWith('::warning ') || line.startsWith('::notice ')).toBe(true);
    }
  });

  it('json: parses, and its strings carry no control characters', () => {
    const strings: string[] = [];
    JSON.parse(renderJson(report), (_key, value: unknown) => {
      if (typeof value === 'string') strings.push(value);
      return value;
    });
    expect(strings.join('')).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u202e]/);
  });
});
