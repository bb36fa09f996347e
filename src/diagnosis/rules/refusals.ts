/**
 * The data connection opened, and the server refused it for a reason of its own that its reply
 * text names: the connection came from another source address, or its TLS session was not a
 * resumption of the control session. These come before the blunt connect-level rules so the
 * precise reason wins.
 */
import type { Rule } from '../engine.js';
import { unexplained } from '../engine.js';
import { attemptState, controlAddress, dataConnected, endpoint, isPassive, manyAttemptLines, modeName, replyLine, transferReplies } from '../facts.js';
import { remediesFor } from '../remedies/index.js';
import { FOREIGN_SOURCE_WORDINGS, matchWording, SESSION_REUSE_WORDINGS } from '../wording.js';

export const dataSourceRejected: Rule = {
  id: 'data-source-rejected',
  code: 'DATA_SOURCE_REJECTED',
  applies(input) {
    const rejected = unexplained(
      input,
      (attempt) => isPassive(attempt) && attemptState(attempt) !== 'ok' && matchWording(transferReplies(attempt), FOREIGN_SOURCE_WORDINGS) !== undefined,
    );
    const first = rejected[0];
    const match = first && matchWording(transferReplies(first), FOREIGN_SOURCE_WORDINGS);
    if (!first || !match) return undefined;
    const where = first.dialed ? endpoint(first.dialed) : 'the passive port';
    const peer = controlAddress(input.evidence);
    return {
      finding: {
        code: 'DATA_SOURCE_REJECTED',
        severity: 'error',
        title: `The server refused the data connection to ${where} because it came from another address than the control connection`,
        explanation:
          `The data connection to ${where} ${dataConnected(first) ? 'opened' : 'was made'}, but the server answered "${match.reply.code} ${match.reply.message}" ` +
          `(${match.server}'s wording): it compares each data connection's source address with the control connection's, and they differed. ` +
          `Our connections leave through NAT that does not keep one source address per client (a SNAT pool, a multi-WAN or load-balanced link), ` +
          `so the server (reached at ${peer}) saw the data connection come from an address it did not know.`,
        evidence: manyAttemptLines(rejected, 2),
        remedies: remediesFor(['foreign-source'], input.remedy),
      },
      explains: rejected,
    };
  },
};

export const sessionReuseRequired: Rule = {
  id: 'tls-session-reuse-required',
  code: 'TLS_SESSION_REUSE_REQUIRED',
  applies(input) {
    const refused = unexplained(input, (attempt) => {
      if (!attempt.tls) return false;
      const state = attemptState(attempt);
      if (state === 'ok') return false;
      if (matchWording(transferReplies(attempt), SESSION_REUSE_WORDINGS)) return true;
      // ProFTPD's reply says only "Operation not permitted": the unresumed handshake is the tell.
      return attempt.dataTls?.resumed === false && ['data-tls-failed', 'transfer-refused', 'transfer-cut'].includes(state);
    });
    const first = refused[0];
    if (!first) return undefined;
    const match = matchWording(transferReplies(first), SESSION_REUSE_WORDINGS);
    const where = first.dialed ? endpoint(first.dialed) : first.listening ? endpoint(first.listening) : 'the data port';
    const said = match ? `the server answered "${match.reply.code} ${match.reply.message}" (${match.server}'s wording)` : 'the server refused it';
    return {
      finding: {
        code: 'TLS_SESSION_REUSE_REQUIRED',
        severity: 'error',
        title: `The server rejects TLS data connections that do not resume the control session (${where})`,
        explanation:
          `The data connection to ${where} opened and ${first.dataTls?.resumed === false ? 'its TLS handshake started a new session instead of resuming the control one; ' : ''}` +
          `${said}. Servers check resumption to be sure the data connection belongs to the same client; the network is fine here, the client's TLS is not what the server wants.`,
        evidence: manyAttemptLines(refused, 2),
        remedies: remediesFor(['session-reuse'], input.remedy),
      },
      explains: refused,
    };
  },
};

/**
 * RFC 959's replies about the file itself (450/550 unavailable, 551 page type, 553 name not
 * allowed); 425/426 and the rest speak of the data connection or the session, not the path.
 */
const FILE_REPLY_CODES: ReadonlySet<number> = new Set([450, 550, 551, 553]);

/**
 * The server refused the transfer command outright (a file reply, no 1xx before it): the path is
 * wrong or not readable, and no data was ever going to flow. Network remedies would mislead.
 */
export const fileUnavailable: Rule = {
  id: 'file-unavailable',
  code: 'FILE_UNAVAILABLE',
  applies(input) {
    const refused = unexplained(
      input,
      (attempt) =>
        attemptState(attempt) === 'transfer-refused' &&
        attempt.preliminaryReply === undefined &&
        attempt.finalReply !== undefined &&
        FILE_REPLY_CODES.has(attempt.finalReply.code) &&
        /^\S+\s+\S/.test(attempt.transferCommand ?? ''),
    );
    const first = refused[0];
    if (!first?.finalReply || !first.transferCommand) return undefined;
    const reply = replyLine(first.finalReply).slice(2);
    return {
      finding: {
        code: 'FILE_UNAVAILABLE',
        severity: 'error',
        title: `The server refused ${first.transferCommand}: "${reply}"`,
        explanation:
          `The server answered ${first.transferCommand} with "${reply}" before starting any transfer (no 150 came first): it refused the file itself, ` +
          `so the path is wrong or this login may not read it. The ${modeName(first)} data channel is not at fault: the refusal came on the control connection.`,
        evidence: manyAttemptLines(refused, 2),
        remedies: remediesFor(['file-refused'], input.remedy),
      },
      explains: refused,
    };
  },
};
