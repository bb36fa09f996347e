/**
 * The HTML report's order and size (issue 13, item 8): the verdict, where it failed and the
 * findings first, the evidence after; one collapsed diagram per control session with the failing
 * one open; one arrow for a multi-line reply; the catalogue as a summary and one collapsed section
 * per scenario.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { controlMessages, renderSequenceDiagram } from '../../src/report/diagram.js';
import { renderHtml } from '../../src/report/html.js';
import type { ScenarioRunReport, TranscriptLine } from '../../src/report/model.js';
import { blockedProbe, scenarioRun } from './fixtures.js';

const SAMPLE = path.resolve(import.meta.dirname, '../../reports/samples/report.json');
const catalogue = (): ScenarioRunReport => JSON.parse(readFileSync(SAMPLE, 'utf8')) as ScenarioRunReport;

function before(html: string, first: string, second: string): void {
  const a = html.indexOf(first);
  const b = html.indexOf(second);
  expect(a, `${first} is missing`).toBeGreaterThanOrEqual(0);
  expect(b, `${second} is missing`).toBeGreaterThanOrEqual(0);
  expect(a, `${first} comes before ${second}`).toBeLessThan(b);
}

const line = (t: number, session: string, direction: '<' | '>', text: string): TranscriptLine => ({ t, session, channel: 'control', direction, text });

describe('probe page order', () => {
  it('verdict, where it failed and findings come before steps and the sequence', () => {
    const html = renderHtml(blockedProbe());
    before(html, '<h1>', '<div class="callout">');
    before(html, '<div class="callout">', '<h2>Findings</h2>');
    before(html, '<h2>Findings</h2>', '<h2>Steps</h2>');
    before(html, '<h2>Steps</h2>', '<h2>Sequence</h2>');
    before(html, '<h2>Sequence</h2>', '<svg class="sequence"');
  });

  it('one collapsed diagram per session, the failing session open', () => {
    const probe = blockedProbe();
    probe.transcript.push(line(90, 'epsv', '>', 'EPSV'), line(91, 'epsv', '<', '229 Entering Extended Passive Mode (|||50200|)'));
    probe.connections.push({ t: 89, durationMs: 5, session: 'epsv', purpose: 'control', from: '198.51.100.10:40200', to: '203.0.113.5:21', outcome: 'connected' });
    const html = renderHtml(probe);
    const sessions = [...html.matchAll(/<details class="session"( open)?><summary>Session <code>([^<]+)<\/code>/g)].map((match) => [match[2], match[1] === ' open']);
    const failing = probe.connections.find((event) => event.outcome !== 'connected')?.session;
    expect(sessions.map(([session]) => session).sort()).toEqual([...new Set(probe.connections.map((event) => event.session))].sort());
    expect(sessions.filter(([, open]) => open)).toEqual([[failing, true]]);
    expect(html.match(/<svg class="sequence"/g)).toHaveLength(sessions.length);
  });
});

describe('multi-line replies', () => {
  const feat = [
    line(1, 'main', '>', 'FEAT'),
    line(2, 'main', '<', '211-Features:'),
    line(2, 'pasv', '<', '227 Entering Passive Mode (10,0,0,5,21,138)'),
    line(3, 'main', '<', ' EPSV'),
    line(3, 'main', '<', ' UTF8'),
    line(4, 'main', '<', '211 End'),
    line(5, 'main', '>', 'SYST'),
  ];

  it('a reply of many lines is one message, gathered per session', () => {
    const messages = controlMessages(feat);
    expect(messages.map((message) => [message.line.text, message.more.length])).toEqual([
      ['FEAT', 0],
      ['211-Features:', 3],
      ['227 Entering Passive Mode (10,0,0,5,21,138)', 0],
      ['SYST', 0],
    ]);
  });

  it('draws one arrow for it, naming its first and last line', () => {
    const svg = renderSequenceDiagram({ connections: [], transcript: feat.filter((entry) => entry.session === 'main'), trace: [] }, 'feat');
    expect(svg.match(/<line class="msg /g)).toHaveLength(3);
    expect(svg).toContain('211-Features: … 211 End (4 lines)');
  });

  it('a reply that never ends stops gathering at a command', () => {
    const messages = controlMessages([line(1, 'main', '<', '211-Features:'), line(2, 'main', '<', ' EPSV'), line(3, 'main', '>', 'QUIT'), line(4, 'main', '<', '221 Bye')]);
    expect(messages.map((message) => message.line.text)).toEqual(['211-Features:', 'QUIT', '221 Bye']);
  });
});

describe('catalogue page', () => {
  it('a summary first, then one collapsed section per scenario; the heading says the expectations were met', () => {
    const report = catalogue();
    const html = renderHtml(report);
    before(html, '<h1>', '<table>');
    before(html, '<table>', '<details class="scenario"');
    const sections = [...html.matchAll(/<details class="scenario" id="[^"]+"( open)?>/g)];
    expect(sections).toHaveLength(report.results.length);
    expect(sections.filter((match) => match[1])).toEqual([]);
    const heading = /<h1>[\s\S]*?<\/h1>/.exec(html)?.[0] ?? '';
    expect(heading).toContain('every expectation met');
    expect(heading).not.toMatch(/>pass</);
    for (const column of ['Expected', 'Observed', 'Met']) expect(html).toContain(`<th>${column}</th>`);
  });

  it('an unmet or broken scenario is open', () => {
    const html = renderHtml(scenarioRun());
    expect(html).toContain('<details class="scenario" id="scenario-pasv-outside-range" open>');
    expect(html).toContain('<details class="scenario" id="scenario-ftps-breaks-inspection" open>');
    expect(html).toContain('<details class="scenario" id="scenario-control-channel-only">');
  });
});
