/**
 * Every firewall reader against hostile input: binary, oversized, absurdly long lines, deep JSON,
 * and seeded random text built from each format's own words. Each must answer with facts or a
 * FirewallParseError naming file:line, never another exception (pure; bounded sizes).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { detectFirewallKind, FIREWALL_KINDS, FirewallParseError, readFirewallFile, type FirewallKind } from '../../../src/preflight/firewalls/index.js';

const ROOT = new URL('../../fixtures/preflight/firewalls/', import.meta.url);
const fixtures = readdirSync(ROOT, { recursive: true, withFileTypes: true })
  .filter((entry) => entry.isFile() && !entry.name.endsWith('.md'))
  .map((entry) => `${entry.parentPath ?? (entry as unknown as { path: string }).path}/${entry.name}`);

/** A small deterministic generator (the test must fail the same way twice). */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1_664_525 + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

function answers(kind: FirewallKind, text: string): 'facts' | 'error' {
  try {
    const facts = readFirewallFile('hostile', text, kind);
    expect(facts.kind).toBe(kind);
    return 'facts';
  } catch (error) {
    expect(error, `${kind}: ${(error as Error).stack}`).toBeInstanceOf(FirewallParseError);
    expect((error as FirewallParseError).message).toMatch(/^hostile:\d+: /);
    return 'error';
  }
}

describe('hostile input, every reader', () => {
  it.each(FIREWALL_KINDS)('%s: binary, too large, a line too long, deep JSON → FirewallParseError with file:line', (kind) => {
    expect(() => readFirewallFile('hostile', '\u0000\u0001\u0002\u00ff', kind)).toThrow(/^hostile:1: binary data/);
    expect(() => readFirewallFile('hostile', 'x'.repeat(16 * 1024 * 1024 + 1), kind)).toThrow(/^hostile:1: input is \d+ characters/);
    const longLine = `\n${'a'.repeat(70_000)}`;
    expect(answers(kind, longLine)).toBe('error');
    expect(answers(kind, `${'['.repeat(200)}${']'.repeat(200)}`)).toMatch(/facts|error/);
  });

  it.each(FIREWALL_KINDS)('%s: 300 seeded mutations of the fixtures never throw anything but FirewallParseError', (kind) => {
    const words = fixtures.flatMap((path) => readFileSync(path, 'utf8').split(/(\s+|[{}[\]",:=])/)).filter(Boolean);
    const next = random(FIREWALL_KINDS.indexOf(kind) + 1);
    for (let round = 0; round < 300; round++) {
      const length = Math.floor(next() * 200);
      const text = Array.from({ length }, () => words[Math.floor(next() * words.length)] ?? '').join('');
      answers(kind, text);
    }
  });

  it('every fixture is detected as a firewall format', () => {
    for (const path of fixtures) expect(detectFirewallKind(readFileSync(path, 'utf8'), path), path).toBeDefined();
  });
});
