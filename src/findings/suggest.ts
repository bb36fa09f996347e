/**
 * "Did you mean": the registry's codes closest to what a user typed (case, a missing prefix, a typo).
 * Pure; bounded by the registry's size and the input's length.
 */
import { FINDING_CODES, type FindingCode } from './registry.js';

const MAX_INPUT = 64;

/** Levenshtein distance, two rows at a time. */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** Up to `most` codes, nearest first: those containing the input, then those within a few edits. */
export function suggestCodes(input: string, most = 3): FindingCode[] {
  const wanted = input.trim().toUpperCase().replace(/[\s-]+/g, '_').slice(0, MAX_INPUT);
  if (wanted.length === 0) return [];
  const scored = FINDING_CODES.map((code) => ({ code, score: code.includes(wanted) ? 0 : distance(wanted, code) }));
  const allowed = Math.max(2, Math.floor(wanted.length / 3));
  return scored
    .filter((entry) => entry.score <= allowed)
    .sort((a, b) => a.score - b.score || a.code.localeCompare(b.code))
    .slice(0, most)
    .map((entry) => entry.code);
}

/** The code the user meant when only case or separators differ ("data-channel-blocked"). */
export function normalizeCode(input: string): string {
  return input.trim().toUpperCase().replace(/[\s-]+/g, '_');
}
