/** endedByReset on real loopback sockets: a FIN and a reset after a short write end alike in Node. */
import { once } from 'node:events';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { endedByReset } from '../../src/net/reset-probe.js';

const servers: net.Server[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

/** The server side of a connection whose client writes a few bytes and then ends as `how`. */
async function endedConnection(how: 'fin' | 'reset' | 'fin-then-reset', allowHalfOpen: boolean): Promise<{ socket: net.Socket; sawError: boolean }> {
  const server = net.createServer({ allowHalfOpen });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const accepted = once(server, 'connection') as Promise<[net.Socket]>;
  const client = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
  client.on('error', () => {});
  await once(client, 'connect');
  const [socket] = await accepted;
  let sawError = false;
  socket.on('error', () => (sawError = true));
  socket.resume();
  const ended = new Promise<void>((resolve) => {
    socket.once('end', resolve);
    socket.once('close', resolve);
  });
  await new Promise<void>((resolve) => client.write('abc', () => resolve()));
  if (how === 'reset') client.resetAndDestroy();
  else client.end();
  await ended;
  if (how === 'fin-then-reset') {
    // An abortive close after the FIN: all the data had arrived.
    client.resetAndDestroy();
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { socket, sawError };
}

describe('endedByReset', () => {
  it('a reset right after a short write: the probe says reset, whether Node said end or error', async () => {
    const { socket } = await endedConnection('reset', true);
    // Usually Node saw a clean 'end' here (libuv's POLLHUP shortcut); if it saw the error, the
    // socket is destroyed and the transfer fails anyway, so only the 'end' case needs the probe.
    if (!socket.destroyed) expect(await endedByReset(socket)).toBe(true);
    socket.destroy();
  });

  it('a FIN is a FIN', async () => {
    const { socket, sawError } = await endedConnection('fin', true);
    expect(sawError).toBe(false);
    expect(await endedByReset(socket)).toBe(false);
    socket.destroy();
  });

  it('a reset after the FIN is no reset of the data: every byte had arrived (Linux: EPIPE)', async () => {
    const { socket } = await endedConnection('fin-then-reset', true);
    expect(await endedByReset(socket)).toBe(false);
    socket.destroy();
  });

  it('cannot tell on a socket that is not half-open, and says no rather than guess', async () => {
    const { socket } = await endedConnection('reset', false);
    expect(await endedByReset(socket)).toBe(false);
    socket.destroy();
  });
});
