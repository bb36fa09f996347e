/** LIST / NLST / MLSD over the data connection, MLST over the control connection. */
import { Readable } from 'node:stream';
import { formatFacts, formatList, formatMlsd, formatNameList } from '../listing.js';
import type { Session } from '../session.js';
import { runTransfer, sendStream } from '../transfer.js';
import { resolvePath } from './paths.js';
import type { CommandTable } from './table.js';

/** `LIST -la /pub` → '/pub': ls-style options are accepted and ignored, as most servers do. */
export function stripListOptions(argument: string): string {
  let rest = argument.trim();
  while (/^-[A-Za-z]+(\s|$)/.test(rest)) rest = rest.replace(/^-[A-Za-z]+\s*/, '');
  return rest;
}

function listingCommand(format: 'list' | 'names' | 'facts') {
  return async (session: Session, argument: string): Promise<void> => {
    const target = resolvePath(session, stripListOptions(argument));
    const files = session.server.files;
    const entry = await files.stat(target);
    if (format === 'facts' && entry.type !== 'dir') return session.reply(501, 'MLSD needs a directory; use MLST for a file.');
    const entries = await files.list(target);
    const text = format === 'list' ? formatList(entries, new Date()) : format === 'names' ? formatNameList(entries) : formatMlsd(entries);
    const verb = format === 'list' ? 'LIST' : format === 'names' ? 'NLST' : 'MLSD';
    await runTransfer(session, { what: `${verb} ${target}`, direction: 'download' }, sendStream(session, Readable.from([Buffer.from(text, 'utf8')])));
  };
}

async function mlst(session: Session, argument: string): Promise<void> {
  const target = resolvePath(session, argument);
  const entry = await session.server.files.stat(target);
  await session.reply(250, [`Listing ${target}`, ` ${formatFacts({ ...entry, name: target })}`, 'End']);
}

/** STAT with a path: the listing over the control connection (no data connection needed). */
export async function statPath(session: Session, argument: string): Promise<void> {
  if (!session.loggedIn) return session.reply(530, 'Please log in with USER and PASS first.');
  const target = resolvePath(session, stripListOptions(argument));
  const entries = await session.server.files.list(target);
  const lines = formatList(entries, new Date()).split('\r\n').filter(Boolean);
  await session.reply(213, [`Status of ${target}:`, ...lines, 'End of status.']);
}

export const listingCommands: CommandTable = {
  LIST: { needsLogin: true, handler: listingCommand('list') },
  NLST: { needsLogin: true, handler: listingCommand('names') },
  MLSD: { needsLogin: true, handler: listingCommand('facts') },
  MLST: { needsLogin: true, handler: mlst },
};
