/**
 * PASV / EPSV (and SITE SWEEP's fixed-port variant). Each one closes the previous listener. The
 * 227/229 text ends with the letter-spelt copy of what was sent (formatSentTag) so the probe can
 * prove an ALG rewrote it.
 */
import { addressFamily } from '../../ftp/address.js';
import { formatSentTag } from '../../ftp/evidence.js';
import { formatEpsvReply, formatPasvReply } from '../../ftp/passive.js';
import { PassiveChannel } from '../data-channel.js';
import type { Session } from '../session.js';
import type { CommandTable } from './table.js';

/** Close whatever data channel the session prepared before (one at a time). */
export async function dropDataSetup(session: Session): Promise<void> {
  const previous = session.data;
  session.data = undefined;
  await previous?.close?.();
}

/** Open a passive listener on a random port of the range (or `fixedPort`); replies 425 itself on failure. */
export async function openPassive(session: Session, fixedPort?: number): Promise<PassiveChannel | undefined> {
  await dropDataSetup(session);
  const server = session.server;
  const allocator = fixedPort === undefined ? (server.misbehavingPorts ?? server.ports) : server.ports;
  let channel: PassiveChannel | undefined;
  if (fixedPort === undefined) {
    channel = await allocator.allocate((port) => PassiveChannel.open(session, port, (released) => allocator.release(released)));
  } else if (allocator.claim(fixedPort)) {
    channel = await PassiveChannel.open(session, fixedPort, (released) => allocator.release(released));
    if (!channel) allocator.release(fixedPort);
  }
  if (!channel) {
    const range = allocator.range;
    const what = fixedPort !== undefined ? `port ${fixedPort} is busy` : range ? `every port of ${range.from}-${range.to} is in use` : 'no port available';
    session.log('warn', 'data', `passive listener not opened: ${what}`);
    await session.reply(425, `Cannot open a passive data port: ${what}.`);
    return undefined;
  }
  session.data = channel;
  session.log('info', 'data', `passive port ${channel.port} opened`, { port: channel.port });
  return channel;
}

function pasvAddress(session: Session): string {
  const options = session.server.options;
  return options.misbehave.advertiseAddress ?? options.externalIp ?? session.localAddress;
}

/** The 227 reply for `channel` (also used by SITE SWEEP). */
export async function replyPassive(session: Session, port: number): Promise<void> {
  const host = pasvAddress(session);
  const tag = session.server.options.evidence ? ` ${formatSentTag(host, port)}` : '';
  await session.reply(227, `${formatPasvReply(host, port)}.${tag}`);
}

async function pasv(session: Session): Promise<void> {
  if (session.epsvAll) return session.reply(500, 'EPSV ALL is in effect: only EPSV is accepted.');
  if (addressFamily(pasvAddress(session)) !== 4) {
    return session.reply(522, 'PASV needs an IPv4 address and this connection is IPv6; use EPSV.');
  }
  const channel = await openPassive(session);
  if (channel) await replyPassive(session, channel.port);
}

async function epsv(session: Session, argument: string): Promise<void> {
  if (session.server.options.misbehave.refuseEpsv) return session.reply(502, 'EPSV not implemented.');
  const word = argument.trim().toUpperCase();
  if (word === 'ALL') {
    session.epsvAll = true;
    return session.reply(200, 'EPSV ALL ok: only EPSV will be accepted from now on.');
  }
  const family = addressFamily(session.localAddress) === 6 ? '2' : '1';
  if (word !== '' && word !== family) {
    if (word === '1' || word === '2') return session.reply(522, `Network protocol not supported, use (${family}).`);
    return session.reply(501, 'EPSV takes no argument, 1, 2 or ALL.');
  }
  const channel = await openPassive(session);
  if (!channel) return;
  const tag = session.server.options.evidence ? ` ${formatSentTag(undefined, channel.port)}` : '';
  await session.reply(229, `${formatEpsvReply(channel.port)}.${tag}`);
}

export const passiveCommands: CommandTable = {
  PASV: { needsLogin: true, handler: pasv },
  EPSV: { needsLogin: true, handler: epsv },
};
