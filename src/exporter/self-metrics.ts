/**
 * The exporter's own metrics (/metrics): process metrics from prom-client, and how many probes ran,
 * how long they took, how they ended and how many are running. A dedicated Registry, so tests and
 * several exporters in one process do not share counters. Labels: module names come from the
 * config (bounded; UNKNOWN_MODULE_LABEL for any other), results from the fixed list below.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The module label of a request naming a module that is not configured (`&module=nope`): one fixed
 * value, never the name the scrape sent (anyone who reaches the port could create series at will).
 * Not a valid module name (those are letters, digits, _ . -), so it never mixes with a real one.
 */
export const UNKNOWN_MODULE_LABEL = '(unknown)';

/** How a /probe request ended. */
export type ProbeRequestResult = 'success' | 'failure' | 'deadline' | 'error' | 'refused' | 'bad_request';

export interface SelfMetrics {
  registry: Registry;
  probes: Counter<'module' | 'result'>;
  duration: Histogram<'module'>;
  inFlight: Gauge;
  queued: Gauge;
}

export function createSelfMetrics(): SelfMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    probes: new Counter({
      name: 'ftp_exporter_probes_total',
      help: `Probe requests by module and result: success, failure (verdict fail), deadline (not finished in time), error (the probe itself broke), refused (target not allowed), bad_request; a module that is not configured is counted as module="${UNKNOWN_MODULE_LABEL}"`,
      labelNames: ['module', 'result'],
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'ftp_exporter_probe_duration_seconds',
      help: 'Time from a /probe request to its answer, by module',
      labelNames: ['module'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60],
      registers: [registry],
    }),
    inFlight: new Gauge({ name: 'ftp_exporter_probes_in_flight', help: 'Probes running now (at most the concurrency limit)', registers: [registry] }),
    queued: new Gauge({ name: 'ftp_exporter_probes_queued', help: 'Probe requests waiting for a free slot', registers: [registry] }),
  };
}
