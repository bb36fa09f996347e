/**
 * Shared by the loopback sweep tests: where their passive ranges go. Below Linux's ephemeral
 * ports (32768+), so our own client sockets never hold a port the server needs, and at a random
 * place in a band, so parallel test files rarely meet (a file whose tests fill small ranges to
 * the brim takes a band of its own: a port another file holds would read as a failure there).
 */
import { randomInt } from 'node:crypto';

export const SHARED_BAND = { from: 20000, to: 31999 };

export function someRange(size: number, band: { from: number; to: number } = SHARED_BAND): { from: number; to: number } {
  const from = band.from + randomInt(band.to - band.from + 2 - size);
  return { from, to: from + size - 1 };
}
