/**
 * Samples → the Prometheus text exposition format, through prom-client (not a hand-written
 * formatter). A fresh Registry per /probe answer, as blackbox_exporter does: nothing of one probe
 * can leak into the next, and the answer holds only the metrics that probe produced.
 */
import { Gauge, Registry } from 'prom-client';
import type { MetricDefinition, Sample } from './metrics.js';
import { PROBE_METRICS } from './metrics.js';

const DEFINITIONS: ReadonlyMap<string, MetricDefinition> = new Map(Object.values(PROBE_METRICS).map((definition) => [definition.name, definition]));

export interface Exposition {
  contentType: string;
  text: string;
}

export async function exposeSamples(samples: readonly Sample[]): Promise<Exposition> {
  const registry = new Registry();
  const gauges = new Map<string, Gauge>();
  for (const sample of samples) {
    const definition = DEFINITIONS.get(sample.name);
    if (!definition) throw new Error(`no definition for metric ${sample.name}`);
    let gauge = gauges.get(sample.name);
    if (!gauge) {
      gauge = new Gauge({ name: definition.name, help: definition.help, labelNames: [...definition.labelNames], registers: [registry] });
      gauges.set(sample.name, gauge);
    }
    gauge.set(sample.labels, sample.value);
  }
  return { contentType: registry.contentType, text: await registry.metrics() };
}
