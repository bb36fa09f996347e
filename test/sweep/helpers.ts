/**
 * Shared by the loopback sweep tests: where their passive ranges go. Each file draws its ranges
 * from a band of its own (test/port-bands.ts), at a random place in it: below Linux's ephemeral
 * ports (32768+), so our own client sockets never hold a port the server needs, and apart from
 * every other file's ranges, since a port another file holds would read as a failure here.
 */
import { randomInt } from 'node:crypto';
import type { Band } from '../port-bands.js';

export function someRange(size: number, band: Band): { from: number; to: number } {
  const from = band.from + randomInt(band.to - band.from + 2 - size);
  return { from, to: from + size - 1 };
}
