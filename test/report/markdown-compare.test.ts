/**
 * `scenarios run --compare` reports: every scenario once per backend in one flat list. The
 * Markdown (GitHub step summary) must pair them again, say which backend said what, count
 * agreements, put disagreements first and show the kernel's rule counters for netns runs.
 */
import { describe, expect, it } from 'vitest';
import { renderMarkdown } from '../../src/report/markdown.js';
import { agreementOf, compareBackends, describeAgreement } from '../../src/report/compare.js';
import type { ScenarioResult, ScenarioRunReport, TraceEntry } from '../../src/report/model.js';
import { blockedProbe, blockedTrace, healthyProbe, scenarioRun } from './fixtures.js';

const KERNEL_COUNTERS: TraceEntry[] = [
  { t: 5100, at: 'edge', connection: '*', decision: 'accept', rule: 'tcp dport 21 accept', detail: '12 packets, 840 bytes (kernel counter edge/allow)' },
  { t: 5100, at: 'edge', connection: '*', decision: 'drop', rule: 'policy drop (passive range closed)', detail: '3 packets, 180 bytes (kernel counter edge/policy)' },
];

function result(id: string, backend: ScenarioResult['backend'], outcome: 'blocked' | 'healthy', expectationMet: boolean): ScenarioResult {
  const blocked = outcome === 'blocked';
  return {
    id,
    title: id === 'agreeing-scenario' ? 'Only port 21 is open' : 'The ALG rewrites PASV',
    description: 'test scenario',
    source: `scenarios/${id}.yaml`,
    expectationMet,
    mismatches: expectationMet ? [] : [`expected verdict fail, got ${blocked ? 'fail' : 'pass'}`],
    expected: { verdict: 'fail', findings: ['DATA_CHANNEL_BLOCKED'], failingStep: 'data:pasv' },
    backend,
    probe: blocked ? blockedProbe() : healthyProbe(),
    ...(blocked ? { failure: { step: 'data:pasv', hop: 'edge firewall', rule: 'policy drop' } } : {}),
    trace: backend === 'netns' ? KERNEL_COUNTERS : blocked ? blockedTrace() : [],
    durationMs: 5200,
  };
}

/** As the CLI merges it: all sim results, then all netns results, catalogue order in each. */
function compareRun(): ScenarioRunReport {
  return {
    tool: 'ftp-doctor',
    version: '0.1.0',
    schemaVersion: 1,
    kind: 'scenarios',
    verdict: 'fail',
    startedAt: '2024-05-06T07:08:09.123Z',
    durationMs: 20_800,
    results: [
      result('agreeing-scenario', 'sim', 'blocked', true),
      result('disagreeing-scenario', 'sim', 'blocked', true),
      result('agreeing-scenario', 'netns', 'blocked', true),
      result('disagreeing-scenario', 'netns', 'healthy', false),
    ],
  };
}

/** The table rows (lines starting with `| \``), in order. */
function tableRows(text: string): string[] {
  return text.split('\n').filter((line) => line.startsWith('| `'));
}

describe('compareBackends', () => {
  it('pairs results by scenario, disagreements first, and counts them', () => {
    const run = compareBackends(compareRun().results);
    expect(run.backends).toEqual(['sim', 'netns']);
    expect(run.scenarios.map((scenario) => [scenario.id, scenario.agreement])).toEqual([
      ['disagreeing-scenario', 'disagree'],
      ['agreeing-scenario', 'agree'],
    ]);
    expect(run.scenarios[0]?.results.map((paired) => paired?.backend)).toEqual(['sim', 'netns']);
    expect(describeAgreement(run)).toBe('1 of 2 scenarios agree across sim and netns, 1 disagrees');
  });

  it('a skipped, broken or missing side is neither agreement nor disagreement', () => {
    const sim = result('agreeing-scenario', 'sim', 'blocked', true);
    const netns = result('agreeing-scenario', 'netns', 'blocked', true);
    expect(agreementOf([sim, netns])).toBe('agree');
    expect(agreementOf([sim, { ...netns, skipped: 'the kernel has no EPSV-blind helper' }])).toBe('incomparable');
    expect(agreementOf([sim, { ...netns, error: 'spawn nft: ENOENT' }])).toBe('incomparable');
    expect(agreementOf([sim, undefined])).toBe('incomparable');
  });

  it('warnings do not make a disagreement; a different error finding does', () => {
    const sim = result('agreeing-scenario', 'sim', 'blocked', true);
    const netns = result('agreeing-scenario', 'netns', 'blocked', true);
    const warning = { ...netns.probe.findings[0]!, code: 'TLS_CERTIFICATE_SELF_SIGNED' as const, severity: 'warning' as const };
    expect(agreementOf([sim, { ...netns, probe: { ...netns.probe, findings: [...netns.probe.findings, warning] } }])).toBe('agree');
    const other = { ...netns.probe.findings[0]!, code: 'PASV_PORT_OUT_OF_RANGE' as const };
    expect(agreementOf([sim, { ...netns, probe: { ...netns.probe, findings: [other] } }])).toBe('disagree');
  });
});

describe('renderMarkdown for a --compare run', () => {
  const text = renderMarkdown(compareRun());

  it('one row per scenario with a column per backend and an agree column', () => {
    expect(text).toContain('## Scenarios (sim vs netns): ❌ fail');
    expect(text).toContain('| Scenario | sim | netns | Agree |');
    const rows = tableRows(text);
    expect(rows).toHaveLength(2);
    // Each scenario once, not twice in identical rows.
    expect(text.match(/\| `agreeing-scenario`/g)).toHaveLength(1);
  });

  it('states how many scenarios agree, and how each backend did against its expectation', () => {
    expect(text).toContain('**1 of 2 scenarios agree across sim and netns, 1 disagrees.**');
    expect(text).toContain('sim: 2 of 2 scenarios met their expectation; netns: 1 of 2 scenarios met their expectation, 1 unmet');
  });

  it('lists the disagreement first, with both backends\' findings', () => {
    const rows = tableRows(text);
    expect(rows[0]).toMatch(/^\| `disagreeing-scenario` .*\| ❌ no \|$/);
    expect(rows[0]).toContain('❌ fail `DATA_CHANNEL_BLOCKED`');
    expect(rows[0]).toContain('✅ pass<br>expectation ❌ unmet');
    expect(rows[1]).toMatch(/^\| `agreeing-scenario` .*\| ✅ yes \|$/);
    const section = text.indexOf('### ❌ sim and netns disagree: `disagreeing-scenario`');
    expect(section).toBeGreaterThan(text.indexOf(rows[1]!));
    const body = text.slice(section, text.indexOf('\n###', section + 1));
    expect(body).toContain('- **sim**: ❌ fail, expectation ✅ met, data channel failed at step data:pasv, hop edge firewall, rule policy drop');
    expect(body).toContain('  - ❌ error `DATA_CHANNEL_BLOCKED` Login works but the data connection is dropped');
    expect(body).toContain('- **netns**: ✅ pass, expectation ❌ unmet');
    expect(body).toContain('  - no findings');
  });

  it('names the backend of an unmet expectation', () => {
    expect(text).toContain('### `disagreeing-scenario` The ALG rewrites PASV (netns)');
    expect(text).toContain('- expected verdict fail, got pass');
  });

  it('shows the kernel per-rule counters of netns runs, folded, and not the simulator trace', () => {
    expect(text).toContain('<details><summary>Kernel rule counters: <code>disagreeing-scenario</code> (netns)</summary>');
    expect(text).toContain('<details><summary>Kernel rule counters: <code>agreeing-scenario</code> (netns)</summary>');
    expect(text).toContain('| Hop | Decision | Rule | Counter |');
    expect(text).toContain('| edge firewall | drop | policy drop \\(passive range closed\\) | 3 packets, 180 bytes \\(kernel counter edge/policy\\) |');
    expect(text).not.toContain('(sim)</summary>');
    expect(text.match(/<details>/g)).toHaveLength(2);
    expect(text.match(/<\/details>/g)).toHaveLength(2);
  });

  it('a skipped netns side says why and is not counted either way', () => {
    const report = compareRun();
    report.results[2] = { ...report.results[2]!, skipped: 'the kernel has no EPSV-blind helper', trace: [] };
    const skipped = renderMarkdown(report);
    expect(skipped).toContain('**0 of 2 scenarios agree across sim and netns, 1 disagrees, 1 not comparable');
    expect(skipped).toContain('⏭️ skipped: the kernel has no EPSV-blind helper');
    expect(tableRows(skipped)[1]).toMatch(/\| - \|$/);
  });

  it('a single-backend run keeps the plain table', () => {
    const plain = renderMarkdown(scenarioRun());
    expect(plain).toContain('| Scenario | Expected | Observed | Met |');
    // Expected failures that happened are the catalogue passing: never "pass" over a column of fails.
    expect(plain).not.toMatch(/^## Scenarios: ✅ pass/m);
    expect(plain).not.toContain('| Agree |');
    expect(plain).not.toContain('Kernel rule counters');
  });
});
