/**
 * A server's reply can carry a URL (`530 see https://evil.example/login`); GitHub links a bare
 * URL or `www.` name anywhere in a step summary, headings included. Every such token must reach
 * the Markdown inside a code span, whose fence its own backticks cannot close.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AnyReport } from '../../src/report/model.js';
import { codeSpan, escapeMarkdown, renderMarkdown } from '../../src/report/markdown.js';
import { appendStepSummary } from '../../src/report/ci.js';
import { withoutCode } from './markdown-prose.js';
import { blockedProbe, check, scenarioRun, sweep } from './fixtures.js';

const LINKS = 'see https://evil.example/login?next=x and www.evil.example and ftp://mirror.example/`pub` or http://a.example/|b';

function linkyReports(): [string, AnyReport][] {
  const probe = blockedProbe();
  probe.findings[0]!.title = `Login refused: 530 ${LINKS}`;
  probe.findings[0]!.explanation = `The server answered "530 ${LINKS}".`;
  probe.findings[0]!.remedies[0]!.text = LINKS;
  probe.steps[0]!.detail = `220 ${LINKS}`;
  const scenarios = scenarioRun();
  scenarios.results[1]!.title = LINKS;
  scenarios.results[1]!.mismatches = [LINKS];
  const checked = check();
  checked.targets[1]!.failures = [LINKS];
  checked.targets[2]!.error = LINKS;
  const swept = sweep();
  swept.findings = probe.findings;
  return [
    ['probe', probe],
    ['scenarios', scenarios],
    ['check', checked],
    ['sweep', swept],
  ];
}

describe('URLs from a server are never live links in Markdown', () => {
  it('escapeMarkdown puts each URL in a code span and escapes the prose around it', () => {
    const text = escapeMarkdown('go to https://x.example/a_b now *please*');
    expect(text).toBe('go to `https://x.example/a_b` now \\*please\\*');
    expect(escapeMarkdown('www.x.example')).toBe('`www.x.example`');
    // A URL with backticks gets a longer fence.
    expect(escapeMarkdown('http://x/`y`')).toBe(`${codeSpan('http://x/`y`')}`);
    expect(codeSpan('http://x/`y`')).toBe('`` http://x/`y` ``');
  });

  it.each(linkyReports())('%s: no URL outside code, headings included', (_kind, report) => {
    const markdown = renderMarkdown(report);
    const prose = withoutCode(markdown);
    expect(prose).not.toMatch(/:\/\//);
    expect(prose).not.toMatch(/www\./i);
    for (const heading of markdown.split('\n').filter((line) => line.startsWith('#'))) expect(withoutCode(heading)).not.toMatch(/:\/\/|www\./i);
    // The URL is still shown, verbatim, in code.
    expect(markdown).toContain('`https://evil.example/login?next=x`');
  });

  it('a pipe inside a URL does not split a table cell', () => {
    const markdown = renderMarkdown(linkyReports()[2]![1]);
    const row = markdown.split('\n').find((line) => line.startsWith('| production'))!;
    expect(row.replace(/\\\|/g, '').split('|')).toHaveLength(6);
  });

  it('the step summary file carries the same inert text', async () => {
    const directory = await mkdtemp(path.join(os.tmpdir(), 'fd-summary-'));
    const file = path.join(directory, 'summary.md');
    await appendStepSummary(renderMarkdown(linkyReports()[0]![1]), { GITHUB_STEP_SUMMARY: file });
    const written = await readFile(file, 'utf8');
    expect(written).toContain('Login refused');
    expect(withoutCode(written)).not.toMatch(/:\/\/|www\./i);
  });
});
