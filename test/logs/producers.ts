/**
 * Real FTP clients run here with their logging on, each returning its log text: curl -v, lftp
 * `debug`, CPython ftplib `set_debuglevel(2)`, basic-ftp (in process, verbose) — and a scripted
 * control server whose PASV offers a port nothing listens on. Every run has a deadline.
 */
import { existsSync } from 'node:fs';
import net from 'node:net';
import { Client } from 'basic-ftp';
import { run } from '../server/helpers.js';
import { freePort } from '../probe/free-port.js';

export const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

export interface Target {
  port: number;
  user: string;
  password: string;
}

const url = (target: Target, path = '/'): string => `ftp://${encodeURIComponent(target.user)}:${encodeURIComponent(target.password)}@127.0.0.1:${target.port}${path}`;

/** curl -v of a passive listing (PASV only with `pasv`); the log is what -v writes to stderr. */
export async function curlLog(target: Target, options: { pasv?: boolean; extra?: string[] } = {}): Promise<string> {
  const args = ['-sv', '--connect-timeout', '5', '--max-time', '20', ...(options.pasv ? ['--disable-epsv'] : []), ...(options.extra ?? []), url(target)];
  return (await run('curl', args, 40_000)).stderr;
}

/** lftp with `debug 10`, one listing; retries and timeouts short so a failure ends quickly. */
export async function lftpLog(target: Target, options: { active?: boolean } = {}): Promise<string> {
  const script = [
    'debug 10',
    ...(options.active ? ['set ftp:passive-mode off'] : []),
    'set net:timeout 5',
    'set net:max-retries 1',
    'set net:reconnect-interval-base 1',
    'set ftp:prefer-epsv no',
    'set ftp:ssl-allow no',
    `open -u ${target.user},${target.password} ftp://127.0.0.1:${target.port}`,
    'ls',
  ].join('; ');
  const result = await run('lftp', ['-c', script], 40_000);
  return `${result.stdout}${result.stderr}`;
}

/** Linux ftp (inetutils) with -d -v -p (passive), stderr merged as a user's `2>&1` paste: one listing. */
export async function ftpDebugLog(target: Target): Promise<string> {
  const input = `user ${target.user} ${target.password}\nls\nquit\n`;
  const result = await run('sh', ['-c', `exec ${INETUTILS_FTP} -d -v -n -p 127.0.0.1 ${target.port} 2>&1`], 40_000, input);
  return String(result.stdout);
}

export const INETUTILS_FTP = '/usr/bin/inetutils-ftp';

/** CPython ftplib at debug level 2, one passive LIST; a traceback, when it fails, is part of the log. */
export async function ftplibLog(target: Target): Promise<string> {
  const script = [
    'import ftplib, sys',
    `f = ftplib.FTP(timeout=5)`,
    'f.set_debuglevel(2)',
    `f.connect('127.0.0.1', ${target.port})`,
    `f.login(${JSON.stringify(target.user)}, ${JSON.stringify(target.password)})`,
    'f.set_pasv(True)',
    'f.retrlines("LIST")',
    'f.quit()',
  ].join('\n');
  const result = await run(PYTHON, ['-c', script], 40_000);
  return `${result.stdout}${result.stderr}`;
}

/** basic-ftp with verbose on: its log lines, and the error message the caller got (pasted under the log, as users do). */
export async function basicFtpLog(target: Target): Promise<string> {
  const lines: string[] = [];
  const client = new Client(8_000);
  client.ftp.verbose = true;
  client.ftp.log = (message: string) => lines.push(message);
  try {
    await client.access({ host: '127.0.0.1', port: target.port, user: target.user, password: target.password });
    await client.list();
  } catch (error) {
    lines.push(String((error as Error).message));
  } finally {
    client.close();
  }
  return `${lines.join('\n')}\n`;
}

export interface ScriptedServer {
  port: number;
  /** The passive port offered, where nothing listens. */
  deadPort: number;
  close(): Promise<void>;
}

/** A control server that logs in anyone and answers PASV with a loopback port nothing listens on. */
export async function deadPortServer(): Promise<ScriptedServer> {
  const deadPort = await freePort();
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.write('220 scripted server\r\n');
    let buffered = '';
    socket.on('data', (chunk: Buffer) => {
      buffered = (buffered + chunk.toString('latin1')).slice(-4096);
      for (let newline = buffered.indexOf('\n'); newline >= 0; newline = buffered.indexOf('\n')) {
        const verb = buffered.slice(0, newline).replace(/^[^A-Za-z]+/, '').trim().split(' ')[0]?.toUpperCase() ?? '';
        buffered = buffered.slice(newline + 1);
        const replies: Record<string, string> = {
          USER: '331 password please',
          PASS: '230 logged in',
          PWD: '257 "/"',
          CWD: '250 ok',
          TYPE: '200 ok',
          SYST: '215 UNIX Type: L8',
          FEAT: '211-Features:\r\n PASV\r\n211 End',
          OPTS: '200 ok',
          EPSV: '500 EPSV not understood',
          PASV: `227 Entering Passive Mode (127,0,0,1,${deadPort >> 8},${deadPort & 0xff})`,
          LIST: "425 Can't open data connection",
          NLST: "425 Can't open data connection",
          MLSD: "425 Can't open data connection",
          ABOR: '226 ok',
          QUIT: '221 bye',
        };
        socket.write(`${replies[verb] ?? '502 not implemented'}\r\n`);
        if (verb === 'QUIT') socket.end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    deadPort,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
