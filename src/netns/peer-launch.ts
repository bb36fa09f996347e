/**
 * What every launcher of a real FTP server for tests needs (src/netns/pureftpd.ts, pyftpdlib.ts):
 * loopback ports that were free a moment ago, a self-signed certificate, a child process in its own
 * process group whose output is kept and whose stop() takes every process it forked, and a start
 * that counts only when the server's own greeting answers.
 */
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import net from 'node:net';
import { join } from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { run } from './process.js';

/** A loopback port that was free a moment ago (another process may take it before it is used). */
export async function loopbackFreePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * Where loopbackFreeRange draws: below Linux's ephemeral range (32768 up), so that outgoing
 * connections do not land in it meanwhile, and apart from the ranges the test files use
 * themselves (test/port-bands.ts), which a range that was free a moment ago could still meet.
 */
export const LOOPBACK_PEER_BAND = { from: 4_000, to: 11_999 } as const;

/** `count` consecutive loopback ports in LOOPBACK_PEER_BAND, free a moment ago, for a server's passive range. */
export async function loopbackFreeRange(count: number, attempts = 40): Promise<{ from: number; to: number }> {
  if (!Number.isInteger(count) || count < 1 || count > 100) throw new Error(`not a range size: ${count}`);
  const { from: low, to: high } = LOOPBACK_PEER_BAND;
  for (let attempt = 0; attempt < attempts; attempt += 1) {
    const from = low + Math.floor(Math.random() * (high - low + 2 - count));
    let free = true;
    for (let port = from; port < from + count && free; port += 1) free = await bindable(port);
    if (free) return { from, to: from + count - 1 };
  }
  throw new Error(`no ${count} consecutive free loopback ports found in ${attempts} attempts`);
}

/** A fresh self-signed EC certificate (CN=localhost) and its key, in two PEM files. */
export async function makeSelfSignedCertificate(directory: string): Promise<{ certFile: string; keyFile: string }> {
  const certFile = join(directory, 'cert.pem');
  const keyFile = join(directory, 'key.pem');
  const result = await run(
    ['openssl', 'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2',
      '-subj', '/CN=localhost', '-keyout', keyFile, '-out', certFile],
    { timeoutMs: 20_000 },
  );
  if (result.code !== 0) throw new Error(`openssl failed: ${result.stderr.trim()}`);
  return { certFile, keyFile };
}

/**
 * Whether a server answers on host:port with a greeting whose first line matches `pattern`. A bare
 * connect is not enough: whoever already held the port would accept it while our server exits.
 */
export function greets(host: string, port: number, pattern: RegExp): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    let received = '';
    const timer = setTimeout(() => finish(false), 2_000);
    function finish(ok: boolean) {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    }
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      if (received.includes('\n')) finish(pattern.test(received.split('\n')[0] ?? ''));
      else if (received.length > 4096) finish(false);
    });
    socket.once('error', () => finish(false));
    socket.once('close', () => finish(false));
  });
}

/** The tail of a log file, or '' when there is none yet. */
export function readLogTail(file: string, limit = 32_768): string {
  try {
    return readFileSync(file, 'utf8').slice(-limit);
  } catch {
    return '';
  }
}

/** A started real server with one user (Pure-FTPd, pyftpdlib). */
export interface RealPeer {
  host: string;
  port: number;
  /** The server's root on disk (files: hello.txt, dir/nested.txt, empty/). */
  root: string;
  user: { name: string; password: string };
  /** What the server said so far (its output and log tails): for a failing test's message. */
  output(): string;
  stop(): Promise<void>;
}

export interface PeerProcess {
  child: ChildProcess;
  /** The last 64 KiB of stdout and stderr, then the tails of the extra log files. */
  output(): string;
  exited(): boolean;
  /** Kills the process group (the server and every session it forked), then removes `directory`. */
  stop(): Promise<void>;
}

/**
 * Starts `argv` in its own process group. `stdin: 'pipe'` keeps a pipe open to the child: a server
 * that watches it (pyftpdlib's script does) exits when this process dies without calling stop().
 */
export function spawnPeer(argv: string[], options: { directory: string; logFiles?: string[]; stdin?: 'pipe' | 'ignore' }): PeerProcess {
  const [command, ...args] = argv;
  if (command === undefined) throw new Error('spawnPeer: empty argv');
  const child = spawn(command, args, { stdio: [options.stdin ?? 'ignore', 'pipe', 'pipe'], detached: true });
  let text = '';
  // The tail is kept: a chatty server's last lines say why it failed.
  const collect = (chunk: Buffer) => {
    text = (text + chunk.toString('utf8')).slice(-65_536);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  child.stdin?.on('error', () => {});
  let exited = false;
  const ended = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      resolve();
    }),
  );
  child.once('error', (error) => {
    collect(Buffer.from(`spawn failed: ${error.message}\n`));
    exited = true;
  });
  const output = () => [text, ...(options.logFiles ?? []).map((file) => readLogTail(file))].filter((item) => item !== '').join('\n');
  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= (async () => {
      if (!exited && child.pid !== undefined) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
      child.stdin?.destroy();
      await Promise.race([ended, new Promise((resolve) => setTimeout(resolve, 2_000))]);
      await rm(options.directory, { recursive: true, force: true });
    })();
    return stopped;
  };
  return { child, output, exited: () => exited, stop };
}

/**
 * Polls (bounded by `timeoutMs` and 100 attempts) until the greeting answers; on failure stops the
 * peer and throws with what it said.
 */
export async function awaitGreeting(peer: PeerProcess, name: string, host: string, port: () => number | undefined, pattern: RegExp, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; attempt < 100 && Date.now() < deadline; attempt += 1) {
    if (peer.exited()) break;
    const current = port();
    if (current !== undefined && (await greets(host, current, pattern))) return current;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const log = peer.output().trim() || 'no output';
  await peer.stop();
  throw new Error(`${name} did not start on ${host}:${port() ?? '(no port yet)'}${peer.exited() ? ' (it exited)' : ''}: ${log}`);
}
