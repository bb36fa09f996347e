/**
 * Provenance in words, for the proof lines a finding quotes: "client.log line 412", "client.pcap
 * frame 812, 12:00:03.101". A live probe's own transcript needs none (its lines carry times).
 */
import type { Provenance } from './observed.js';

/** The time of day from an ISO time, to the millisecond: "12:00:03.101". */
export function timeOfDay(iso: string): string {
  const match = /T(\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?)/.exec(iso);
  return match?.[1] ?? iso;
}

/**
 * A source's time as a number for ordering: ISO with or without a zone (a log's local time read as
 * if it were UTC: only the order matters), or a time of day alone (a log without dates). NaN when
 * it is neither.
 */
export function timeForOrdering(time: string): number {
  if (/^\d{1,2}:\d{2}/.test(time)) return Date.parse(`1970-01-01T${time}Z`);
  return Date.parse(/(?:Z|[+-]\d{2}:?\d{2})$/.test(time) ? time : `${time}Z`);
}

export function provenanceText(at: Provenance | undefined): string | undefined {
  if (!at) return undefined;
  switch (at.source) {
    case 'probe':
      return undefined;
    case 'capture':
      return `${at.file} frame ${at.frame}${at.time ? `, ${timeOfDay(at.time)}` : ''}`;
    case 'log':
      return `${at.file} line ${at.line}${at.time ? `, ${timeOfDay(at.time)}` : ''}`;
    case 'config':
      return `${at.file}:${at.line}`;
  }
}

/** A proof line with its provenance appended in brackets, or unchanged when there is none. */
export function withProvenance(line: string, at: Provenance | undefined): string {
  const text = provenanceText(at);
  return text === undefined ? line : `${line}   [${text}]`;
}
