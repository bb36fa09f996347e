/**
 * `npm run samples`: regenerate reports/samples/ from the scenario catalogue. Run it after a
 * change to the catalogue, the diagnosis or a renderer, and commit the result; the test
 * test/report/samples.test.ts fails while the committed set is stale.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { buildSampleSet, readCommittedSamples, SAMPLES_DIR, SAMPLE_FILES } from './sample-set.js';

const directory = process.argv[2] ? path.resolve(process.argv[2]) : SAMPLES_DIR;
const committed = await readCommittedSamples(directory);
const fresh = await buildSampleSet(committed['report.json']);
await mkdir(directory, { recursive: true });
for (const name of SAMPLE_FILES) {
  await writeFile(path.join(directory, name), fresh[name], 'utf8');
  const state = committed[name] === undefined ? 'created' : committed[name] === fresh[name] ? 'unchanged' : 'updated';
  process.stdout.write(`${state.padEnd(9)} ${path.relative(process.cwd(), path.join(directory, name))}\n`);
}
