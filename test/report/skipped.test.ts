/**
 * A scenario the backend cannot reproduce (netns has no EPSV-blind helper, …) is skipped, not
 * passed and not failed: every renderer says so with the reason, and the summaries count it.
 */
import { describe, expect, it } from 'vitest';
import type { ScenarioResult, ScenarioRunReport } from '../../src/report/model.js';
import { renderTable } from '../../src/report/table.js';
import { renderJUnit } from '../../src/report/junit.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { renderHtml } from '../../src/report/html.js';
import { githubAnnotations } from '../../src/report/ci.js';
import { countScenarios, describeScenarioCounts, scenarioState } from '../../src/report/format.js';
import { findAll, parseXml } from './xml.js';
import { healthyProbe, scenarioRun } from './fixtures.js';

const REASON = 'not reproducible on the real kernel: nf_conntrack_ftp always understands EPSV';

function skippedResult(): ScenarioResult {
  return {
    id: 'epsv-blind-alg',
    title: 'An old ALG that does not understand EPSV',
    description: 'EPSV data connections are dropped; PASV works.',
    source: 'scenarios/epsv-blind-alg.yaml',
    expectationMet: true,
    mismatches: [],
    expected: { verdict: 'fail', findings: ['EPSV_BLOCKED'] },
    backend: 'netns',
    probe: { ...healthyProbe(), verdict: 'fail', steps: [], findings: [], transcript: [], connections: [] },
    trace: [],
    skipped: REASON,
    durationMs: 0,
  };
}

function run(): ScenarioRunReport {
  const base = scenarioRun();
  return { ...base, results: [...base.results, skippedResult()] };
}

describe('skipped scenarios', () => {
  it('state and counts: a skip is neither met nor unmet', () => {
    expect(scenarioState(skippedResult())).toBe('skipped');
    const counts = countScenarios(run().results);
    expect(counts).toEqual({ met: 1, unmet: 1, error: 1, skipped: 1, total: 4 });
    expect(describeScenarioCounts(counts)).toBe('1 of 4 scenarios met their expectation, 1 unmet, 1 tool error, 1 skipped');
    expect(describeScenarioCounts(countScenarios([]))).toBe('0 of 0 scenarios met their expectation');
  });

  it('table: the row says "skipped: reason", no verdict, and the summary counts it', () => {
    const text = renderTable(run(), { color: false, width: 400 });
    const row = text.split('\n').find((line) => line.includes('epsv-blind-alg')) ?? '';
    expect(row).toContain('- skipped');
    expect(row).toContain(`skipped: ${REASON}`);
    expect(row).not.toContain('FAIL');
    expect(text).toContain('1 of 4 scenarios met their expectation, 1 unmet, 1 tool error, 1 skipped');
  });

  it('JUnit: <skipped message="reason"> and no failure, counted in the attributes', () => {
    const root = parseXml(renderJUnit(run()));
    const testcase = findAll(root, 'testcase').find((element) => element.attributes.name?.startsWith('epsv-blind-alg'));
    expect(testcase?.children.map((child) => child.name)).toEqual(['skipped', 'system-out']);
    expect(testcase?.children[0]?.attributes.message).toBe(REASON);
    expect(root.attributes.skipped).toBe('1');
    expect(root.attributes.failures).toBe('1');
    expect(root.attributes.errors).toBe('1');
  });

  it('JUnit: a run with only a skip has no failure at all', () => {
    const root = parseXml(renderJUnit({ ...run(), verdict: 'pass', results: [skippedResult()] }));
    expect(root.attributes).toMatchObject({ tests: '1', failures: '0', errors: '0', skipped: '1' });
  });

  it('Markdown: badge, reason and count', () => {
    const text = renderMarkdown(run());
    const row = text.split('\n').find((line) => line.includes('epsv-blind-alg')) ?? '';
    expect(row).toContain('⏭️ skipped');
    expect(row).toContain('skipped: not reproducible on the real kernel: nf\\_conntrack\\_ftp always understands EPSV');
    expect(row).not.toContain('❌');
    expect(text).toContain('1 of 4 scenarios met their expectation, 1 unmet, 1 tool error, 1 skipped');
  });

  it('HTML: a skipped badge and the reason instead of an empty diagram', () => {
    const html = renderHtml(run());
    const section = html.slice(html.indexOf('<details class="scenario" id="scenario-epsv-blind-alg">'));
    expect(section).toContain('<span class="badge skip">skipped</span>');
    expect(section).toContain(`Skipped: ${REASON}`);
    expect(section.slice(0, section.indexOf('</details>'))).not.toContain('<svg');
    expect(html).toContain('1 of 4 scenarios met their expectation, 1 unmet, 1 tool error, 1 skipped');
  });

  it('GitHub annotations: a notice, not an error', () => {
    const lines = githubAnnotations({ ...run(), results: [skippedResult()] });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^::notice title=scenario epsv-blind-alg%3A skipped on netns::not reproducible/);
  });
});
