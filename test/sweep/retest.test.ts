/**
 * The block sweep's two dials per unanswered port, through the simulated internet: a port whose
 * first SYN got no answer (lost, or answered too late) is dialled again with the full data
 * timeout before it may be called dropped, and a port dropped by the firewall is unanswered
 * twice. No timing is asserted: what is counted is which ports were dialled how often.
 */
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { abortError, type Connection, type Network } from '../../src/net/network.js';
import { createSimulation, type Simulation } from '../../src/net/sim/index.js';
import { startServer, type RunningServer } from '../../src/server/index.js';
import { runSweep } from '../../src/sweep/index.js';

let simulation: Simulation | undefined;
let server: RunningServer | undefined;
afterEach(async () => {
  simulation?.close();
  await server?.close();
  simulation = undefined;
  server = undefined;
});

const RANGE = { from: 5500, to: 5539 };
const LOST = 5503;

/** Our server with --allow-sweep on `range`, behind an edge firewall that passes only `open`. */
async function serveBehindFirewall(range: { from: number; to: number }, open: string): Promise<Simulation> {
  const created = createSimulation({
    firewalls: [
      {
        name: 'edge firewall',
        at: 'edge',
        policy: 'drop',
        rules: [
          { comment: 'replies', state: ['established'], action: 'accept' },
          { comment: 'FTP control', direction: 'in', dport: 21, action: 'accept' },
          { comment: 'passive range, or part of it', direction: 'in', dport: open, action: 'accept' },
        ],
      },
    ],
  });
  simulation = created;
  server = await startServer(
    { host: '0.0.0.0', port: 21, anonymous: true, log: 'none', allowSweep: true, pasvRange: range, limits: { pasvAcceptTimeoutMs: 30_000 } },
    created.network('server'),
  );
  return created;
}

/** The first connect to `port` is never answered (a lost SYN): it ends only when aborted. */
function loseFirstSyn(network: Network, port: number, dials: Map<number, number>): Network {
  return {
    name: `${network.name}+lossy`,
    listen: (request, handler) => network.listen(request, handler),
    connect: (request) => {
      if (request.port !== 21) dials.set(request.port, (dials.get(request.port) ?? 0) + 1);
      if (request.port !== port || dials.get(port) !== 1) return network.connect(request);
      return new Promise((_, reject) => {
        if (request.signal?.aborted) return reject(abortError());
        request.signal?.addEventListener('abort', () => reject(abortError()), { once: true });
      });
    },
  };
}

describe('sweep: a port unanswered on its first dial is dialled again before it is called dropped', () => {
  it('a lost first SYN is open on the second dial, never a false "dropped"; firewall drops are unanswered twice', async () => {
    const simulated = await serveBehindFirewall(RANGE, '5500-5529');
    const dials = new Map<number, number>();
    // A data timeout above the fast deadline (one SYN retransmission and a few round trips).
    const report = await runSweep({ url: `ftp://${simulated.addresses.server}/`, range: RANGE, dataTimeoutMs: 2_500, connectTimeoutMs: 5_000 }, loseFirstSyn(simulated.network('client'), LOST, dials));
    expect(report.spans).toEqual([
      { from: 5500, to: 5529, state: 'open' },
      { from: 5530, to: 5539, state: 'dropped' },
    ]);
    expect(report.ports.find((port) => port.port === LOST)?.detail).toMatch(/^token for 5503 received \(no answer within \d+ ms on the first dial\)$/);
    expect(report.ports.find((port) => port.port === 5530)?.detail).toMatch(/^no answer to the connect within \d+ ms, nor within 2500 ms when dialled again$/);
    // Answered ports are dialled once; the lost SYN and the dropped ports twice.
    expect(dials.get(5500)).toBe(1);
    expect(dials.get(LOST)).toBe(2);
    for (let port = 5530; port <= 5539; port += 1) expect(dials.get(port), String(port)).toBe(2);
    const pace = report.findings.find((finding) => finding.code === 'SWEEP_PACE');
    expect(pace?.evidence.join('\n')).toContain('11 unanswered port(s) dialled again with the full data timeout (2500 ms) before being called dropped; 1 answered then');
  });
});

/**
 * Connects to `late` answer silently the first time (our server's accept came after the token
 * deadline: a loaded machine); connects to `silent` always do (a silent service behind a wrong
 * forward). The silent connections are streams that never send anything.
 */
function silentDials(network: Network, late: number, silent: number, dials: Map<number, number>): Network {
  return {
    name: `${network.name}+silent`,
    listen: (request, handler) => network.listen(request, handler),
    connect: async (request) => {
      if (request.port !== 21) dials.set(request.port, (dials.get(request.port) ?? 0) + 1);
      if (request.port === silent || (request.port === late && dials.get(late) === 1)) return new PassThrough() as unknown as Connection;
      return network.connect(request);
    },
  };
}

describe('sweep: a port that connected but stayed silent is dialled again before it is called misrouted', () => {
  it('a late token is open on the second dial; a port silent twice is misrouted', async () => {
    const range = { from: 5500, to: 5519 };
    const simulated = await serveBehindFirewall(range, '5500-5519');
    const dials = new Map<number, number>();
    const report = await runSweep({ url: `ftp://${simulated.addresses.server}/`, range, dataTimeoutMs: 300, connectTimeoutMs: 5_000 }, silentDials(simulated.network('client'), 5504, 5510, dials));
    expect(report.spans).toEqual([
      { from: 5500, to: 5509, state: 'open' },
      { from: 5510, to: 5510, state: 'misrouted' },
      { from: 5511, to: 5519, state: 'open' },
    ]);
    expect(report.ports.find((port) => port.port === 5504)?.detail).toBe('token for 5504 received (connected but no token within 300 ms on the first dial)');
    expect(report.ports.find((port) => port.port === 5510)?.detail).toMatch(/^connected, but no token within 300 ms: .* \(silent on both dials\)$/);
    expect([dials.get(5500), dials.get(5504), dials.get(5510)]).toEqual([1, 2, 2]);
    const pace = report.findings.find((finding) => finding.code === 'SWEEP_PACE');
    expect(pace?.evidence).toContain('2 port(s) connected but sent no token within 300 ms, dialled again before being called misrouted; 1 sent it then');
  });
});
