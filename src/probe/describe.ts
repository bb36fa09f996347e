/**
 * One-line step details from recorded evidence: what the mode reply said and what we made of it
 * (`227 (10,0,0,5,195,80) → 10.0.0.5:50000`), where we dialled or listened, and how the transfer
 * ended. Pure, so the wording is tested from fixtures.
 */
import { formatHostPort, replyFirstLine } from '../ftp/index.js';
import type { DataAttempt, RecordedReply } from '../evidence/model.js';
import { describeEarlyDrop } from '../client/early-verdict.js';

export const replyLine = replyFirstLine;

/** The reply's address group only: `227 (10,0,0,5,195,80)`, `229 (|||50000|)`. */
function modeReplyShort(reply: RecordedReply): string {
  const group = /\([^)]*\)/.exec(reply.message)?.[0];
  return group ? `${reply.code} ${group}` : replyLine(reply);
}

const endpoint = (record: { host: string; port: number }): string => formatHostPort(record.host, record.port);

export function describeAttempt(attempt: DataAttempt): string {
  const parts: string[] = [];
  const passive = attempt.mode === 'epsv' || attempt.mode === 'pasv';
  if (attempt.notSent !== undefined) return `${attempt.command} not sent: ${attempt.notSent}`;
  if (!attempt.modeReply) {
    parts.push(`${attempt.command}: no reply${attempt.transfer.error ? ` (${attempt.transfer.error})` : ''}`);
    return parts.join('; ');
  }
  if (passive) {
    const expected = attempt.mode === 'epsv' ? 229 : 227;
    if (attempt.modeReply.code !== expected) return `${attempt.command} refused: ${replyLine(attempt.modeReply)}`;
    if (attempt.parseError) return `${modeReplyShort(attempt.modeReply)}: unusable (${attempt.parseError})`;
    const advertised = attempt.advertised ? ` → ${endpoint(attempt.advertised)}` : '';
    parts.push(`${modeReplyShort(attempt.modeReply)}${advertised}`);
    if (attempt.sentByServer && attempt.advertised && attempt.sentByServer.port !== attempt.advertised.port) {
      parts.push(`server sent port ${attempt.sentByServer.port} (rewritten in transit?)`);
    }
    if (attempt.dialed && attempt.connect) {
      const how = attempt.connect.outcome === 'connected' ? `connected in ${Math.round(attempt.connect.durationMs)} ms` : `${attempt.connect.outcome} after ${Math.round(attempt.connect.durationMs)} ms`;
      parts.push(`dialled ${endpoint(attempt.dialed)}: ${how}${earlyDropNote(attempt)}`);
    }
  } else {
    if (attempt.modeReply.code < 200 || attempt.modeReply.code >= 300) return `${attempt.command} refused: ${replyLine(attempt.modeReply)}`;
    if (attempt.listening) parts.push(`listening on ${endpoint(attempt.listening)}: ${replyLine(attempt.modeReply)}`);
    if (attempt.inbound) {
      parts.push(
        attempt.inbound.arrived && attempt.inbound.from
          ? `server connected from ${endpoint(attempt.inbound.from)}`
          : `no connection from the server within ${Math.round(attempt.inbound.waitedMs)} ms${earlyDropNote(attempt)}`,
      );
    }
  }
  if (attempt.dataTls) {
    parts.push(attempt.dataTls.handshake === 'ok' ? `TLS ${attempt.dataTls.resumed ? 'resumed' : 'not resumed'}` : `TLS failed: ${attempt.dataTls.error ?? ''}`);
  }
  if (attempt.transferCommand) parts.push(describeTransfer(attempt));
  if (attempt.token) parts.push(attempt.token.matches ? 'token ok' : `token mismatch (received ${JSON.stringify(attempt.token.received ?? 'nothing')})`);
  return parts.join('; ');
}

/** " (no answer within 1.25 s (RTT 0.4 ms, one SYN retransmission); the data timeout is 5 s)", or nothing. */
function earlyDropNote(attempt: DataAttempt): string {
  return attempt.earlyDrop ? ` (${describeEarlyDrop(attempt.earlyDrop)})` : '';
}

function describeTransfer(attempt: DataAttempt): string {
  const replies = [attempt.preliminaryReply, attempt.finalReply].filter((reply): reply is RecordedReply => reply !== undefined).map((reply) => String(reply.code));
  const { outcome, bytes, error } = attempt.transfer;
  const what = outcome === 'complete' ? `${bytes} bytes` : `${outcome}${bytes > 0 ? ` after ${bytes} bytes` : ''}`;
  const suffix = error && outcome !== 'complete' ? ` (${error})` : '';
  const late = attempt.controlLostAfterData ? ', no final reply after the data (control connection lost?)' : '';
  return `${attempt.transferCommand}: ${replies.length ? `${replies.join(' ')}, ` : ''}${what}${suffix}${late}`;
}

/** Did the data channel do its job? A mismatched token means it reached the wrong listener. */
export function attemptSucceeded(attempt: DataAttempt): boolean {
  return attempt.transfer.outcome === 'complete' && (attempt.token === undefined || attempt.token.matches);
}
