/**
 * How many sockets a sweep may hold at once, from the process's open-files limit (`ulimit -n`).
 * Node has no process.getrlimit, so the limit is read from /proc/self/limits (Linux). Node raises
 * its soft limit to the hard one at start-up, so what /proc shows in the running process is what
 * it can use; both are kept, so the report can say which one bounds the sweep.
 */
import { readFileSync } from 'node:fs';

export interface OpenFilesLimit {
  soft: number;
  hard: number;
}

/** Descriptors kept for everything but sweep sockets (sessions, files, logs), at most. */
const RESERVED_FILES = 1024;
/** When the limit cannot be read (not Linux): what every usual system allows a Node process. */
const UNKNOWN_LIMIT_BUDGET = 2048;

/** The "Max open files" line of /proc/self/limits; `unlimited` counts as the largest port number. */
export function parseOpenFilesLimit(text: string): OpenFilesLimit | undefined {
  const match = /^Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/m.exec(text);
  if (!match) return undefined;
  const value = (field: string | undefined): number => (field === undefined || field === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(field));
  return { soft: value(match[1]), hard: value(match[2]) };
}

let cached: OpenFilesLimit | null | undefined;

/** This process's open-files limit; undefined where /proc/self/limits does not exist. */
export function readOpenFilesLimit(): OpenFilesLimit | undefined {
  if (cached === undefined) {
    try {
      cached = parseOpenFilesLimit(readFileSync('/proc/self/limits', 'utf8')) ?? null;
    } catch {
      cached = null;
    }
  }
  return cached ?? undefined;
}

/** Sockets a sweep may hold at once under `limit`: the soft limit less a reserve (at most half of it). */
export function sweepSocketBudget(limit: OpenFilesLimit | undefined): number {
  if (!limit) return UNKNOWN_LIMIT_BUDGET;
  return Math.max(16, limit.soft - Math.min(RESERVED_FILES, Math.floor(limit.soft / 2)));
}

/** "open-files limit 20000 (soft = hard)" / "open-files soft limit 1024 (hard 524288)" / unknown. */
export function describeOpenFilesLimit(limit: OpenFilesLimit | undefined): string {
  if (!limit) return 'open-files limit unknown (no /proc/self/limits)';
  const text = (value: number): string => (value >= Number.MAX_SAFE_INTEGER ? 'unlimited' : String(value));
  return limit.soft >= limit.hard ? `open-files limit ${text(limit.soft)}` : `open-files soft limit ${text(limit.soft)} (hard ${text(limit.hard)})`;
}
