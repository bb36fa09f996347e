import { describe, it, expect } from 'vitest';
import { codeBlock, codeSpan, escapeMarkdown, renderMarkdown } from '../../src/report/markdown.js';
import { blockedProbe, check, healthyProbe, scenarioRun, sweep } from './fixtures.js';

describe('markdown escaping', () => {
  it('escapes HTML, Markdown syntax and mentions in prose', () => {
    const text = escapeMarkdown('<b>*bold*</b> | [link](x) @octocat');
    expect(text).not.toMatch(/<b>|\*bold\*|\[link\]/);
    expect(text).toContain('&lt;b&gt;');
    expect(text).toContain('\\|');
    expect(text).not.toMatch(/@octocat/);
  });
  it('code spans and blocks cannot be closed by their content', () => {
    expect(codeSpan('a`b')).toBe('``a`b``');
    expect(codeSpan('`x`')).toBe('`` `x` ``');
    const block = codeBlock('```\nrm -rf /\n````');
    expect(block.startsWith('`````\n')).toBe(true);
    expect(block.endsWith('\n`````')).toBe(true);
  });
});

describe('renderMarkdown', () => {
  it('probe: verdict, where it failed, steps table, findings with commands, transcript', () => {
    const text = renderMarkdown(blockedProbe());
    expect(text).toMatch(/^## Probe `ftp:\/\/alice@203\.0\.113\.5\/`: ❌ fail/);
    expect(text).toContain('**Where it failed:** data SYN to 203.0.113.5:50123 dropped by edge firewall: no rule matched, policy drop');
    expect(text).toContain('| Step | Mode | Result | Time | Detail |');
    expect(text).toContain('| PASV listing | pasv | ❌ fail | 5.00 s |');
    expect(text).toContain('`DATA_CHANNEL_BLOCKED`');
    expect(text).toContain('netsh advfirewall set global StatefulFtp enable');
    expect(text).toContain('<details><summary>Transcript</summary>');
    expect(text).toContain('PASS ***');
    expect(text).not.toContain('correct-horse');
  });

  it('healthy probe passes', () => {
    expect(renderMarkdown(healthyProbe())).toContain('✅ pass');
  });

  it('scenarios: a row per scenario and a section per problem', () => {
    const text = renderMarkdown(scenarioRun());
    expect(text).toContain('1 of 3 scenarios met their expectation');
    expect(text).toContain('💥 tool error');
    expect(text).toContain('### `pasv-outside-range`');
    expect(text).not.toContain('### `control-channel-only`');
  });

  it('sweep and check', () => {
    expect(renderMarkdown(sweep())).toContain('5500-5519 open, 5520-5525 dropped');
    expect(renderMarkdown(check())).toContain('| broken | `ftp://127.0.0.1:1/` | ❌ fail | tool error: spawn failed: EMFILE |');
  });
});
