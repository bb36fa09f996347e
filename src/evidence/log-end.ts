/**
 * A client's log that ends with a data attempt under way: the mode reply (227/229/200) is there,
 * and then nothing says how the attempt ended — ftplib's output cut after the 227, a script's own
 * error line, `ftp -d` killed while `ls` hung. Nothing in the log says refused or dropped, so the
 * attempt is kept as unfinished (a warning, never a pass nor a refusal), with what the client last
 * said after the mode reply. One exception is read from the log: in active mode the server answers
 * 150 only once its connection to the client is made, so a transfer command followed by no reply
 * while the client waited is the server's connection back never arriving. Pure.
 */
import type { DataAttempt } from './model.js';
import type { ObservedSession } from './observed.js';
import type { Walk } from './attempt-inference.js';

/** Only a client's log: a capture sees the packets, a server's log waits on the other side. */
function appliesTo(walk: Walk): boolean {
  const { source } = walk.evidence;
  return source.vantage === 'client' && !source.packets;
}

/** The notes the client wrote after the attempt's mode reply (its own last words), at most two. */
function wordsAfterModeReply(session: ObservedSession, attempt: DataAttempt): string[] {
  const replyAt = attempt.modeReply?.seenAt;
  const start = replyAt ? session.events.findIndex((event) => event.kind === 'reply' && event.at === replyAt) : -1;
  if (start < 0) return [];
  return session.events
    .slice(start + 1)
    .flatMap((event) => (event.kind === 'note' ? [event.text] : []))
    .slice(-2);
}

/**
 * Called once the session's events are walked, before its last attempt is finished: marks the
 * attempt under way as unfinished (or, active with the transfer command sent, as the server's
 * connection never arriving) and makes the walk keep it.
 */
export function inferLogEnd(walk: Walk, session: ObservedSession): void {
  const attempt = walk.attempt;
  if (!attempt || !appliesTo(walk) || walk.encrypted) return;
  const reply = attempt.modeReply;
  if (!reply || reply.code < 200 || reply.code >= 300 || attempt.finalReply || attempt.preliminaryReply) return;
  // A data connection the log named without saying how it ended ("Trying …", ftplib's connect) is no outcome.
  const unknownConnect = attempt.connect?.outcome === 'error' && attempt.connect.error === undefined;
  if (attempt.connect && !unknownConnect) return;
  if (attempt.inbound || attempt.transfer.outcome !== 'not-started') return;
  const active = attempt.mode === 'port' || attempt.mode === 'eprt';
  if (active && attempt.transferCommand) {
    attempt.inbound = { arrived: false, waitedMs: 0 };
    walk.attemptObserved = true;
    return;
  }
  if (unknownConnect) {
    delete attempt.connect;
    delete attempt.dialed;
  }
  const said = wordsAfterModeReply(session, attempt);
  const after = attempt.transferCommand ? `${attempt.transferCommand} (sent after the ${reply.code})` : `the ${reply.code} reply`;
  attempt.unfinished = {
    what: 'never started in what the log shows',
    why:
      `The client's log ends after ${after} with no data connection${attempt.transferCommand ? ' reply' : ' or transfer'} seen: the transfer never started (did it hang, or was the client stopped?)` +
      (said.length > 0 ? `; the client's last words: ${said.map((text) => `"${text}"`).join(', ')}` : '') +
      '. Nothing in it says whether the data connection was dropped, refused or never tried: a capture taken while it happens, or the client run with a timeout, would tell.',
  };
  walk.attemptObserved = true;
}

/**
 * ABOR from the client while its transfer was going well (the data connection open, or the
 * server's 150 seen, and no timeout before it): the client stopped the transfer itself — lftp
 * after a local error ("get: …: File exists"), a user pressing Ctrl-C. Not a network failure;
 * an ABOR after a timeout or a failed connect stays what that failure was. Only a client's own log:
 * it would show the client's timeout before the ABOR, a server's log or a capture would not say why
 * the client gave up (a stalled transfer looks the same there).
 */
export function inferClientAbort(walk: Walk): void {
  const attempt = walk.attempt;
  if (!attempt || !appliesTo(walk) || attempt.finalReply || attempt.transfer.outcome !== 'not-started') return;
  const connected = attempt.connect?.outcome === 'connected' || attempt.inbound?.arrived === true;
  if (!connected && !attempt.preliminaryReply) return;
  const after = attempt.preliminaryReply ? ` after the server's ${attempt.preliminaryReply.code}` : ' with the data connection open';
  attempt.unfinished = {
    what: 'was aborted by the client',
    why:
      `The client aborted ${attempt.transferCommand ?? 'the transfer'} itself: it sent ABOR${after}, with no timeout or connection failure before it. ` +
      'That is an error or a decision on the client\'s side (a local file it could not write, a user stopping it), not the network: the transcript shows what the client said.',
  };
  walk.attemptObserved = true;
}
