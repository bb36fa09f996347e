/**
 * USER / PASS / QUIT. Unknown users and wrong passwords get the same 331 and the same 530 (no
 * user enumeration); failures are delayed and counted per session and per client address across
 * sessions (login-throttle.ts), and the session is closed with 421 after too many.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { clipRedacted, passwordInUserName, rememberSecret } from '../../text/secrets.js';
import type { Session } from '../session.js';
import type { CommandTable } from './table.js';

const ANONYMOUS_NAMES = new Set(['anonymous', 'ftp']);

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** Constant-time comparison of equal-length digests, so timing does not reveal password prefixes. */
function passwordMatches(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

function authenticate(session: Session, name: string, password: string): boolean {
  const options = session.server.options;
  if (options.anonymous && ANONYMOUS_NAMES.has(name.toLowerCase())) return true;
  let matched = false;
  for (const user of options.users ?? []) {
    // Check every entry so the time taken does not depend on which one matched.
    if (user.name === name && passwordMatches(password, user.password)) matched = true;
  }
  return matched;
}

async function user(session: Session, argument: string): Promise<void> {
  if (session.server.options.requireTls && !session.tlsActive) {
    session.log('warn', 'login', 'USER refused: TLS is required and the control connection is not encrypted');
    return session.reply(530, 'TLS required: use AUTH TLS before USER.');
  }
  if (session.loggedIn) return session.reply(530, 'Already logged in; cannot change to another user.');
  if (argument === '') return session.reply(501, 'USER needs a user name.');
  // A proxy-style `name:password@host` carries a password: no log line may show it.
  rememberSecret(passwordInUserName(argument));
  session.pendingUser = argument;
  await session.reply(331, 'Please specify the password.');
}

async function pass(session: Session, argument: string): Promise<void> {
  if (session.loggedIn) return session.reply(230, 'Already logged in.');
  const name = session.pendingUser;
  if (name === undefined) return session.reply(503, 'Log in with USER first.');
  session.pendingUser = undefined;
  const throttle = session.server.loginThrottle;
  const limits = session.server.limits;
  // One check per address at a time: parallel sessions from one address queue here.
  const release = await throttle.acquire(session.peer);
  try {
    if (session.ending) return;
    if (throttle.locked(session.peer)) {
      release();
      session.log('warn', 'login', `login refused: ${throttle.failures(session.peer)} failed logins from ${session.peer}; locked out until they expire`);
      await session.close('Too many failed logins from your address; try again later.');
      return;
    }
    if (authenticate(session, name, argument)) {
      release();
      session.user = name;
      session.loginFailures = 0;
      session.touch();
      session.log('info', 'login', `${name} logged in${session.tlsActive ? ' over TLS' : ''}`, { user: name });
      return session.reply(230, 'Login successful.');
    }
    session.loginFailures += 1;
    const fromAddress = throttle.recordFailure(session.peer);
    const delay = throttle.delayFor(fromAddress);
    session.log(
      'warn',
      'login',
      `failed login for ${JSON.stringify(clipRedacted(name, 64))} (${session.loginFailures} of ${limits.maxLoginFailures} in this session, ${fromAddress} of ${limits.maxLoginFailuresPerIp} from ${session.peer}); answering in ${delay} ms`,
    );
    // The address's turn is held through the delay, even if this client hangs up: its other
    // sessions wait behind it. Not ref'd: a stopping server does not wait for it to end.
    await sleep(delay, undefined, { ref: false });
    release();
    if (fromAddress >= limits.maxLoginFailuresPerIp) {
      session.log('warn', 'login', `too many failed logins from ${session.peer}; closing and refusing its logins until they expire`);
      await session.close('Too many failed logins from your address; try again later.');
      return;
    }
    if (session.loginFailures >= limits.maxLoginFailures) {
      session.log('warn', 'login', 'too many failed logins; closing');
      await session.close('Too many failed logins; closing control connection.');
      return;
    }
    await session.reply(530, 'Login incorrect.');
  } finally {
    release();
  }
}

async function quit(session: Session): Promise<void> {
  await session.reply(221, 'Goodbye.');
  await session.flush();
  await session.close();
}

export const authCommands: CommandTable = {
  USER: { needsLogin: false, handler: user },
  PASS: { needsLogin: false, handler: pass },
  QUIT: { needsLogin: false, handler: quit },
};
