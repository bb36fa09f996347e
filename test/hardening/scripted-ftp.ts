/**
 * A small FTP server for hostile data channels, on real sockets on 127.0.0.1: it logs anyone in,
 * answers what a probe or a sweep asks on the control connection, opens passive listeners and
 * dials active ones, and lets the test decide what happens on each data connection once the
 * transfer command came. Every socket, listener and timer it makes is ended by close().
 */
import net from 'node:net';
import { startFake, type FakeConnection, type FakeServer } from '../client/fake-ftp.js';

export interface DataContext {
  /** The data connection (passive: accepted by us; active: dialled by us). */
  socket: net.Socket;
  /** Write a control reply. */
  reply(text: string): void;
  /** 'LIST', 'NLST', 'RETR'. */
  verb: string;
  /** The mode command this transfer follows ('PASV', 'EPSV', 'PORT', 'EPRT'). */
  mode: string;
  /** Active modes: the client's listener from PORT/EPRT (a test may dial it again). */
  active?: { host: string; port: number };
  /** Call `tick` every `ms` until the socket closes or the server closes; bounded by close(). */
  every(ms: number, tick: () => void): void;
}

export type DataScript = (context: DataContext) => void | Promise<void>;

export interface ScriptedFtp extends FakeServer {
  /** Transfer commands received, in order ('LIST', 'NLST', ...). */
  readonly transfers: string[];
}

const FEATURES = '211-Features:\r\n EPSV\r\n PASV\r\n211 End\r\n';

export async function startScriptedFtp(onData: DataScript): Promise<ScriptedFtp> {
  const timers = new Set<NodeJS.Timeout>();
  const dialled = new Set<net.Socket>();
  const transfers: string[] = [];
  const fake = await startFake(async (connection) => {
    connection.send('220 scripted\r\n');
    let passive: Promise<net.Socket> | undefined;
    let active: { host: string; port: number } | undefined;
    let mode = '';
    for (;;) {
      const line = await connection.command(30_000).catch(() => undefined);
      if (line === undefined) return;
      const [word = '', ...rest] = line.split(' ');
      const verb = word.toUpperCase();
      const argument = rest.join(' ');
      if (verb === 'QUIT') {
        connection.send('221 bye\r\n');
        connection.socket.end();
        return;
      }
      if (verb === 'PASV' || verb === 'EPSV' || verb === 'PORT' || verb === 'EPRT') mode = verb;
      if (verb === 'PASV' || verb === 'EPSV') {
        const listener = await connection.dataListener();
        passive = listener.accepted;
        active = undefined;
        const { port } = listener;
        connection.send(verb === 'PASV' ? `227 Entering Passive Mode (127,0,0,1,${port >> 8},${port & 0xff}).\r\n` : `229 Entering Extended Passive Mode (|||${port}|)\r\n`);
        continue;
      }
      if (verb === 'PORT' || verb === 'EPRT') {
        active = verb === 'PORT' ? portTarget(argument) : eprtTarget(argument);
        passive = undefined;
        connection.send('200 ok\r\n');
        continue;
      }
      if (verb === 'LIST' || verb === 'NLST' || verb === 'RETR') {
        transfers.push(verb);
        const socket = await dataSocket(passive, active, dialled);
        passive = undefined;
        if (!socket) {
          connection.send('425 no data connection\r\n');
          continue;
        }
        connection.send('150 here it comes\r\n');
        await onData({ ...dataContext(socket, connection, verb, timers), mode, ...(active ? { active } : {}) });
        continue;
      }
      connection.send(simpleReply(verb));
    }
  });
  return {
    ...fake,
    transfers,
    close: async () => {
      for (const timer of timers) clearInterval(timer);
      for (const socket of dialled) socket.destroy();
      await fake.close();
    },
  };
}

function dataContext(socket: net.Socket, connection: FakeConnection, verb: string, timers: Set<NodeJS.Timeout>): Omit<DataContext, 'mode'> {
  return {
    socket,
    verb,
    reply: (text) => connection.send(text),
    every: (ms, tick) => {
      const timer = setInterval(() => {
        if (socket.destroyed || socket.writableEnded) {
          clearInterval(timer);
          timers.delete(timer);
          return;
        }
        tick();
      }, ms);
      timers.add(timer);
    },
  };
}

async function dataSocket(passive: Promise<net.Socket> | undefined, active: { host: string; port: number } | undefined, dialled: Set<net.Socket>): Promise<net.Socket | undefined> {
  if (passive) return within(passive, 5000);
  if (!active) return undefined;
  const socket = net.connect(active);
  dialled.add(socket);
  socket.on('error', () => {});
  socket.on('close', () => dialled.delete(socket));
  const connected = new Promise<net.Socket>((resolve) => socket.once('connect', () => resolve(socket)));
  return within(connected, 5000);
}

/** `promise`'s value, or undefined when it has not settled within `ms` (a hang guard). */
export function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([promise, new Promise<undefined>((resolve) => (timer = setTimeout(resolve, ms, undefined)))]).finally(() => clearTimeout(timer));
}

function portTarget(argument: string): { host: string; port: number } {
  const numbers = argument.split(',').map(Number);
  return { host: numbers.slice(0, 4).join('.'), port: (numbers[4] ?? 0) * 256 + (numbers[5] ?? 0) };
}

function eprtTarget(argument: string): { host: string; port: number } {
  const delimiter = argument[0] ?? '|';
  const [, , host = '127.0.0.1', port = '0'] = argument.split(delimiter);
  return { host, port: Number(port) };
}

function simpleReply(verb: string): string {
  switch (verb) {
    case 'USER':
      return '331 password please\r\n';
    case 'PASS':
      return '230 logged in\r\n';
    case 'FEAT':
      return FEATURES;
    case 'SYST':
      return '215 UNIX Type: L8\r\n';
    case 'PWD':
      return '257 "/"\r\n';
    case 'TYPE':
    case 'NOOP':
      return '200 ok\r\n';
    default:
      return '502 not implemented\r\n';
  }
}
