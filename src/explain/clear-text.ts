/**
 * A session that asked for TLS, was refused, and went on in clear text: the refusal failed nothing
 * (the verdict comes from what happened afterwards), but the password crossed the network readable
 * by anyone on the path, which the user should hear as a warning. Only passive sources show this: a
 * probe asked for TLS stops at the refusal. Pure.
 */
import type { Evidence } from '../evidence/model.js';
import { proofReply, serverName } from '../diagnosis/facts.js';
import { remediesFor, remedyContext } from '../diagnosis/index.js';
import type { Finding, Remedy } from '../report/model.js';

/** What stops a client from falling back: require TLS instead of "use it if available". */
const REQUIRE_TLS: Remedy = {
  product: 'Client',
  text: 'Make the client require TLS, so that it stops at a refused AUTH TLS instead of sending the password in clear text (FileZilla: "Require explicit FTP over TLS").',
  commands: ['curl --ssl-reqd ftp://...', 'lftp -e "set ftp:ssl-force true; set ftp:ssl-protect-data true" ftp://...'],
};

export function clearTextLogin(evidence: Evidence): Finding | undefined {
  const reply = evidence.authTls?.reply;
  const login = evidence.login;
  if (!reply || reply.code < 400 || evidence.tlsMode !== 'none' || !login || (!login.userReply && !login.passReply)) return undefined;
  const loginReplies = [login.userReply, login.passReply].filter((line) => line !== undefined);
  // The server's products say how to turn TLS on; the client's own 'auth-tls' remedy is about a firewall blocking it, not this.
  const serverRemedies = remediesFor(['auth-tls'], remedyContext(evidence)).filter((remedy) => remedy.product !== 'Client');
  return {
    code: 'LOGIN_IN_CLEAR_TEXT',
    severity: 'warning',
    title: `The login to ${serverName(evidence)} went in clear text: AUTH TLS was refused (${reply.code}) and the client carried on without TLS`,
    explanation:
      `The client asked for TLS and the server answered "${`${reply.code} ${reply.message.split('\n')[0] ?? ''}`.trim()}": TLS is not offered there. ` +
      `The client went on without it, so ${login.passReply ? `the user name, the password${login.ok ? '' : ' (refused, but sent)'}` : 'the user name'} and the data crossed the network in clear text, readable by anyone on the path. ` +
      "The refusal itself failed nothing: this session's verdict comes from what happened after it. Turn TLS on in the server, and make the client require it.",
    evidence: ['> AUTH TLS', proofReply(reply), ...loginReplies.map(proofReply)],
    remedies: [...serverRemedies, REQUIRE_TLS],
  };
}
