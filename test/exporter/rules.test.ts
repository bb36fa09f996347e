/**
 * The shipped monitoring examples hold: promtool accepts the alert rules and the scrape config, the
 * rules fire in promtool's unit test (docs/monitoring/alerts.test.yml), and the dashboard and the
 * rules name only metrics the exporter writes. promtool tests skip, saying why, without it.
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { PROBE_METRICS } from '../../src/exporter/metrics.js';
import { createSelfMetrics } from '../../src/exporter/self-metrics.js';
import { NO_PROMTOOL, promtool } from './promtool.js';

const DIR = 'docs/monitoring';

describe.skipIf(NO_PROMTOOL)('promtool on the shipped files', () => {
  it('check rules', async () => {
    const result = await promtool(['check', 'rules', `${DIR}/alerts.yml`]);
    expect(result.output).toMatch(/SUCCESS: 5 rules found/);
    expect(result.code).toBe(0);
  }, 60_000);

  it('test rules: the alerts fire as the unit test expects', async () => {
    const result = await promtool(['test', 'rules', `${DIR}/alerts.test.yml`]);
    expect(result.output).toMatch(/SUCCESS/);
    expect(result.code).toBe(0);
  }, 60_000);

  it('check config (the relabelling example)', async () => {
    const result = await promtool(['check', 'config', '--syntax-only', `${DIR}/prometheus.yml`]);
    expect(result.code, result.output).toBe(0);
  }, 60_000);
});

describe('the examples name real metrics', async () => {
  const known = new Set<string>(Object.values(PROBE_METRICS).map((definition) => definition.name));
  const self = createSelfMetrics();
  for (const metric of await self.registry.getMetricsAsJSON()) known.add(metric.name);
  const used = (text: string): string[] => [...new Set(text.match(/\bftp_[a-z_]+\b/g) ?? [])].filter((name) => !name.endsWith('_bucket'));

  it.each(['alerts.yml', 'grafana-dashboard.json'])('%s', async (file) => {
    const names = used(await readFile(`${DIR}/${file}`, 'utf8'));
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) expect(known, `${file} uses ${name}`).toContain(name);
  });
});
