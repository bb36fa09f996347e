/**
 * `npm run docs:codes`: write the finding-code tables of README.md and docs/finding-codes.md from
 * the registry (src/findings). Run it after changing the registry and commit the result;
 * test/findings/docs.test.ts fails while either file differs from what the registry renders.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { findingCodesPage, readmeCodeTable, withGeneratedPart } from '../src/findings/markdown.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const targets: [string, string][] = [
  ['README.md', readmeCodeTable()],
  ['docs/finding-codes.md', findingCodesPage()],
];
for (const [file, body] of targets) {
  const before = await readFile(path.join(ROOT, file), 'utf8');
  const after = withGeneratedPart(before, body);
  if (after !== before) await writeFile(path.join(ROOT, file), after, 'utf8');
  process.stdout.write(`${after === before ? 'unchanged' : 'updated  '} ${file}\n`);
}
