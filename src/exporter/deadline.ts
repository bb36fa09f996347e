/**
 * How long a probe may take: Prometheus says how long it will wait for a scrape in the
 * X-Prometheus-Scrape-Timeout-Seconds header; the probe must answer before that, so it gets that
 * less a margin for the answer to travel (as blackbox_exporter's timeout_offset), capped by the
 * module's total timeout. The probe's own timeouts are shortened to fit. Pure.
 */
import type { ExporterTimeouts } from './config.js';

/** Left for the answer to reach Prometheus (blackbox_exporter's default offset). */
export const SCRAPE_MARGIN_MS = 500;
/** Below this no probe can say anything useful; a smaller header value is raised to it. */
export const MIN_DEADLINE_MS = 1_000;

export interface ProbeBudget {
  /** The whole probe, from the request's arrival (time queued for a slot included). */
  deadlineMs: number;
  connectTimeoutMs: number;
  dataTimeoutMs: number;
  transferTimeoutMs?: number;
}

/** The header's value in milliseconds, or undefined when it is absent or not a positive number. */
export function scrapeTimeoutMs(header: string | string[] | undefined): number | undefined {
  const text = Array.isArray(header) ? header[0] : header;
  if (text === undefined || !/^\s*\d+(\.\d+)?\s*$/.test(text)) return undefined;
  const ms = Number(text) * 1000;
  return ms > 0 ? ms : undefined;
}

/**
 * The budget of one probe. A probe is a few steps in sequence (connect, greeting, login on the
 * main session, then the data sessions at the same time: connect, login, data), so each timeout
 * gets at most a third of the deadline and the slowest path still ends near it; the deadline
 * itself is enforced as well (the answer then says ftp_probe_deadline_exceeded 1).
 */
export function probeBudget(timeouts: ExporterTimeouts, headerMs: number | undefined): ProbeBudget {
  const fromHeader = headerMs === undefined ? Number.POSITIVE_INFINITY : headerMs - SCRAPE_MARGIN_MS;
  const deadlineMs = Math.max(MIN_DEADLINE_MS, Math.floor(Math.min(timeouts.totalMs, fromHeader)));
  const share = Math.max(1, Math.floor(deadlineMs / 3));
  return {
    deadlineMs,
    connectTimeoutMs: Math.min(timeouts.connectMs, share),
    dataTimeoutMs: Math.min(timeouts.dataMs, share),
    ...(timeouts.transferMs !== undefined ? { transferTimeoutMs: Math.min(timeouts.transferMs, share) } : { transferTimeoutMs: share }),
  };
}
