/**
 * The shipped-file reader when the package runs on Node (the executable's side is tested by
 * running the executable): the catalogue from <package>/scenarios, filtered and sorted.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isStandaloneExecutable, PACKAGE_DIR, readShippedDirectory } from '../../src/assets/shipped-files.js';
import { ROOT } from './build-for-test.js';

describe('shipped files, from the package on disk', () => {
  it('is not the standalone executable under Node', () => {
    expect(isStandaloneExecutable()).toBe(false);
    expect(PACKAGE_DIR).toBe(ROOT);
  });

  it('reads the accepted files of a directory, sorted, with their paths', async () => {
    const files = await readShippedDirectory('scenarios', (name) => name.endsWith('.yaml'));
    const expected = readdirSync(path.join(ROOT, 'scenarios')).filter((name) => name.endsWith('.yaml')).sort();
    expect(files.map((file) => file.name)).toEqual(expected);
    expect(files[0]?.location).toBe(path.join(ROOT, 'scenarios', expected[0]!));
    expect(files[0]?.text).toMatch(/^id: /m);
    expect(await readShippedDirectory('scenarios', () => false)).toEqual([]);
  });
});
