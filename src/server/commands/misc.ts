/** SYST / FEAT / OPTS / TYPE / MODE / STRU / NOOP / HELP / STAT / SITE. */
import { FEATURE_NAME, TOKEN_OPTION } from '../../ftp/evidence.js';
import type { Session } from '../session.js';
import { statPath } from './listing.js';
import { siteSweep } from './sweep.js';
import type { CommandTable } from './table.js';

async function feat(session: Session): Promise<void> {
  const features = ['EPRT', 'EPSV', 'MDTM', 'MLST type*;size*;modify*;perm*;', 'PASV', 'REST STREAM', 'SIZE', 'TVFS', 'UTF8'];
  if (session.server.options.tls === 'explicit' || session.server.options.tls === 'implicit') features.push('AUTH TLS', 'PBSZ', 'PROT');
  if (session.server.options.allowCcc && session.server.options.tls !== 'none' && session.server.options.tls !== undefined) features.push('CCC');
  features.push(FEATURE_NAME);
  await session.reply(211, ['Features:', ...features.sort().map((feature) => ` ${feature}`), 'End']);
}

async function opts(session: Session, argument: string): Promise<void> {
  const option = argument.trim().replace(/\s+/g, ' ').toUpperCase();
  if (option === TOKEN_OPTION) {
    session.tokens = true;
    session.log('info', 'evidence', 'data connection tokens on');
    return session.reply(200, 'Data connection tokens on.');
  }
  if (option === 'UTF8 ON' || option === 'UTF-8 ON') return session.reply(200, 'Always in UTF8 mode.');
  if (option.startsWith('MLST ')) return session.reply(200, 'MLST OPTS accepted.');
  await session.reply(501, 'Option not understood.');
}

async function type(session: Session, argument: string): Promise<void> {
  const value = argument.trim().toUpperCase();
  if (value === 'I' || value === 'L 8') {
    session.type = 'I';
    return session.reply(200, 'Switching to Binary mode.');
  }
  if (value === 'A' || value === 'A N') {
    session.type = 'A';
    return session.reply(200, 'Switching to ASCII mode.');
  }
  await session.reply(504, 'TYPE takes A or I.');
}

function only(value: string, name: string) {
  return async (session: Session, argument: string): Promise<void> => {
    if (argument.trim().toUpperCase() === value) return session.reply(200, `${name} set to ${value}.`);
    await session.reply(504, `Only ${name} ${value} is supported.`);
  };
}

async function stat(session: Session, argument: string): Promise<void> {
  if (argument.trim() !== '') return statPath(session, argument);
  const lines = [
    'ftp-doctor reference server status:',
    `Connected from ${session.peer}`,
    session.loggedIn ? `Logged in as ${session.user}` : 'Not logged in',
    `TYPE: ${session.type === 'I' ? 'BINARY' : 'ASCII'}; control ${session.tlsActive ? 'TLS' : 'plain'}; data ${session.protection === 'P' ? 'TLS' : 'plain'}`,
    session.transfer ? 'A transfer is in progress' : 'No transfer in progress',
    'End of status',
  ];
  await session.reply(211, lines);
}

async function help(session: Session): Promise<void> {
  await session.reply(214, ['The following commands are recognized:', ` ${session.server.commandNames.join(' ')}`, 'Help OK.']);
}

export const miscCommands: CommandTable = {
  SYST: { needsLogin: false, handler: (session) => session.reply(215, 'UNIX Type: L8') },
  FEAT: { needsLogin: false, handler: feat },
  OPTS: { needsLogin: false, handler: opts },
  TYPE: { needsLogin: true, handler: type },
  MODE: { needsLogin: true, handler: only('S', 'MODE') },
  STRU: { needsLogin: true, handler: only('F', 'STRU') },
  NOOP: { needsLogin: false, handler: (session) => session.reply(200, 'NOOP ok.') },
  HELP: { needsLogin: false, handler: help },
  STAT: { needsLogin: false, handler: stat },
  SITE: { needsLogin: false, handler: siteSweep },
};
