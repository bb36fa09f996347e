/** RFC 4217: AUTH TLS, PBSZ, PROT, CCC. */
import type { Session } from '../session.js';
import type { CommandTable } from './table.js';

async function auth(session: Session, argument: string): Promise<void> {
  const mechanism = argument.trim().toUpperCase();
  if (session.server.options.tls !== 'explicit' || !session.server.tls) {
    return session.reply(502, session.tlsActive ? 'Already using TLS (implicit).' : 'TLS is not enabled on this server.');
  }
  if (!['TLS', 'TLS-C', 'SSL', 'TLS-P'].includes(mechanism)) return session.reply(504, `AUTH ${mechanism} is not supported; use AUTH TLS.`);
  if (session.tlsActive) return session.reply(503, 'Already using TLS.');
  if (session.tlsCleared) return session.reply(503, 'The control channel was cleared with CCC; TLS cannot be started again on it.');
  if (session.loggedIn) return session.reply(503, 'AUTH TLS must come before login.');
  await session.upgradeToTls();
}

async function pbsz(session: Session, argument: string): Promise<void> {
  if (!session.tlsActive && !session.tlsCleared) return session.reply(503, 'PBSZ needs a TLS control connection (AUTH TLS first).');
  if (!/^\d+$/.test(argument.trim())) return session.reply(501, 'PBSZ needs a number.');
  session.pbszDone = true;
  await session.reply(200, 'PBSZ=0');
}

async function prot(session: Session, argument: string): Promise<void> {
  if (!session.tlsActive && !session.tlsCleared) return session.reply(503, 'PROT needs a TLS control connection (AUTH TLS first).');
  const level = argument.trim().toUpperCase();
  if (level === 'P') {
    session.protection = 'P';
    return session.reply(200, 'Protection level set to Private.');
  }
  if (level === 'C') {
    if (session.server.options.requireTls) return session.reply(522, 'Data connections must be protected: use PROT P.');
    session.protection = 'C';
    return session.reply(200, 'Protection level set to Clear.');
  }
  if (level === 'S' || level === 'E') return session.reply(536, `Protection level ${level} is not supported; use C or P.`);
  await session.reply(504, 'PROT takes C or P.');
}

/**
 * CCC (RFC 4217 §12.3): 533 when the control connection is not protected (nothing to clear), 530
 * before login (clearing first would expose the password), 534 unless the server allows it.
 */
async function ccc(session: Session): Promise<void> {
  if (!session.tlsActive) return session.reply(533, 'The control connection is not protected (use AUTH TLS first); there is nothing to clear.');
  if (!session.loggedIn) return session.reply(530, 'Please log in with USER and PASS first: the password must not travel in clear text.');
  if (!session.server.options.allowCcc) return session.reply(534, 'CCC is refused by policy on this server (start it with --allow-ccc); the control connection stays on TLS.');
  await session.clearControlChannel();
}

export const tlsCommands: CommandTable = {
  AUTH: { needsLogin: false, handler: auth },
  PBSZ: { needsLogin: false, handler: pbsz },
  PROT: { needsLogin: false, handler: prot },
  // Login is checked by the handler: CCC before AUTH TLS is a 533 whether logged in or not.
  CCC: { needsLogin: false, handler: ccc },
};
