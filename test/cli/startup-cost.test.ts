/**
 * What the CLI costs before it does anything. string-width 7 and 8 build an Intl.Segmenter and
 * Unicode-property regexes when imported (0.25-0.45 s of CPU on this machine for every run, spent
 * before a probe's clock even starts); yargs, cliui and wrap-ansi only measure help text with it,
 * so package.json's overrides give them version 4. An upgrade that drops the override fails here.
 */
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** The version of `dependency` that the package at `from` (a folder in node_modules) loads. */
function resolvedVersion(from: string, dependency: string): string {
  const require = createRequire(path.join(ROOT, 'node_modules', from, 'package.json'));
  let directory = path.dirname(require.resolve(dependency));
  // Walk up to the dependency's own package.json (its main file may sit in a subfolder).
  for (let depth = 0; depth < 5 && !readFileSafe(path.join(directory, 'package.json'))?.includes(`"name": "${dependency}"`); depth += 1) directory = path.dirname(directory);
  return (JSON.parse(readFileSync(path.join(directory, 'package.json'), 'utf8')) as { version: string }).version;
}

function readFileSafe(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

describe('CLI start-up cost', () => {
  it.each(['yargs', 'cliui', 'wrap-ansi'])('%s loads string-width 4, which builds nothing at import', (from) => {
    expect(resolvedVersion(from, 'string-width')).toMatch(/^4\./);
  });
});
