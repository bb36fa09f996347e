/**
 * The state of one walk over an observed session, and what the assembler infers when an attempt
 * ends: what a source's silence means depends on what the source can see (a log vs a capture, the
 * client's side vs the server's, a readable or an encrypted control channel). Pure.
 */
import type { DataAttempt, Evidence, TransferOutcome } from './model.js';
import type { ObservedDataConnection, ObservedEvent } from './observed.js';

/** The mutable state of one walk over a session's events. */
export interface Walk {
  evidence: Evidence;
  /** The command waiting for its reply. */
  pending?: { verb: string; argument: string; text: string; event: ObservedEvent };
  /** The data attempt in progress (between a mode command and the transfer's final reply). */
  attempt?: DataAttempt;
  /** Anything after the mode reply was seen for the current attempt. */
  attemptObserved: boolean;
  /** The current attempt's mode command (for elapsed times). */
  modeCommand?: ObservedEvent;
  /** When the current attempt's transfer command was sent (ms), when the source has clocks. */
  transferCommandAt?: number;
  /** The control channel is encrypted from here on: mode commands can no longer be read. */
  encrypted?: boolean;
  /** The last AUTH was refused (4xx/5xx) … */
  authRefused?: boolean;
  /** … and the client went on in clear text after it (a login or a data command). */
  clearAfterRefusal?: boolean;
  /** How the current attempt's data connection ended, when seen. */
  dataEnded?: ObservedDataConnection['ended'];
  protected: boolean;
  controlPeer?: string;
  /** The client said it dials the control peer instead of an unroutable 227 address (FileZilla). */
  replacesUnroutable: boolean;
}

/** Milliseconds between two observations, when the source has clocks for both. */
export function elapsed(from: ObservedEvent | undefined, to: ObservedEvent): number {
  return from?.t !== undefined && to.t !== undefined ? Math.max(0, to.t - from.t) : 0;
}

/**
 * 425 to the transfer command with no data connection seen: it never came where it was awaited.
 * Active: the server's connection to the client — absent wherever the source stands. Passive,
 * from a log only: the client's connection to the server; a capture sees packets, so there an
 * absent SYN stays absent (the client never sent it).
 */
function inferNeverConnected(walk: Walk, attempt: DataAttempt): void {
  const final = attempt.finalReply;
  if (!final) return;
  // Active: the server's connection is awaited where the source stands; none seen and a 425/426 is one that never came.
  if (attempt.mode === 'port' || attempt.mode === 'eprt') {
    if (!attempt.inbound && !attempt.seenAt?.connect && (final.code === 425 || (final.code === 426 && attempt.transfer.bytes === 0))) {
      attempt.inbound = { arrived: false, waitedMs: walk.transferCommandAt !== undefined ? Math.max(0, final.at - walk.transferCommandAt) : 0 };
    }
    return;
  }
  if (walk.evidence.source.packets) return;
  // Servers that say 150 before the connection is there (FileZilla Server) end with 426 when it never comes.
  const serverWaited = walk.evidence.source.vantage === 'server' && final.code === 426 && attempt.transfer.bytes === 0 && !attempt.seenAt?.connect;
  if (!serverWaited && (final.code !== 425 || attempt.preliminaryReply)) return;
  const waited = walk.transferCommandAt !== undefined ? Math.max(0, final.at - walk.transferCommandAt) : 0;
  if (!attempt.connect) {
    attempt.connect = { outcome: 'timeout', durationMs: waited };
    attempt.transfer.outcome = 'timeout';
  }
}

/**
 * A capture: the data came and its connection closed, but the final reply never did before the
 * session ended — the control connection went silent after the data (an idle-timeout NAT), as the
 * probe records it.
 */
function inferControlLost(walk: Walk, attempt: DataAttempt): void {
  if (!walk.evidence.source.packets || walk.encrypted || attempt.finalReply || attempt.transfer.outcome !== 'not-started' || walk.dataEnded !== 'fin') return;
  const connected = attempt.connect?.outcome === 'connected' || attempt.inbound?.arrived === true;
  if (!connected || (attempt.transfer.bytes === 0 && !attempt.preliminaryReply)) return;
  attempt.transfer.outcome = 'timeout';
  attempt.controlLostAfterData = true;
}

/**
 * Under an encrypted control channel the final reply cannot be read: a data connection that opened
 * and closed in good order is read as a completed transfer, a reset one as cut; nothing else is guessed.
 */
function inferHiddenTransfer(walk: Walk, attempt: DataAttempt): void {
  if (!walk.encrypted || attempt.finalReply || attempt.transfer.outcome !== 'not-started') return;
  const connected = attempt.connect?.outcome === 'connected' || attempt.inbound?.arrived === true;
  if (connected && walk.dataEnded === 'fin') attempt.transfer.outcome = 'complete';
}

export function finishAttempt(walk: Walk): void {
  const attempt = walk.attempt;
  walk.attempt = undefined;
  if (!attempt || !walk.attemptObserved) return;
  inferNeverConnected(walk, attempt);
  inferControlLost(walk, attempt);
  inferHiddenTransfer(walk, attempt);
  walk.dataEnded = undefined;
  attempt.transfer.outcome = transferOutcome(attempt);
  walk.evidence.attempts.push(attempt);
}

function transferOutcome(attempt: DataAttempt): TransferOutcome {
  if (attempt.transfer.outcome !== 'not-started') return attempt.transfer.outcome;
  const final = attempt.finalReply;
  const connected = attempt.connect?.outcome === 'connected' || attempt.inbound?.arrived === true;
  if (final && final.code >= 200 && final.code < 300) return 'complete';
  if (final && final.code >= 400 && !attempt.preliminaryReply && !connected) return 'refused-by-server';
  if (final && final.code >= 400 && connected) return 'closed-early';
  return 'not-started';
}
