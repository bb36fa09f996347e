/**
 * Pure resolution of a client's path argument against the current directory, inside a virtual
 * root. Never touches the disk: the disk root additionally resolves symlinks (disk.ts).
 *
 * Refused outright rather than "cleaned": NUL (truncates paths in C libraries), backslashes (a
 * separator on Windows clients' minds, a confusing literal on POSIX). `%2e%2e` is not URL-decoded:
 * FTP paths are not URLs, so it is an ordinary, harmless file name.
 */
import path from 'node:path';
import { failed, parsed, type Parsed } from '../../ftp/result.js';

export function resolveVirtualPath(cwd: string, argument: string): Parsed<string> {
  if (argument.includes('\0')) return failed('path contains NUL');
  if (argument.includes('\\')) return failed('path contains a backslash');
  if (argument.length > 1024) return failed('path too long');
  const joined = argument.startsWith('/') ? argument : `${cwd}/${argument}`;
  // posix.normalize keeps a leading '..' only for relative paths; ours is absolute, so '..' stops at '/'.
  let normalized = path.posix.normalize(`/${joined}`);
  if (normalized.length > 1 && normalized.endsWith('/')) normalized = normalized.slice(0, -1);
  if (!normalized.startsWith('/') || normalized.split('/').includes('..')) return failed('path escapes the root');
  return parsed(normalized);
}

export function baseName(virtualPath: string): string {
  return path.posix.basename(virtualPath);
}

export function parentOf(virtualPath: string): string {
  return path.posix.dirname(virtualPath);
}
