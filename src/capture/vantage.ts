/**
 * Where a capture was taken, guessed from the control connections' handshakes (pure). At the
 * client the SYN-ACK comes one round trip after the SYN and the client's ACK follows at once; at
 * the server the SYN-ACK follows the SYN at once and the ACK comes one round trip later. Client
 * and server on one host (loopback, or the same address) saw both ends. When the timings do not
 * say (too close to tell, no complete handshake), the vantage is 'unknown' and the limits say so.
 */
import { classifyAddress, sameAddress } from '../ftp/address.js';
import type { Endpoint } from '../evidence/observed.js';

export type CaptureVantage = 'client' | 'server' | 'same-host' | 'unknown';

export interface HandshakeTiming {
  client?: Endpoint;
  server?: Endpoint;
  handshake?: { synUs: number; synAckUs: number; ackUs: number };
}

/** One side's delay must be this many times the other's, and at least this long, to count. */
const RATIO = 3;
const MIN_ROUND_TRIP_US = 50;

export function vantageOfHandshake(timing: HandshakeTiming): CaptureVantage {
  const { client, server, handshake } = timing;
  if (client && server && (sameAddress(client.host, server.host) || (isLoopback(client.host) && isLoopback(server.host)))) return 'same-host';
  if (!handshake) return 'unknown';
  const towardsServer = handshake.synAckUs - handshake.synUs; // a round trip when captured at the client
  const towardsClient = handshake.ackUs - handshake.synAckUs; // a round trip when captured at the server
  if (towardsServer >= MIN_ROUND_TRIP_US && towardsServer > RATIO * towardsClient) return 'client';
  if (towardsClient >= MIN_ROUND_TRIP_US && towardsClient > RATIO * towardsServer) return 'server';
  return 'unknown';
}

/** The vantage most sessions agree on; a tie or no answer is 'unknown'. */
export function guessVantage(timings: readonly HandshakeTiming[]): CaptureVantage {
  const votes = new Map<CaptureVantage, number>();
  for (const timing of timings) {
    const vantage = vantageOfHandshake(timing);
    if (vantage !== 'unknown') votes.set(vantage, (votes.get(vantage) ?? 0) + 1);
  }
  const ranked = [...votes.entries()].sort((a, b) => b[1] - a[1]);
  const [first, second] = ranked;
  if (!first || (second && second[1] === first[1])) return 'unknown';
  return first[0];
}

function isLoopback(host: string): boolean {
  try {
    return classifyAddress(host) === 'loopback';
  } catch {
    return false;
  }
}
