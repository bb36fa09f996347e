/**
 * The README's finding-code table and docs/finding-codes.md are the registry's own rendering: they
 * cannot drift apart. After changing the registry, `npm run docs:codes` rewrites both.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findingCodesPage, generatedPart, GENERATED_BEGIN, GENERATED_END, readmeCodeTable, withGeneratedPart } from '../../src/findings/markdown.js';
import { FINDING_CODES } from '../../src/findings/registry.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const read = (file: string): string => readFileSync(path.join(ROOT, file), 'utf8');

describe('the finding-code tables are generated from the registry', () => {
  it.each([
    ['README.md', readmeCodeTable()],
    ['docs/finding-codes.md', findingCodesPage()],
  ])('%s holds what the registry renders (run `npm run docs:codes`)', (file, rendered) => {
    expect(generatedPart(read(file)), `${file}: run npm run docs:codes`).toBe(rendered);
  });

  it('the tables name every code, one row each', () => {
    const table = readmeCodeTable();
    for (const code of FINDING_CODES) expect(table.match(new RegExp(`^\\| \`${code}\` \\|`, 'gm'))).toHaveLength(1);
    for (const code of FINDING_CODES) expect(findingCodesPage()).toContain(`### \`${code}\``);
  });

  it('a hand edit between the markers is caught, and regenerating restores it', () => {
    const page = read('README.md');
    const edited = page.replace('| `DATA_CHANNEL_BLOCKED` |', '| `DATA_CHANNEL_BLOCKED` | edited by hand |');
    expect(generatedPart(edited)).not.toBe(readmeCodeTable());
    expect(generatedPart(withGeneratedPart(edited, readmeCodeTable()))).toBe(readmeCodeTable());
  });

  it('text outside the markers is kept; missing markers are an error, not a silent no-op', () => {
    const text = `before\n${GENERATED_BEGIN}\nold\n${GENERATED_END}\nafter\n`;
    expect(withGeneratedPart(text, 'new')).toBe(`before\n${GENERATED_BEGIN}\nnew\n${GENERATED_END}\nafter\n`);
    expect(generatedPart('no markers')).toBeUndefined();
    expect(() => withGeneratedPart('no markers', 'x')).toThrow(/markers/);
  });

  it('cells cannot break the table: a | in a title is escaped', () => {
    expect(readmeCodeTable().split('\n').every((line) => line.split(/(?<!\\)\|/).length === 5)).toBe(true);
  });
});
