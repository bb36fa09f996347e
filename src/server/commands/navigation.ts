/** PWD / CWD / CDUP (and the X-forms old clients send). */
import { FileError } from '../filesystem/vfs.js';
import type { Session } from '../session.js';
import { quotePath, resolvePath } from './paths.js';
import type { CommandTable } from './table.js';

async function pwd(session: Session): Promise<void> {
  await session.reply(257, `${quotePath(session.cwd)} is the current directory.`);
}

async function cwd(session: Session, argument: string): Promise<void> {
  const target = resolvePath(session, argument === '' ? '/' : argument);
  const entry = await session.server.files.stat(target);
  if (entry.type !== 'dir') throw new FileError('ENOTDIR', 'Not a directory.');
  session.cwd = target;
  await session.reply(250, `Directory changed to ${target}.`);
}

async function cdup(session: Session): Promise<void> {
  await cwd(session, '..');
}

export const navigationCommands: CommandTable = {
  PWD: { needsLogin: true, handler: pwd },
  XPWD: { needsLogin: true, handler: pwd },
  CWD: { needsLogin: true, handler: cwd },
  XCWD: { needsLogin: true, handler: cwd },
  CDUP: { needsLogin: true, handler: cdup },
  XCUP: { needsLogin: true, handler: cdup },
};
