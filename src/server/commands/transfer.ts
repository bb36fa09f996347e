/** RETR / STOR / APPE / REST / SIZE / MDTM / ABOR (ABOR during a transfer is handled in session.ts). */
import { FileError } from '../filesystem/vfs.js';
import { formatTimeVal } from '../listing.js';
import type { Session } from '../session.js';
import { receiveStream, runTransfer, sendStream } from '../transfer.js';
import { resolvePath } from './paths.js';
import type { CommandTable } from './table.js';

async function retr(session: Session, argument: string): Promise<void> {
  const target = resolvePath(session, argument);
  const files = session.server.files;
  const entry = await files.stat(target);
  if (entry.type !== 'file') throw new FileError('EISDIR', 'Is a directory.');
  const offset = session.restOffset;
  if (offset > entry.size) return session.reply(554, `Restart offset ${offset} is past the end of the file (${entry.size} bytes).`);
  const source = await files.read(target, offset);
  const what = `${target} (${entry.size} bytes${offset > 0 ? `, from offset ${offset}` : ''})`;
  try {
    await runTransfer(session, { what, direction: 'download' }, sendStream(session, source));
  } finally {
    source.destroy();
  }
}

function storeCommand(mode: 'replace' | 'append') {
  return async (session: Session, argument: string): Promise<void> => {
    if (argument === '') return session.reply(501, 'A file name is needed.');
    // REST then STOR resumes an upload (lftp `put -c`); with APPE the offset means nothing.
    const offset = mode === 'replace' ? session.restOffset : 0;
    session.restOffset = 0;
    const target = resolvePath(session, argument);
    // Refusals (a restart offset past the end: 554; no free space: 552) come before any 150.
    const upload = await session.server.files.write(target, mode, offset);
    await runTransfer(
      session,
      { what: target, direction: 'upload', onSuccess: () => upload.commit(), onFailure: () => upload.abort() },
      receiveStream(upload.stream),
    );
  };
}

async function rest(session: Session, argument: string): Promise<void> {
  if (!/^\d{1,15}$/.test(argument)) return session.reply(501, 'REST needs a byte offset.');
  session.restOffset = Number(argument);
  await session.reply(350, `Restarting at ${session.restOffset}. Send RETR or STOR to resume.`);
}

async function size(session: Session, argument: string): Promise<void> {
  const entry = await session.server.files.stat(resolvePath(session, argument));
  if (entry.type !== 'file') return session.reply(550, 'Could not get file size: not a plain file.');
  await session.reply(213, String(entry.size));
}

async function mdtm(session: Session, argument: string): Promise<void> {
  const entry = await session.server.files.stat(resolvePath(session, argument));
  await session.reply(213, formatTimeVal(entry.modified));
}

async function abor(session: Session): Promise<void> {
  // No transfer running (a running one is aborted out of band): drop a prepared data channel.
  const setup = session.data;
  session.data = undefined;
  await setup?.close?.();
  await session.reply(225, 'No transfer to abort.');
}

export const transferCommands: CommandTable = {
  RETR: { needsLogin: true, handler: retr },
  STOR: { needsLogin: true, needsWritable: true, handler: storeCommand('replace') },
  APPE: { needsLogin: true, needsWritable: true, handler: storeCommand('append') },
  REST: { needsLogin: true, handler: rest },
  SIZE: { needsLogin: true, handler: size },
  MDTM: { needsLogin: true, handler: mdtm },
  ABOR: { needsLogin: true, handler: abor },
};
