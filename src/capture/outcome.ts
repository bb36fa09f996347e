/**
 * How a tracked connection's opening ended, read off its counters only (pure):
 * SYN-ACK → connected (then reset if an RST came before any FIN); RST answering the SYN → refused;
 * ICMP unreachable → unreachable; SYNs and nothing else → no-answer; a capture that began after the
 * handshake but shows both ends talking → connected; anything less → unknown.
 */
import type { ObservedConnectOutcome } from '../evidence/observed.js';
import type { TrackedConnection } from './connections.js';
import type { StreamPlace } from './reassembly.js';

export interface ConnectionReading {
  outcome: ObservedConnectOutcome;
  /** SYNs after the first. */
  synRetransmits: number;
  /** First SYN (or first packet) to the answer, or to `endUs` when nothing answered (ms). */
  waitedMs: number;
  ended?: 'fin' | 'reset' | 'open';
  /** The packet that answered (SYN-ACK, RST, ICMP). */
  answeredAt?: StreamPlace;
}

export function readConnection(connection: TrackedConnection, endUs: number): ReadonlyConnectionReading {
  const start = connection.firstSyn ?? connection.first;
  const synRetransmits = Math.max(0, connection.syns - 1);
  const since = (place: StreamPlace): number => Math.max(0, Math.round((place.timeUs - start.timeUs) / 1000));
  const { synAck, rst, unreachable, fin } = connection;
  if (synAck) {
    const finFrames = [fin.initiator?.frame, fin.responder?.frame].filter((frame): frame is number => frame !== undefined);
    const firstFin = finFrames.length > 0 ? Math.min(...finFrames) : undefined;
    if (rst && (firstFin === undefined || rst.frame < firstFin)) return { outcome: 'reset', synRetransmits, waitedMs: since(synAck), ended: 'reset', answeredAt: synAck };
    return { outcome: 'connected', synRetransmits, waitedMs: since(synAck), ended: firstFin !== undefined ? 'fin' : 'open', answeredAt: synAck };
  }
  if (connection.syns > 0 && rst && rst.by === 'responder') return { outcome: 'refused', synRetransmits, waitedMs: since(rst), answeredAt: rst };
  if (unreachable) return { outcome: 'unreachable', synRetransmits, waitedMs: since(unreachable), answeredAt: unreachable };
  if (connection.syns > 0 && !connection.sawBothSides.responder) {
    return { outcome: 'no-answer', synRetransmits, waitedMs: Math.max(0, Math.round((endUs - start.timeUs) / 1000)) };
  }
  if (connection.sawBothSides.initiator && connection.sawBothSides.responder) {
    return { outcome: 'connected', synRetransmits, waitedMs: 0, ended: rst ? 'reset' : fin.initiator || fin.responder ? 'fin' : 'open' };
  }
  return { outcome: 'unknown', synRetransmits, waitedMs: 0 };
}

export type ReadonlyConnectionReading = Readonly<ConnectionReading>;
