/**
 * The committed sample set (reports/samples/) must be what the catalogue produces today: a change
 * to a scenario, the diagnosis or a renderer without `npm run samples` fails here. Timing noise
 * cannot: dates, durations, ports, ids and certificates are normalised, ports are drawn from a
 * seeded generator, and event positions that only swapped by chance keep their committed values.
 */
import { describe, expect, it } from 'vitest';
import { adoptCommittedTimes, readCommittedSamples, renderSampleSet, sampleReport, SAMPLE_FILES } from '../../scripts/sample-set.js';
import { renderJson } from '../../src/report/json.js';

function firstDifference(expected: string, actual: string): string {
  const a = expected.split('\n');
  const b = actual.split('\n');
  const line = a.findIndex((text, index) => text !== b[index]);
  const at = line === -1 ? a.length : line;
  const cut = (text: string | undefined): string => (text === undefined ? '(end of file)' : text.length > 200 ? `${text.slice(0, 200)}…` : text);
  return `line ${at + 1}:\n  committed: ${cut(a[at])}\n  fresh:     ${cut(b[at])}`;
}

describe('reports/samples', () => {
  it('is up to date with the catalogue and the renderers (else: npm run samples)', { timeout: 180_000 }, async () => {
    const committed = await readCommittedSamples();
    const fresh = renderSampleSet(adoptCommittedTimes(await sampleReport(), committed['report.json']));
    for (const name of SAMPLE_FILES) {
      const old = committed[name];
      if (old === undefined) expect.fail(`reports/samples/${name} is missing: run \`npm run samples\` and commit reports/samples/`);
      if (old !== fresh[name]) expect.fail(`reports/samples/${name} is stale: run \`npm run samples\` and commit reports/samples/\n${firstDifference(old, fresh[name])}`);
    }
  });

  it('keeps committed event positions only when nothing else differs', async () => {
    const committed = await readCommittedSamples();
    const json = committed['report.json'];
    if (json === undefined) expect.fail('reports/samples/report.json is missing: run `npm run samples`');
    const report = JSON.parse(json) as Parameters<typeof adoptCommittedTimes>[0];
    const probe = report.results.find((result) => result.probe.transcript.length > 1)?.probe;
    if (!probe) expect.fail('no scenario with a transcript in the sample');
    const shuffled = structuredClone(report);
    const target = shuffled.results.find((result) => result.id === report.results.find((candidate) => candidate.probe === probe)?.id);
    target?.probe.transcript.forEach((line) => (line.t += 5));
    // Only times moved: the committed ones come back.
    expect(renderJson(adoptCommittedTimes(shuffled, json))).toBe(renderJson(report));
    // Something else changed too: the fresh report stands, times and all.
    const changed = structuredClone(shuffled);
    changed.results[0]!.title += ' (renamed)';
    expect(renderJson(adoptCommittedTimes(changed, json))).toBe(renderJson(changed));
  });
});
