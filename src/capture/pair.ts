/**
 * Two capture readings of the same sessions, put together (pure): which one was taken at the
 * client (their vantages; else the order given, said), the sessions matched, every failed
 * connection located, and what the pairing could not do, in words.
 */
import type { SourceReading } from '../evidence/source.js';
import { locate, type CapturePair, type Location } from './pair-locate.js';
import { matchSessions, MAX_PAIRED_SESSIONS, type PairMatching } from './pair-match.js';

export interface PairedCaptures {
  pair: CapturePair;
  matching: PairMatching;
  locations: Location[];
  limits: string[];
}

/** `first` and `second` as the user gave them; the vantage each reading declares decides which is the client's. */
export function pairCaptures(first: SourceReading, second: SourceReading): PairedCaptures {
  const limits: string[] = [];
  // The order given says which is the client's, unless both captures' handshake timings say the
  // reverse: one guess alone is not enough to overrule it (on a busy host a delayed ACK looks like a
  // round trip, and a swapped pair would locate nothing).
  let [client, server] = [first, second];
  const reversed = first.source.vantage === 'server' && second.source.vantage === 'client';
  if (reversed) [client, server] = [second, first];
  const decided = client.source.vantage === 'client' && server.source.vantage === 'server';
  if (!decided) limits.push(`${client.file} is taken as the client's capture and ${server.file} as the server's (the order given; the captures' timings did not both say otherwise).`);
  const pair: CapturePair = { client: { file: client.file, sessions: client.sessions }, server: { file: server.file, sessions: server.sessions } };
  const matching = matchSessions(client.sessions, server.sessions);
  if (matching.offsetMs !== undefined && Math.abs(matching.offsetMs) >= 1000) {
    const seconds = (Math.abs(matching.offsetMs) / 1000).toFixed(1);
    limits.push(`${server.file}'s clock reads ${seconds} s ${matching.offsetMs > 0 ? 'ahead of' : 'behind'} ${client.file}'s (estimated from the sessions matched); times are compared within each session.`);
  }
  if (matching.unmatchedClient.length > 0) limits.push(`${matching.unmatchedClient.length} session(s) in ${client.file} have no counterpart in ${server.file} (not captured there, or said differently).`);
  if (matching.unmatchedServer.length > 0) limits.push(`${matching.unmatchedServer.length} session(s) in ${server.file} have no counterpart in ${client.file}.`);
  if (matching.truncated) limits.push(`Only the first ${MAX_PAIRED_SESSIONS} sessions of each capture were matched.`);
  return { pair, matching, locations: locate(pair, matching), limits };
}
