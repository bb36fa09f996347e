/** Turn a command's path argument into a confined virtual path, or refuse with 550. */
import { clipRedacted } from '../../text/secrets.js';
import { FileError } from '../filesystem/vfs.js';
import { resolveVirtualPath } from '../filesystem/paths.js';
import type { Session } from '../session.js';

export function resolvePath(session: Session, argument: string): string {
  const resolved = resolveVirtualPath(session.cwd, argument === '' ? session.cwd : argument);
  if (!resolved.ok) {
    session.log('warn', 'path', `refused path ${JSON.stringify(clipRedacted(argument, 200))}: ${resolved.error}`);
    throw new FileError('EACCES', `Invalid path: ${resolved.error}.`);
  }
  return resolved.value;
}

/** RFC 959 quoting for 257 replies: a double quote inside the name is doubled. */
export function quotePath(path: string): string {
  return `"${path.replace(/"/g, '""')}"`;
}
