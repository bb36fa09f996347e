import { describe, it, expect } from 'vitest';
import { renderTable, shouldUseColor } from '../../src/report/table.js';
import { blockedProbe, check, healthyProbe, scenarioRun, sweep } from './fixtures.js';

const ESC = '\u001b';

describe('shouldUseColor', () => {
  it.each([
    [true, {}, true],
    [false, {}, false],
    [undefined, {}, false],
    [true, { NO_COLOR: '1' }, false],
    [true, { NO_COLOR: '' }, true],
    [false, { FORCE_COLOR: '1' }, true],
    [false, { FORCE_COLOR: '' }, true],
    [true, { FORCE_COLOR: '0' }, false],
    [true, { FORCE_COLOR: 'false' }, false],
    [false, { FORCE_COLOR: '1', NO_COLOR: '1' }, true],
    [true, { TERM: 'dumb' }, false],
  ] as [boolean | undefined, Record<string, string>, boolean][])('isTTY=%s env=%j → %s', (isTTY, env, expected) => {
    expect(shouldUseColor(isTTY === undefined ? {} : { isTTY }, env)).toBe(expected);
  });
});

describe('renderTable', () => {
  it('emits no escape sequences without colour, even where the reports are red', () => {
    for (const report of [healthyProbe(), blockedProbe(), scenarioRun(), sweep(), check()]) {
      expect(renderTable(report, { color: false })).not.toContain(ESC);
    }
  });

  it('colours the verdict when asked', () => {
    expect(renderTable(blockedProbe(), { color: true })).toContain(`${ESC}[31mFAIL${ESC}[0m`);
  });

  it('probe: steps, where it failed, findings with evidence and remedies grouped by product', () => {
    const text = renderTable(blockedProbe(), { color: false, width: 200 });
    for (const heading of ['Step', 'Mode', 'Result', 'Time', 'Detail']) expect(text).toContain(heading);
    expect(text).toContain('✗ fail');
    expect(text).toContain('Where it failed: data SYN to 203.0.113.5:50123 dropped by edge firewall: no rule matched, policy drop');
    expect(text).toContain('ERROR DATA_CHANNEL_BLOCKED: Login works but the data connection is dropped');
    expect(text).toContain('< 227 Entering Passive Mode (203,0,113,5,195,203)');
    // Two nftables remedies under one product heading.
    expect(text.match(/^ {4}nftables$/gm)).toHaveLength(1);
    expect(text).toContain('$ modprobe nf_conntrack_ftp');
  });

  it('healthy probe says there are no findings', () => {
    expect(renderTable(healthyProbe(), { color: false })).toContain('No findings.');
  });

  it('scenarios: expected, observed and met for each scenario, details for mismatches', () => {
    const text = renderTable(scenarioRun(), { color: false, width: 150 });
    for (const heading of ['Scenario', 'Expected', 'Observed', 'Met']) expect(text).toMatch(new RegExp(`│ ${heading}\\s`));
    expect(text).toMatch(/control-channel-only\s*│ fail\s*│ fail\s*│ ✓ yes/);
    expect(text).toMatch(/pasv-outside-range\s*│ fail\s*│ fail\s*│ ✗ no/);
    expect(text).toMatch(/ftps-breaks-inspection\s*│ fail\s*│ tool error: TypeError[^│]*│ ! error/);
    expect(text).toContain('edge firewall: policy drop');
    expect(text).toContain('1 of 3 scenarios met their expectation, 1 unmet, 1 tool error');
    expect(text).toContain('✗ expected finding PASV_PORT_OUT_OF_RANGE');
    expect(text).toContain('tool error: TypeError');
  });

  it('scenarios: the heading never says PASS over rows of expected failures', () => {
    const run = scenarioRun();
    run.results = run.results.filter((result) => result.expectationMet);
    run.verdict = 'pass';
    const first = renderTable(run, { color: false }).split('\n')[0] ?? '';
    expect(first).toContain('every expectation met');
    expect(first).not.toContain('PASS');
    expect(renderTable(scenarioRun(), { color: false }).split('\n')[0]).toContain('2 of 3 not met');
  });

  it('sweep: folded spans', () => {
    const text = renderTable(sweep(), { color: false });
    expect(text).toContain('5500-5519 open, 5520-5525 dropped');
    expect(text).toContain('tested 26 of 26 ports');
  });

  it('check: one row per target', () => {
    const text = renderTable(check(), { color: false, width: 150 });
    for (const name of ['staging', 'production', 'broken']) expect(text).toContain(name);
    expect(text).toContain('tool error: spawn failed: EMFILE');
  });
});
