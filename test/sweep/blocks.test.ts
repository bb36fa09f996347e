/**
 * The batched SITE SWEEP (`SITE SWEEP A-B`) on loopback against the reference server: who may use
 * it, what a connection gets (the control peer: its token; anyone else: nothing), that every
 * listener is closed after DONE, the idle deadline and the end of the session, and the sweep
 * proving a range through it. Ranges sit below Linux's ephemeral ports (32768+).
 */
import net from 'node:net';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseDataToken } from '../../src/ftp/evidence.js';
import { realNetwork } from '../../src/net/real.js';
import type { Connection, Network } from '../../src/net/network.js';
import { startServer, type RunningServer } from '../../src/server/index.js';
import type { ServerOptions } from '../../src/server/options.js';
import { BLOCK_SESSIONS } from '../../src/sweep/blocks.js';
import { runSweep } from '../../src/sweep/index.js';
import { describeOpenFilesLimit, readOpenFilesLimit, sweepSocketBudget } from '../../src/sweep/limits.js';
import { blockMaxFor, parseOpenTag } from '../../src/sweep/protocol.js';
import { RawClient } from '../server/helpers.js';
import { RANDOM_BANDS } from '../port-bands.js';
import { someRange as anyRange } from './helpers.js';

/** Ranges in this file's own band (test/port-bands.ts). */
const someRange = (size: number): { from: number; to: number } => anyRange(size, RANDOM_BANDS['test/sweep/blocks.test.ts']);

let server: RunningServer | undefined;
const clients: RawClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await server?.close();
  server = undefined;
});

/** The real network, counting the listeners open on it (the control listener included). */
function countingListeners(): { network: Network; open: Set<number> } {
  const open = new Set<number>();
  return {
    open,
    network: {
      name: 'real+count',
      connect: (request) => realNetwork.connect(request),
      listen: async (request, handler) => {
        const listener = await realNetwork.listen(request, handler);
        open.add(listener.port);
        return { host: listener.host, port: listener.port, close: async () => { await listener.close(); open.delete(listener.port); } };
      },
    },
  };
}

async function serveWith(options: Partial<ServerOptions>, network: Network = realNetwork): Promise<RunningServer> {
  server = await startServer({ host: '127.0.0.1', port: 0, anonymous: true, log: 'none', ...options }, network);
  return server;
}

async function client(port: number, login = true): Promise<RawClient> {
  const opened = await RawClient.open(port);
  clients.push(opened);
  if (login) await opened.login();
  return opened;
}

/** Connect from `localAddress` and read everything until the server closes (bounded). */
function readFrom(port: number, localAddress = '127.0.0.1'): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port, localAddress });
    let text = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(text);
    }, 3000);
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
      // The token line is all the listener sends to the control peer; it leaves closing to us.
      if (text.includes('\n')) socket.end();
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(text);
    });
  });
}

async function refused(port: number): Promise<boolean> {
  return readFrom(port).then(
    () => false,
    (error: { code?: string }) => error.code === 'ECONNREFUSED',
  );
}

describe('SITE SWEEP A-B: who may use it', () => {
  it('not logged in → 530, and nothing is opened', async () => {
    const range = someRange(8);
    const { network, open } = countingListeners();
    const running = await serveWith({ allowSweep: true, pasvRange: range }, network);
    const raw = await client(running.port, false);
    expect((await raw.command(`SITE SWEEP ${range.from}-${range.to}`)).code).toBe(530);
    expect(open.size).toBe(1);
  });

  it('without --allow-sweep → 502', async () => {
    const range = someRange(8);
    const running = await serveWith({ pasvRange: range });
    const raw = await client(running.port);
    expect((await raw.command(`SITE SWEEP ${range.from}-${range.to}`)).code).toBe(502);
    expect((await raw.command('SITE SWEEP')).code).toBe(502);
  });

  it('outside the range, reversed or malformed → 501; the largest block follows the open-files limit', async () => {
    const range = someRange(300);
    const { network, open } = countingListeners();
    const running = await serveWith({ allowSweep: true, pasvRange: range }, network);
    const raw = await client(running.port);
    for (const argument of [`${range.from - 1}-${range.from + 5}`, `${range.to - 5}-${range.to + 1}`, `${range.from + 5}-${range.from}`, `${range.from}-`, `${range.from}-${range.from + 1} x`]) {
      const reply = await raw.command(`SITE SWEEP ${argument}`);
      expect(reply.code, argument).toBe(501);
    }
    expect(open.size).toBe(1);
    // The bare question names the range and the block capability.
    const probe = await raw.command('SITE SWEEP');
    expect(probe.code).toBe(501);
    expect(probe.message).toContain(`${range.from}-${range.to}`);
    // The largest block is half of what this process's open-files limit leaves for sweeps.
    expect(probe.message).toContain(`[block ${blockMaxFor(sweepSocketBudget(readOpenFilesLimit()))} idle `);
    expect(probe.message).toContain(describeOpenFilesLimit(readOpenFilesLimit()));
  });

  it('bounds what one session may open in all (4× the range), then 425', async () => {
    const range = someRange(4);
    const running = await serveWith({ allowSweep: true, pasvRange: range });
    const raw = await client(running.port);
    for (let round = 0; round < 4; round += 1) expect((await raw.command(`SITE SWEEP ${range.from}-${range.to}`)).code).toBe(200);
    expect((await raw.command(`SITE SWEEP ${range.from}-${range.from}`)).code).toBe(425);
  });
});

describe('SITE SWEEP A-B: the server\'s listener budget', () => {
  it('offers blocks of half its budget; a block beyond the budget of all sessions gets 425 until one closes', async () => {
    const range = someRange(20);
    const running = await serveWith({ allowSweep: true, pasvRange: range, limits: { sweepListenerBudget: 12 } });
    const [first, second, third] = [await client(running.port), await client(running.port), await client(running.port)];
    const probe = await first.command('SITE SWEEP');
    expect(probe.message).toContain('[block 6 idle ');
    expect((await first.command(`SITE SWEEP ${range.from}-${range.from + 6}`)).code).toBe(501);
    expect((await first.command(`SITE SWEEP ${range.from}-${range.from + 5}`)).code).toBe(200);
    expect((await second.command(`SITE SWEEP ${range.from + 6}-${range.from + 11}`)).code).toBe(200);
    const refused = await third.command(`SITE SWEEP ${range.from + 12}-${range.from + 13}`);
    expect(refused.code).toBe(425);
    expect(refused.message).toContain('This server holds 12 sweep listeners; 2 more would pass its budget (a budget of 12 sweep listeners;');
    expect((await first.command('SITE SWEEP DONE')).code).toBe(200);
    // The closed block's listeners no longer count (a block closing after DONE is waited for).
    expect((await third.command(`SITE SWEEP ${range.from + 12}-${range.from + 13}`)).code).toBe(200);
  });

  it('the sweep halves its blocks on a 425 and still proves every port', async () => {
    const range = someRange(160);
    const running = await serveWith({ allowSweep: true, pasvRange: range, limits: { sweepListenerBudget: 80 } });
    // Two other sessions hold 60 of the 80, outside the range swept: a block of 40 gets 425.
    for (const from of [range.to - 59, range.to - 29]) expect((await (await client(running.port)).command(`SITE SWEEP ${from}-${from + 29}`)).code).toBe(200);
    const swept = { from: range.from, to: range.from + 99 };
    const report = await runSweep({ url: `ftp://127.0.0.1:${running.port}/`, range: swept, connectTimeoutMs: 10_000, dataTimeoutMs: 5_000 }, realNetwork);
    expect(report.spans).toEqual([{ ...swept, state: 'open' }]);
    const pace = report.findings.find((finding) => finding.code === 'SWEEP_PACE');
    expect(pace?.evidence.join('\n')).toMatch(/slowed down \d+ time\(s\): SITE SWEEP \d+-\d+: 425 This server holds \d+ sweep listeners/);
  });
});

describe('SITE SWEEP A-B: what a connection gets', () => {
  it('the control peer gets the token naming the port; another address gets a FIN and no token, and DONE names it', async () => {
    const range = someRange(6);
    const running = await serveWith({ allowSweep: true, pasvRange: range });
    const raw = await client(running.port);
    const reply = await raw.command(`SITE SWEEP ${range.from}-${range.to}`);
    expect(reply.code).toBe(200);
    expect(parseOpenTag(reply.message)).toEqual([0, 1, 2, 3, 4, 5].map((offset) => range.from + offset));
    for (const port of [range.from, range.to]) {
      const token = parseDataToken((await readFrom(port)).split('\n')[0] ?? '');
      expect(token.ok && token.value.port).toBe(port);
    }
    // 127.0.0.2 is another address of the loopback: a different source than the control peer.
    expect(await readFrom(range.from + 1, '127.0.0.2')).toBe('');
    const done = await raw.command('SITE SWEEP DONE');
    expect(done.code).toBe(200);
    expect(done.message).toMatch(/2 token\(s\) sent; refused connections from 127\.0\.0\.2/);
  });

  it('a connection the client reset before the server accepted it is dropped quietly, not named as refused', async () => {
    const range = someRange(4);
    // Hands each block listener's handler to the test, which plays a connection already reset
    // (its remote address unreadable: what accept() gives when the client gave up first).
    const handlers = new Map<number, (connection: Connection) => void>();
    const network: Network = {
      name: 'real+handlers',
      connect: (request) => realNetwork.connect(request),
      listen: (request, handler) => {
        handlers.set(request.port, handler);
        return realNetwork.listen(request, handler);
      },
    };
    const running = await serveWith({ allowSweep: true, pasvRange: range }, network);
    const raw = await client(running.port);
    expect((await raw.command(`SITE SWEEP ${range.from}-${range.to}`)).code).toBe(200);
    const gone = Object.assign(new PassThrough(), { remoteAddress: undefined }) as unknown as Connection;
    handlers.get(range.from)?.(gone);
    const token = parseDataToken((await readFrom(range.to)).split('\n')[0] ?? '');
    expect(token.ok && token.value.port).toBe(range.to);
    const done = await raw.command('SITE SWEEP DONE');
    expect(done.message).toBe('Sweep block closed: 1 token(s) sent.');
    expect(gone.destroyed).toBe(true);
  });

  it('ports another session holds are skipped and named busy', async () => {
    const range = someRange(10);
    const running = await serveWith({ allowSweep: true, pasvRange: range });
    const first = await client(running.port);
    const second = await client(running.port);
    expect((await first.command(`SITE SWEEP ${range.from}-${range.from + 3}`)).code).toBe(200);
    const reply = await second.command(`SITE SWEEP ${range.from}-${range.to}`);
    expect(reply.code).toBe(200);
    expect(reply.message).toContain(`busy: ${range.from}-${range.from + 3}`);
    expect(parseOpenTag(reply.message)).toEqual([4, 5, 6, 7, 8, 9].map((offset) => range.from + offset));
  });

  it('the per-port form still answers 227 for one port', async () => {
    const range = someRange(4);
    const running = await serveWith({ allowSweep: true, pasvRange: range });
    const raw = await client(running.port);
    const reply = await raw.command(`SITE SWEEP ${range.from + 2}`);
    expect(reply.code).toBe(227);
    const [, , , , high = '0', low = '0'] = /\((\d+),(\d+),(\d+),(\d+),(\d+),(\d+)\)/.exec(reply.message)?.slice(1) ?? [];
    expect(Number(high) * 256 + Number(low)).toBe(range.from + 2);
  });
});

describe('SITE SWEEP A-B: no listener is left behind', () => {
  it('after DONE', async () => {
    const range = someRange(20);
    const { network, open } = countingListeners();
    const running = await serveWith({ allowSweep: true, pasvRange: range }, network);
    const raw = await client(running.port);
    expect((await raw.command(`SITE SWEEP ${range.from}-${range.to}`)).code).toBe(200);
    expect(open.size).toBe(21);
    expect((await raw.command('SITE SWEEP DONE')).code).toBe(200);
    expect([...open]).toEqual([running.port]);
    expect(await refused(range.from)).toBe(true);
    expect((await raw.command('SITE SWEEP DONE')).message).toMatch(/No sweep block/);
  });

  it('on the next SITE SWEEP (only the new block stays open)', async () => {
    const range = someRange(20);
    const { network, open } = countingListeners();
    const running = await serveWith({ allowSweep: true, pasvRange: range }, network);
    const raw = await client(running.port);
    expect((await raw.command(`SITE SWEEP ${range.from}-${range.from + 9}`)).code).toBe(200);
    expect((await raw.command(`SITE SWEEP ${range.from + 10}-${range.to}`)).code).toBe(200);
    expect([...open].filter((port) => port !== running.port).sort()).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 19].map((offset) => range.from + offset));
  });

  it('after the idle deadline', async () => {
    const range = someRange(10);
    const { network, open } = countingListeners();
    const running = await serveWith({ allowSweep: true, pasvRange: range, limits: { pasvAcceptTimeoutMs: 300 } }, network);
    const raw = await client(running.port);
    expect((await raw.command(`SITE SWEEP ${range.from}-${range.to}`)).code).toBe(200);
    expect(open.size).toBe(11);
    await vi.waitFor(() => expect(open.size).toBe(1), { timeout: 5000, interval: 50 });
    expect(await refused(range.to)).toBe(true);
  });

  it('when the session ends', async () => {
    const range = someRange(10);
    const { network, open } = countingListeners();
    const running = await serveWith({ allowSweep: true, pasvRange: range }, network);
    const raw = await client(running.port);
    expect((await raw.command(`SITE SWEEP ${range.from}-${range.to}`)).code).toBe(200);
    raw.close();
    await vi.waitFor(() => expect(open.size).toBe(1), { timeout: 5000, interval: 50 });
    // The ports are free again for the next session.
    const next = await client(running.port);
    expect((await next.command(`SITE SWEEP ${range.from}-${range.to}`)).message).toContain('none busy');
  });
});

describe('the sweep through SITE SWEEP A-B', () => {
  it('proves a range larger than one block, a few control sessions, one data connection per port', async () => {
    const range = someRange(600);
    let control = 0;
    let data = 0;
    const counted: Network = {
      name: 'real+count',
      listen: (request, handler) => realNetwork.listen(request, handler),
      connect: (request) => {
        if (request.port === running.port) control += 1;
        else data += 1;
        return realNetwork.connect(request);
      },
    };
    const running = await serveWith({ allowSweep: true, pasvRange: range });
    const report = await runSweep({ url: `ftp://127.0.0.1:${running.port}/`, range, concurrency: 64, connectTimeoutMs: 10_000, dataTimeoutMs: 5_000 }, counted);
    expect(report.method).toBe('extension');
    expect(report.spans).toEqual([{ ...range, state: 'open' }]);
    expect(report.ports.every((port) => port.detail === `token for ${port.port} received`)).toBe(true);
    expect(data).toBe(600);
    // One session per block in flight: the one being dialled, the next one opened ahead, and an
    // older one closing.
    expect(control).toBeLessThanOrEqual(BLOCK_SESSIONS);
  });
});
