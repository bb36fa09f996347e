/** The real network: node:net. Kept thin so the simulator can stand in for it exactly. */
import net from 'node:net';
import { bulkReader } from './bulk-read.js';
import { abortError, type Connection, type ConnectRequest, type ConnectionHandler, type Listener, type ListenRequest, type Network } from './network.js';

export const realNetwork: Network = {
  name: 'real',

  connect(request: ConnectRequest): Promise<Connection> {
    return new Promise((resolve, reject) => {
      if (request.signal?.aborted) return reject(abortError());
      const bulk = request.readBuffer ? bulkReader(request.readBuffer) : undefined;
      const socket: net.Socket = net.connect({
        host: request.host,
        port: request.port,
        // Set as the socket is made: cheaper than setNoDelay() after connect, once per connection.
        noDelay: true,
        ...(request.allowHalfOpen ? { allowHalfOpen: true } : {}),
        ...(bulk ? { onread: bulk.onread } : {}),
        ...(request.localAddress !== undefined ? { localAddress: request.localAddress } : {}),
        ...(request.localPort !== undefined ? { localPort: request.localPort } : {}),
      });
      bulk?.attach(socket);
      // For the socket's whole life, not only while connecting: a reset that arrives after the
      // caller is done with the connection (a data socket lingering after its transfer) would
      // otherwise be an unhandled 'error' event, which ends the process. Callers that care about
      // errors attach their own listener; this one only keeps an error from escaping.
      socket.on('error', () => {});
      const onAbort = (): void => {
        cleanup();
        socket.destroy();
        reject(abortError());
      };
      const onError = (error: Error): void => {
        cleanup();
        socket.destroy();
        reject(error);
      };
      const onConnect = (): void => {
        cleanup();
        resolve(socket);
      };
      const cleanup = (): void => {
        request.signal?.removeEventListener('abort', onAbort);
        socket.off('error', onError);
        socket.off('connect', onConnect);
      };
      request.signal?.addEventListener('abort', onAbort, { once: true });
      socket.once('error', onError);
      socket.once('connect', onConnect);
    });
  },

  listen(request: ListenRequest, onConnection: ConnectionHandler): Promise<Listener> {
    return new Promise((resolve, reject) => {
      const server = net.createServer({ noDelay: true, allowHalfOpen: request.allowHalfOpen === true, pauseOnConnect: request.writeOnly === true }, (socket) => {
        // A peer that vanishes before we attach handlers must not crash the process.
        socket.on('error', () => {});
        onConnection(socket);
      });
      server.once('error', reject);
      server.listen({ host: request.host, port: request.port, backlog: request.backlog ?? 511, exclusive: true }, () => {
        server.off('error', reject);
        server.on('error', () => {});
        const address = server.address();
        const port = typeof address === 'object' && address ? address.port : request.port;
        resolve({
          host: request.host,
          port,
          close: () =>
            new Promise<void>((done) => {
              server.close(() => done());
            }),
        });
      });
    });
  },
};
