/**
 * Running one queued command line: parse it, check the session may run it (logged in, a writable
 * server), run its handler, and turn a handler's failure into a reply (550 for file errors, 552
 * for storage limits, 554 for restart offsets, 451 for anything else, logged). Exactly one final
 * reply per line, whatever happens.
 */
import { parseCommandLine } from '../ftp/command.js';
import type { CommandTable } from './commands/table.js';
import { fileErrorReplyCode, isFileError } from './filesystem/vfs.js';
import { redactCommand } from './log.js';
import type { Session } from './session.js';

export const MAX_LINE_BYTES = 4096;

export type QueueItem = { kind: 'line'; text: string } | { kind: 'too-long' };

export async function runQueued(session: Session, commands: CommandTable, item: QueueItem): Promise<void> {
  if (item.kind === 'too-long') {
    session.log('warn', 'command', `command line longer than ${MAX_LINE_BYTES} bytes discarded`);
    await session.reply(500, `Command line too long (limit ${MAX_LINE_BYTES} bytes).`);
    return;
  }
  const parsed = parseCommandLine(item.text);
  if (!parsed.ok) {
    session.log('warn', 'command', `refused a malformed command line: ${parsed.error}`);
    await session.reply(500, `Syntax error: ${parsed.error}.`);
    return;
  }
  const { verb, argument } = parsed.value;
  session.log('info', 'command', redactCommand(verb, argument), { verb });
  const spec = commands[verb];
  if (!spec) return session.reply(502, `Command ${verb} not implemented.`);
  if (spec.needsLogin && !session.loggedIn) return session.reply(530, 'Please log in with USER and PASS first.');
  if (spec.needsWritable && !session.server.files.writable) return session.reply(550, 'Permission denied: the server is read-only.');
  try {
    await spec.handler(session, argument);
  } catch (error) {
    if (isFileError(error)) return session.reply(fileErrorReplyCode(error), error.message);
    session.log('warn', 'error', `${verb} failed: ${(error as Error).message}`);
    await session.reply(451, 'Local error in processing.');
  }
}
