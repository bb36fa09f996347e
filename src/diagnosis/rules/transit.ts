/**
 * What happened to the data channel in transit, provable only when our reference server is the
 * peer: its ALG-proof copy of each 227/229 reply and its token on every data connection. Also the
 * passive reply that arrived unusable, which is what a bad rewrite looks like from any server.
 */
import type { Severity } from '../../report/model.js';
import type { DataAttempt } from '../../evidence/model.js';
import type { Rule } from '../engine.js';
import { unexplained } from '../engine.js';
import { attemptLines, attemptState, dataConnected, endpoint, failed, manyAttemptLines, same, transferReplies } from '../facts.js';
import { remediesFor } from '../remedies/index.js';

function rewritten(attempt: DataAttempt): boolean {
  const sent = attempt.sentByServer;
  if (!sent) return false;
  if (attempt.parseError !== undefined) return true; // our server's replies always parse
  const got = attempt.advertised;
  if (!got) return false;
  return sent.port !== got.port || (sent.host !== undefined && !same(sent.host, got.host));
}

export const pasvRewritten: Rule = {
  id: 'pasv-rewritten-in-transit',
  code: 'PASV_REWRITTEN_IN_TRANSIT',
  applies(input) {
    if (!input.evidence.referenceServer) return undefined;
    const changed = unexplained(input, rewritten);
    const first = changed[0];
    if (!first?.sentByServer) return undefined;
    const broken = changed.filter(failed);
    const severity: Severity = broken.length > 0 ? 'error' : 'info';
    const sent = first.sentByServer.host === undefined ? `port ${first.sentByServer.port}` : endpoint(first.sentByServer);
    const got = first.advertised ? (first.sentByServer.host === undefined ? `port ${first.advertised.port}` : endpoint(first.advertised)) : 'an unusable reply';
    const reply = first.mode === 'epsv' ? '229' : '227';
    const explanation =
      severity === 'error'
        ? `Our reference server sent ${sent}, but the client received ${got}${first.parseError ? ` (${first.parseError})` : ''}, and the data connection failed. ` +
          'An FTP-inspecting middlebox (an ALG, nf_nat_ftp, a "fixup" on a router) rewrote the reply and got it wrong.'
        : `Our reference server sent ${sent}, the client received ${got}, and the data connection still worked: a NAT helper rewrote the reply, ` +
          'which is its job. It cannot do so once the control channel is encrypted, so configure the external address on the server instead of relying on it.';
    return {
      finding: {
        code: 'PASV_REWRITTEN_IN_TRANSIT',
        severity,
        title: `A middlebox rewrote the ${reply} reply in transit: the server sent ${sent}, the client received ${got}`,
        explanation,
        evidence: manyAttemptLines(broken.length > 0 ? broken : changed, 2),
        remedies: remediesFor(['rewrite', 'public-address'], input.remedy),
      },
      explains: broken,
    };
  },
};

export const passiveReplyUnusable: Rule = {
  id: 'passive-reply-unusable',
  code: 'PASSIVE_REPLY_UNUSABLE',
  applies(input) {
    const unusable = unexplained(input, (attempt) => attempt.parseError !== undefined && failed(attempt));
    const first = unusable[0];
    if (!first) return undefined;
    return {
      finding: {
        code: 'PASSIVE_REPLY_UNUSABLE',
        severity: 'error',
        title: `The server's reply to ${first.command} cannot be used: ${first.parseError}`,
        explanation:
          `The ${first.modeReply?.code ?? 'passive'} reply did not carry a usable address and port (${first.parseError}), so no data connection could be tried. ` +
          'Either the server formats it wrongly, or an FTP-inspecting middlebox rewrote it badly on the way.',
        evidence: manyAttemptLines(unusable, 2),
        remedies: remediesFor(['rewrite'], input.remedy),
      },
      explains: unusable,
    };
  },
};

/**
 * A wrong token proves misrouting. A missing one does too, unless the server refused the transfer
 * or the data TLS failed first: then no token was due.
 */
function misrouted(attempt: DataAttempt): boolean {
  const token = attempt.token;
  if (!token || token.matches || !dataConnected(attempt)) return false;
  if (token.received !== undefined) return true;
  const state = attemptState(attempt);
  return state !== 'transfer-refused' && state !== 'data-tls-failed' && !transferReplies(attempt).some((reply) => reply.code >= 400);
}

export const dataMisrouted: Rule = {
  id: 'data-misrouted',
  code: 'DATA_MISROUTED',
  applies(input) {
    if (!input.evidence.referenceServer) return undefined;
    const wrong = unexplained(input, misrouted);
    const first = wrong[0];
    if (!first?.token) return undefined;
    const where = first.dialed ? endpoint(first.dialed) : `port ${first.token.expected.port}`;
    const received = first.token.received;
    return {
      finding: {
        code: 'DATA_MISROUTED',
        severity: 'error',
        title: `The data connection to ${where} reached something other than the server's listener`,
        explanation:
          `The reference server marks each data connection with a token; the connection to ${where} ` +
          (received === undefined ? 'carried no token at all' : `carried "${received}"`) +
          ` instead of the token for ${first.token.expected.session === undefined ? '' : `session ${first.token.expected.session} on `}port ${first.token.expected.port}. ` +
          'The connection was forwarded to another host or another listener: check the port forwarding (DNAT) of the passive range.',
        evidence: attemptLines(first),
        remedies: remediesFor(['misrouted', 'open-passive-range'], input.remedy),
      },
      explains: wrong,
    };
  },
};
