/** Test helpers: a server on 127.0.0.1:0 with its log collected, a raw control client, peers. */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import type { Duplex } from 'node:stream';
import { ReplyReader, type Reply } from '../../src/ftp/reply.js';
import { realNetwork } from '../../src/net/real.js';
import type { Network } from '../../src/net/network.js';
import type { LogEntry } from '../../src/server/log.js';
import type { ServerOptions } from '../../src/server/options.js';
import { startServer, type RunningServer } from '../../src/server/server.js';

export interface TestServer extends RunningServer {
  logs: LogEntry[];
}

export async function serve(options: Partial<ServerOptions> = {}, network: Network = realNetwork): Promise<TestServer> {
  const server = await startServer({ host: '127.0.0.1', port: 0, anonymous: true, ...options }, network);
  const logs: LogEntry[] = [];
  server.events.on('log', (entry: LogEntry) => logs.push(entry));
  return Object.assign(server, { logs });
}

/** A control connection that reads whole replies; every wait is bounded. */
export class RawClient {
  private reader = new ReplyReader();
  private replies: Reply[] = [];
  private waiting: (() => void) | undefined;
  closed = false;
  stream: Duplex;

  private constructor(readonly socket: net.Socket) {
    this.stream = socket;
    this.listen(socket);
    socket.on('close', () => {
      this.closed = true;
      this.waiting?.();
    });
    socket.on('error', () => {});
  }

  private listen(stream: Duplex): void {
    stream.on('data', (chunk: Buffer) => {
      this.replies.push(...this.reader.push(chunk.toString('utf8')));
      this.waiting?.();
    });
  }

  static async connect(port: number, options: { localAddress?: string; host?: string } = {}): Promise<RawClient> {
    const socket = net.connect({ host: options.host ?? '127.0.0.1', port, ...(options.localAddress ? { localAddress: options.localAddress } : {}) });
    socket.setNoDelay(true);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('error', reject);
    });
    return new RawClient(socket);
  }

  /** Connect and read the 220 greeting. */
  static async open(port: number, options: { localAddress?: string } = {}): Promise<RawClient> {
    const client = await RawClient.connect(port, options);
    const greeting = await client.reply();
    if (greeting.code !== 220) throw new Error(`unexpected greeting ${greeting.lines.join(' ')}`);
    return client;
  }

  async reply(timeoutMs = 10_000): Promise<Reply> {
    const deadline = Date.now() + timeoutMs;
    while (this.replies.length === 0) {
      if (this.closed) throw new Error('connection closed before a reply');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('no reply within the time limit');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiting = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.waiting = undefined;
    }
    return this.replies.shift() as Reply;
  }

  /** Replies received but not read yet (to check nothing extra arrived). */
  get unread(): number {
    return this.replies.length;
  }

  write(text: string | Buffer): void {
    this.stream.write(text);
  }

  async command(line: string): Promise<Reply> {
    this.write(`${line}\r\n`);
    return this.reply();
  }

  async login(user = 'anonymous', password = 'test@example.com'): Promise<void> {
    const first = await this.command(`USER ${user}`);
    if (first.code !== 331) throw new Error(`USER: ${first.lines.join(' ')}`);
    const second = await this.command(`PASS ${password}`);
    if (second.code !== 230) throw new Error(`PASS: ${second.lines.join(' ')}`);
  }

  /** After a 234: run the TLS handshake on this connection and read replies through it. */
  async startTls(): Promise<tls.TLSSocket> {
    this.socket.removeAllListeners('data');
    const secure = tls.connect({ socket: this.socket, rejectUnauthorized: false });
    await new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', () => resolve());
      secure.once('error', reject);
    });
    secure.on('error', () => {});
    this.stream = secure;
    this.listen(secure);
    return secure;
  }

  /** Wait (bounded) until the server closes the connection. */
  async closedByServer(timeoutMs = 10_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    return this.closed;
  }

  close(): void {
    this.stream.destroy();
    this.socket.destroy();
  }
}

/** Open a passive data connection from the 227 reply, read it all, return the bytes. */
export async function readData(port: number, options: { localAddress?: string } = {}): Promise<Buffer> {
  const socket = net.connect({ host: '127.0.0.1', port, ...(options.localAddress ? { localAddress: options.localAddress } : {}) });
  const chunks: Buffer[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('data connection did not finish in time'));
    }, 15_000);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks));
    });
  });
}

export function passivePort(reply: Reply): number {
  const match = /\((\d+),(\d+),(\d+),(\d+),(\d+),(\d+)\)/.exec(reply.message) ?? /\(\|\|\|(\d+)\|\)/.exec(reply.message);
  if (!match) throw new Error(`no port in ${reply.message}`);
  if (match.length === 2) return Number(match[1]);
  return Number(match[5]) * 256 + Number(match[6]);
}

export interface RunResult {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

/** Run a peer program with a hard time limit (it is killed when the limit passes). */
export function run(command: string, args: string[], timeoutMs = 60_000, input?: string): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(stdout), stderr });
    });
    child.stdin.end(input ?? '');
  });
}

export const hasCurl = existsSync('/usr/bin/curl');
export const hasLftp = existsSync('/usr/bin/lftp');
