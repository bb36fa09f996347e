/**
 * The token dials of a block (src/sweep/dial.ts) on loopback, with listeners on port 0: a
 * connect answered in time is not called dropped because this process's event loop was held up
 * past the deadline (a busy machine), and the shared token deadline still catches a listener
 * that never sends its token.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { formatDataToken } from '../../src/ftp/evidence.js';
import { realNetwork } from '../../src/net/real.js';
import { provePortsInBlock } from '../../src/sweep/dial.js';

const servers: net.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

/** A listener on a free loopback port; `token` false: it accepts and stays silent. */
async function listener(token: boolean): Promise<number> {
  const server = net.createServer((socket) => {
    socket.on('error', () => {});
    const port = (server.address() as net.AddressInfo).port;
    if (token) socket.write(formatDataToken({ session: 'one', port }));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
  return (server.address() as net.AddressInfo).port;
}

/** Hold the event loop, as a busy machine (or thousands of dials in one go) does. */
function holdEventLoop(ms: number): void {
  const until = performance.now() + ms;
  // Bounded by the clock.
  while (performance.now() < until) {
    /* busy */
  }
}

describe('provePortsInBlock', () => {
  it('reads a connect answered in time before acting on a deadline the event loop was late for', async () => {
    const ports = [await listener(true), await listener(true)];
    const proofs = provePortsInBlock(realNetwork, '127.0.0.1', ports, { connectMs: 50, tokenMs: 10_000 });
    // The connects are answered by the kernel at once; the loop only sees them after this.
    holdEventLoop(300);
    const results = await Promise.all(proofs);
    expect(results.map((proof) => proof.result.state)).toEqual(['open', 'open']);
  });

  it('calls a silent listener misrouted at the token deadline, and each port is decided once', async () => {
    const silent = await listener(false);
    const talking = await listener(true);
    const started = performance.now();
    const results = await Promise.all(provePortsInBlock(realNetwork, '127.0.0.1', [silent, talking], { connectMs: 5_000, tokenMs: 300 }));
    expect(results.map((proof) => proof.result.state)).toEqual(['misrouted', 'open']);
    expect(results[0]?.result.detail).toContain('no token within 300 ms');
    // Not before its deadline (generous upper bounds are not the point here).
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
  });
});
