/**
 * PORT / EPRT. The target must be the control connection's peer and a port >= 1024: anything else
 * would let a client use the server to connect to third parties (the FTP bounce attack, RFC 2577).
 * Refused targets are never dialled. The connection itself is made on the transfer command.
 */
import { sameAddress, normalizeAddress } from '../../ftp/address.js';
import { parseEprtArgument, parsePortArgument, type HostPort } from '../../ftp/passive.js';
import type { Parsed } from '../../ftp/result.js';
import type { Session } from '../session.js';
import { dropDataSetup } from './passive.js';
import type { CommandTable } from './table.js';

function activeCommand(verb: 'PORT' | 'EPRT', parse: (argument: string) => Parsed<HostPort>) {
  return async (session: Session, argument: string): Promise<void> => {
    if (session.server.options.misbehave.refusePort) return session.reply(502, `${verb} not implemented.`);
    if (session.epsvAll) return session.reply(500, 'EPSV ALL is in effect: only EPSV is accepted.');
    const parsed = parse(argument);
    if (!parsed.ok) return session.reply(501, `Syntax error in ${verb} argument: ${parsed.error}.`);
    const { host, port } = parsed.value;
    if (!sameAddress(host, session.peer)) {
      session.log('warn', 'data', `${verb} to ${host}:${port} refused: control peer is ${session.peer}`);
      return session.reply(500, `Illegal ${verb} command: the address must be the control connection's own (${session.peer}).`);
    }
    if (port < 1024) {
      session.log('warn', 'data', `${verb} to ${host}:${port} refused: privileged port`);
      return session.reply(504, `Illegal ${verb} command: ports below 1024 are refused.`);
    }
    await dropDataSetup(session);
    session.data = { kind: 'active', host: normalizeAddress(host), port };
    await session.reply(200, `${verb} command successful. Consider using PASV.`);
  };
}

export const activeCommands: CommandTable = {
  PORT: { needsLogin: true, handler: activeCommand('PORT', parsePortArgument) },
  EPRT: { needsLogin: true, handler: activeCommand('EPRT', parseEprtArgument) },
};
