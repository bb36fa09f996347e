/** DELE / MKD / RMD / RNFR / RNTO: only on a writable root (the dispatcher checks). */
import type { Session } from '../session.js';
import { quotePath, resolvePath } from './paths.js';
import type { CommandTable } from './table.js';

async function dele(session: Session, argument: string): Promise<void> {
  const target = resolvePath(session, argument);
  await session.server.files.remove(target);
  session.log('info', 'write', `deleted ${target}`);
  await session.reply(250, 'Delete operation successful.');
}

async function mkd(session: Session, argument: string): Promise<void> {
  if (argument === '') return session.reply(501, 'MKD needs a directory name.');
  const target = resolvePath(session, argument);
  await session.server.files.mkdir(target);
  session.log('info', 'write', `created directory ${target}`);
  await session.reply(257, `${quotePath(target)} created.`);
}

async function rmd(session: Session, argument: string): Promise<void> {
  const target = resolvePath(session, argument);
  await session.server.files.rmdir(target);
  session.log('info', 'write', `removed directory ${target}`);
  await session.reply(250, 'Remove directory operation successful.');
}

async function rnfr(session: Session, argument: string): Promise<void> {
  const source = resolvePath(session, argument);
  await session.server.files.stat(source);
  session.renameFrom = source;
  await session.reply(350, 'Ready for RNTO.');
}

async function rnto(session: Session, argument: string): Promise<void> {
  const source = session.renameFrom;
  session.renameFrom = undefined;
  if (source === undefined) return session.reply(503, 'RNFR first.');
  const target = resolvePath(session, argument);
  await session.server.files.rename(source, target);
  session.log('info', 'write', `renamed ${source} to ${target}`);
  await session.reply(250, 'Rename successful.');
}

export const writeCommands: CommandTable = {
  DELE: { needsLogin: true, needsWritable: true, handler: dele },
  MKD: { needsLogin: true, needsWritable: true, handler: mkd },
  XMKD: { needsLogin: true, needsWritable: true, handler: mkd },
  RMD: { needsLogin: true, needsWritable: true, handler: rmd },
  XRMD: { needsLogin: true, needsWritable: true, handler: rmd },
  RNFR: { needsLogin: true, needsWritable: true, handler: rnfr },
  RNTO: { needsLogin: true, needsWritable: true, handler: rnto },
};
