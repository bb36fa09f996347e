/**
 * Test helper: real captures. A small FTP-like exchange between two node:net endpoints on
 * 127.0.0.1 (and ::1 when the host has it): greeting, USER/PASS, PASV, a data connection carrying
 * `bulkBytes`, QUIT; captured by tcpdump on the loopback (needs root: CAP_NET_RAW).
 */
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';

export function tcpdumpMissingReason(): string | null {
  if (spawnSync('tcpdump', ['--version'], { timeout: 60_000 }).status !== 0) return 'tcpdump is not installed (apt-get install tcpdump)';
  if (process.getuid?.() !== 0) return 'capturing with tcpdump needs root (CAP_NET_RAW)';
  return null;
}

function listen(host: string, onSocket: (socket: net.Socket) => void): Promise<net.Server> {
  const server = net.createServer(onSocket);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve(server));
  });
}

const portOf = (server: net.Server) => (server.address() as net.AddressInfo).port;

/** Reads lines from a socket, one awaited at a time (bounded by the test's own deadline). */
function lineReader(socket: net.Socket): () => Promise<string> {
  let buffered = '';
  const waiting: ((line: string) => void)[] = [];
  socket.setEncoding('latin1');
  socket.on('data', (chunk: string) => {
    buffered += chunk;
    for (let end = buffered.indexOf('\n'); end >= 0 && waiting.length > 0; end = buffered.indexOf('\n')) {
      const line = buffered.slice(0, end + 1);
      buffered = buffered.slice(end + 1);
      waiting.shift()!(line);
    }
  });
  return () =>
    new Promise((resolve) => {
      const end = buffered.indexOf('\n');
      if (end >= 0) {
        const line = buffered.slice(0, end + 1);
        buffered = buffered.slice(end + 1);
        resolve(line);
      } else waiting.push(resolve);
    });
}

/** Listening sockets of one exchange: their ports make the capture filter. */
export interface Exchange {
  ports: number[];
  run(): Promise<void>;
  close(): void;
}

export async function ftpLikeExchange(host: string, bulkBytes: number): Promise<Exchange> {
  const data = await listen(host, (socket) => {
    socket.end(Buffer.alloc(bulkBytes, 0x78));
  });
  const control = await listen(host, (socket) => {
    const next = lineReader(socket);
    void (async () => {
      socket.write('220 capture test ready\r\n');
      await next();
      socket.write('331 Password required\r\n');
      await next();
      socket.write('230 Logged in\r\n');
      await next();
      const port = portOf(data);
      socket.write(host.includes(':') ? `229 Entering Extended Passive Mode (|||${port}|)\r\n` : `227 Entering Passive Mode (127,0,0,1,${port >> 8},${port & 255})\r\n`);
      await next();
      socket.write('150 Here it comes\r\n226 Done\r\n');
      await next();
      socket.end('221 Bye\r\n');
    })();
  });
  return {
    ports: [portOf(control), portOf(data)],
    async run() {
      const socket = net.connect(portOf(control), host);
      const next = lineReader(socket);
      await next();
      socket.write('USER anonymous\r\n');
      await next();
      // Split across two writes with a pause: a command line in two segments.
      socket.write('PASS gu');
      await new Promise((resolve) => setTimeout(resolve, 20));
      socket.write('est\r\n');
      await next();
      socket.write(host.includes(':') ? 'EPSV\r\n' : 'PASV\r\n');
      await next();
      const dataSocket = net.connect(portOf(data), host);
      dataSocket.resume();
      socket.write('LIST\r\n');
      await once(dataSocket, 'end');
      await next();
      await next();
      socket.write('QUIT\r\n');
      await next();
      socket.end();
      await once(socket, 'close');
    },
    close() {
      control.close();
      data.close();
    },
  };
}

/** Runs tcpdump with `args` (interface, link type, precision) writing `file` around `during`. */
export async function capture(file: string, args: string[], filter: string, during: () => Promise<void>): Promise<void> {
  const tcpdump = spawn('tcpdump', [...args, '--immediate-mode', '-U', '-n', '-B', '16384', '-w', file, filter], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  tcpdump.stderr.setEncoding('utf8');
  const ready = new Promise<void>((resolve, reject) => {
    tcpdump.stderr.on('data', (chunk: string) => {
      stderr += chunk;
      if (stderr.includes('listening on')) resolve();
    });
    tcpdump.once('exit', (code) => reject(new Error(`tcpdump exited (${code}) before listening: ${stderr}`)));
  });
  const exited = once(tcpdump, 'exit');
  try {
    await ready;
    await during();
    // Let the last packets through the capture buffer before stopping it.
    await new Promise((resolve) => setTimeout(resolve, 300));
  } finally {
    tcpdump.kill('SIGINT');
    const timer = setTimeout(() => tcpdump.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}

export function hasIpv6Loopback(): boolean {
  const probe = spawnSync('ip', ['-6', 'addr', 'show', 'dev', 'lo'], { encoding: 'utf8', timeout: 10_000 });
  return probe.status === 0 && probe.stdout.includes('::1');
}
