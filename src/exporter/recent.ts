/**
 * The recent probes behind the exporter's `/` page: a ring of the last N probes with their
 * reports (N bounded), so an operator who sees ftp_probe_success drop can open the full HTML report
 * of the probe that failed. The page and the ring are pure; the server serves them.
 */
import type { ProbeReport } from '../report/model.js';
import { escapeHtml } from '../report/escape.js';
import { sanitizeText } from '../report/sanitize.js';

export const DEFAULT_RECENT_PROBES = 50;
export const MAX_RECENT_PROBES = 1000;

export interface RecentProbe {
  /** Increasing number, the key of /report/<id>. */
  id: number;
  finishedAt: string;
  module: string;
  /** The target as probed, password-free (the report's target). */
  target: string;
  success: boolean;
  deadlineExceeded: boolean;
  durationMs: number;
  /** Absent when the probe ended without a report (it threw). */
  report?: ProbeReport;
  error?: string;
}

export class RecentProbes {
  private readonly entries: RecentProbe[] = [];
  private nextId = 1;

  constructor(private readonly capacity: number = DEFAULT_RECENT_PROBES) {
    if (!Number.isInteger(capacity) || capacity < 0 || capacity > MAX_RECENT_PROBES) throw new RangeError(`recent probes must be 0 to ${MAX_RECENT_PROBES}`);
  }

  add(entry: Omit<RecentProbe, 'id'>): RecentProbe {
    const stored = { ...entry, id: this.nextId++ };
    if (this.capacity === 0) return stored;
    this.entries.push(stored);
    // The oldest go first: memory stays bounded by capacity whatever the scrape rate.
    if (this.entries.length > this.capacity) this.entries.splice(0, this.entries.length - this.capacity);
    return stored;
  }

  get(id: number): RecentProbe | undefined {
    return this.entries.find((entry) => entry.id === id);
  }

  /** Newest first. */
  list(): readonly RecentProbe[] {
    return [...this.entries].reverse();
  }
}

const cell = (text: string): string => `<td>${escapeHtml(sanitizeText(text))}</td>`;

/** The `/` page: where to scrape, and the recent probes with links to their reports. */
export function renderRecentPage(probes: readonly RecentProbe[], info: { version: string; modules: readonly string[]; allow: string }): string {
  const rows = probes
    .map((probe) => {
      const state = probe.deadlineExceeded ? 'deadline exceeded' : probe.error !== undefined ? 'error' : probe.success ? 'pass' : 'fail';
      const link = probe.report ? `<a href="report/${probe.id}">report</a>` : escapeHtml(sanitizeText(probe.error ?? ''));
      return `<tr class="${state === 'pass' ? 'pass' : 'fail'}">${cell(probe.finishedAt)}${cell(probe.module)}${cell(probe.target)}${cell(state)}${cell(`${(probe.durationMs / 1000).toFixed(2)} s`)}<td>${link}</td></tr>`;
    })
    .join('\n');
  const table = probes.length === 0 ? '<p>No probes yet.</p>' : `<table><thead><tr><th>Finished</th><th>Module</th><th>Target</th><th>Result</th><th>Duration</th><th>Report</th></tr></thead><tbody>\n${rows}\n</tbody></table>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ftp-doctor exporter</title>
<style>body{font-family:system-ui,sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left}tr.fail td{background:#fdecea}tr.pass td{background:#edf7ed}code{background:#f4f4f4;padding:0 .2em}</style>
</head><body>
<h1>ftp-doctor exporter ${escapeHtml(info.version)}</h1>
<p>Probe: <code>/probe?target=ftp://host/&amp;module=NAME</code> · own metrics: <a href="metrics">/metrics</a> · modules: ${info.modules.map((name) => `<code>${escapeHtml(name)}</code>`).join(', ')} · targets allowed: ${escapeHtml(info.allow)}</p>
<h2>Recent probes</h2>
${table}
</body></html>
`;
}
