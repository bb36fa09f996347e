/**
 * A tiny scripted FTP server for hostile cases: real sockets on 127.0.0.1, one script per test that
 * decides exactly what goes on the wire and when. Every socket and listener it creates is closed
 * by close(), and every wait is bounded.
 */
import net from 'node:net';

export interface FakeConnection {
  socket: net.Socket;
  send(text: string): void;
  /** The next command line from the client (without CRLF); rejects after `timeoutMs`. */
  command(timeoutMs?: number): Promise<string>;
  /** Open a data listener on 127.0.0.1; `accepted` resolves with the first data socket. */
  dataListener(): Promise<{ port: number; accepted: Promise<net.Socket> }>;
}

export interface FakeServer {
  host: string;
  port: number;
  /** Errors thrown by scripts (a test can assert there were none). */
  errors: unknown[];
  close(): Promise<void>;
}

export async function startFake(script: (connection: FakeConnection) => Promise<void>): Promise<FakeServer> {
  const sockets = new Set<net.Socket>();
  const servers = new Set<net.Server>();
  const errors: unknown[] = [];
  const track = (socket: net.Socket): void => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
  };
  const server = net.createServer((socket) => {
    track(socket);
    let buffer = '';
    const lines: string[] = [];
    let waiter: ((line: string) => void) | undefined;
    socket.on('data', (chunk) => {
      buffer += chunk.toString('latin1');
      for (let newline = buffer.indexOf('\n'); newline >= 0; newline = buffer.indexOf('\n')) {
        const line = buffer.slice(0, newline).replace(/\r$/, '');
        buffer = buffer.slice(newline + 1);
        if (waiter) {
          const resolve = waiter;
          waiter = undefined;
          resolve(line);
        } else lines.push(line);
      }
    });
    const connection: FakeConnection = {
      socket,
      send: (text) => {
        if (!socket.destroyed) socket.write(text);
      },
      command: (timeoutMs = 2000) => {
        const queued = lines.shift();
        if (queued !== undefined) return Promise.resolve(queued);
        return new Promise((resolve, reject) => {
          const timer = setTimeout(() => {
            waiter = undefined;
            reject(new Error('fake server: no command in time'));
          }, timeoutMs);
          waiter = (line) => {
            clearTimeout(timer);
            resolve(line);
          };
        });
      },
      dataListener: () =>
        new Promise((resolve) => {
          let accept: (socket: net.Socket) => void = () => {};
          const accepted = new Promise<net.Socket>((done) => (accept = done));
          const data = net.createServer((socket) => {
            track(socket);
            accept(socket);
          });
          servers.add(data);
          data.listen(0, '127.0.0.1', () => resolve({ port: (data.address() as net.AddressInfo).port, accepted }));
        }),
    };
    script(connection).catch((error: unknown) => errors.push(error));
  });
  servers.add(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    host: '127.0.0.1',
    port: (server.address() as net.AddressInfo).port,
    errors,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await Promise.all([...servers].map((item) => new Promise((resolve) => item.close(resolve))));
    },
  };
}

/** "227 Entering Passive Mode (127,0,0,1,p1,p2)." for a local port. */
export function pasvReply(port: number): string {
  return `227 Entering Passive Mode (127,0,0,1,${port >> 8},${port & 0xff}).\r\n`;
}

/** Log in as anything: answer USER with 331 and PASS with 230. */
export async function acceptLogin(connection: FakeConnection): Promise<void> {
  await connection.command();
  connection.send('331 Password please.\r\n');
  await connection.command();
  connection.send('230 Logged in.\r\n');
}
