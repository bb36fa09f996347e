/**
 * The sweep through the simulated internet: our server on the server host with --allow-sweep,
 * the sweep on the client host, a real (simulated) edge firewall in between.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Network } from '../../src/net/network.js';
import { createSimulation, type Simulation } from '../../src/net/sim/index.js';
import type { Firewall } from '../../src/topology/model.js';
import { startServer, type RunningServer } from '../../src/server/index.js';
import { BLOCK_SESSIONS } from '../../src/sweep/blocks.js';
import { runSweep, type SweepProgress } from '../../src/sweep/index.js';

let simulation: Simulation | undefined;
let server: RunningServer | undefined;
afterEach(async () => {
  simulation?.close();
  await server?.close();
  simulation = undefined;
  server = undefined;
});

const RANGE = { from: 5500, to: 5526 };

function edge(rules: Firewall['rules']): Firewall {
  return {
    name: 'edge firewall',
    at: 'edge',
    policy: 'drop',
    rules: [
      { comment: 'replies', state: ['established'], action: 'accept' },
      { comment: 'FTP control', direction: 'in', dport: 21, action: 'accept' },
      ...rules,
    ],
  };
}

async function serve(firewall: Firewall, range = RANGE): Promise<Simulation> {
  simulation = createSimulation({ firewalls: [firewall] });
  server = await startServer({ host: '0.0.0.0', port: 21, anonymous: true, log: 'none', allowSweep: true, pasvRange: range, limits: { pasvAcceptTimeoutMs: 2000 } }, simulation.network('server'));
  return simulation;
}

/**
 * A DNAT rule that changes the port (the simulator's forward rules keep it): connections to
 * `from` are sent to `to` before they enter the simulated path, as a wrong port forward would.
 */
function portForward(network: Network, from: number, to: number): Network {
  return { name: `${network.name}+dnat`, connect: (request) => network.connect(request.port === from ? { ...request, port: to } : request), listen: (request, handler) => network.listen(request, handler) };
}

/** Counts data connects (not to port 21) and the most that were pending at once. */
function counting(network: Network): { network: Network; stats: { data: number; control: number; inFlight: number; maxInFlight: number } } {
  const stats = { data: 0, control: 0, inFlight: 0, maxInFlight: 0 };
  return {
    stats,
    network: {
      name: network.name,
      listen: (request, handler) => network.listen(request, handler),
      connect: async (request) => {
        if (request.port === 21) {
          stats.control += 1;
          return network.connect(request);
        }
        stats.data += 1;
        stats.inFlight += 1;
        stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
        try {
          return await network.connect(request);
        } finally {
          stats.inFlight -= 1;
        }
      },
    },
  };
}

describe('sweep through the simulated firewall', () => {
  it.each([
    { form: 'batched (SITE SWEEP A-B, one TCP exchange per port)', blocks: true, proof: /^token for 5500 received$/ },
    { form: 'per port (SITE SWEEP <port> + NLST)', blocks: false, proof: /token for 5500 received; 226/ },
  ])('$form: folds open, misrouted, dropped and refused ports into spans with findings', async ({ blocks, proof }) => {
    const sim = await serve(
      edge([
        { comment: 'passive range, first part', direction: 'in', dport: '5500-5519', action: 'accept' },
        { comment: 'one port rejected', direction: 'in', dport: 5526, action: 'reject' },
      ]),
    );
    const network = portForward(sim.network('client'), 5510, 21);
    const report = await runSweep({ url: `ftp://${sim.addresses.server}/`, range: RANGE, concurrency: 8, dataTimeoutMs: 1000, connectTimeoutMs: 2000, blocks }, network);
    expect(report.method).toBe('extension');
    expect(report.spans).toEqual([
      { from: 5500, to: 5509, state: 'open' },
      { from: 5510, to: 5510, state: 'misrouted' },
      { from: 5511, to: 5519, state: 'open' },
      { from: 5520, to: 5525, state: 'dropped' },
      { from: 5526, to: 5526, state: 'refused' },
    ]);
    expect(report.tested).toBe(27);
    expect(report.verdict).toBe('fail');
    expect(report.failing).toEqual({ first: 5510, last: 5526, count: 8 });
    // The block sweep also says how it was paced (an info finding).
    expect(report.findings.map((finding) => finding.code)).toEqual(['DATA_MISROUTED', 'DATA_CHANNEL_BLOCKED', 'DATA_CHANNEL_REFUSED', ...(blocks ? ['SWEEP_PACE'] : [])]);
    const misrouted = report.ports.find((port) => port.port === 5510);
    expect(misrouted?.detail).toMatch(/expected the token for port 5510, got "220 /);
    expect(report.ports.find((port) => port.port === 5500)?.detail).toMatch(proof);
    // The firewall really decided: the dropped ports died at its policy, the refused one at its rule.
    expect(sim.decisionFor(sim.addresses.client, `${sim.addresses.server}:5520`)).toMatchObject({ at: 'edge firewall', decision: 'drop', rule: 'policy drop' });
    expect(sim.decisionFor(sim.addresses.client, `${sim.addresses.server}:5526`)).toMatchObject({ decision: 'reject', rule: 'one port rejected' });
  });

  it('per port: a fully dropped range of 50 ports with concurrency 10 takes 5 rounds, not 50', async () => {
    const sim = await serve(edge([]), { from: 5500, to: 5549 });
    const { network, stats } = counting(sim.network('client'));
    const progress: SweepProgress[] = [];
    const report = await runSweep(
      { url: `ftp://${sim.addresses.server}/`, range: { from: 5500, to: 5549 }, concurrency: 10, dataTimeoutMs: 200, connectTimeoutMs: 2000, blocks: false, onProgress: (event) => progress.push(event) },
      network,
    );
    expect(report.spans).toEqual([{ from: 5500, to: 5549, state: 'dropped' }]);
    expect(stats.data).toBe(50);
    // Ten sessions, ten dials pending at once, and no session had to be replaced.
    expect(stats.control).toBe(10);
    expect(stats.maxInFlight).toBe(10);
    const perSlot = new Map<number, number>();
    for (const event of progress) perSlot.set(event.slot, (perSlot.get(event.slot) ?? 0) + 1);
    expect(perSlot.size).toBe(10);
    // Rounds = the most ports one session had to wait out in a row.
    const rounds = Math.max(...perSlot.values());
    expect(rounds).toBeLessThanOrEqual(6);
    expect(rounds * 10).toBeGreaterThanOrEqual(50);
    expect(progress.at(-1)).toMatchObject({ done: 50, total: 50 });
  });

  it('batched: a fully dropped range of 50 ports with concurrency 10 takes 5 rounds of dials, on at most 3 control sessions (the next block opens while one is dialled)', async () => {
    const sim = await serve(edge([]), { from: 5500, to: 5549 });
    const inner = sim.network('client');
    // The critical path, counted rather than timed: each dial's round is one more than the
    // highest round among the dials that had finished when it started.
    const stats = { control: 0, data: 0, inFlight: 0, maxInFlight: 0, finishedRound: 0, maxRound: 0 };
    const network: Network = {
      name: inner.name,
      listen: (request, handler) => inner.listen(request, handler),
      connect: async (request) => {
        if (request.port === 21) {
          stats.control += 1;
          return inner.connect(request);
        }
        const round = stats.finishedRound + 1;
        stats.maxRound = Math.max(stats.maxRound, round);
        stats.data += 1;
        stats.inFlight += 1;
        stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
        try {
          return await inner.connect(request);
        } finally {
          stats.inFlight -= 1;
          stats.finishedRound = Math.max(stats.finishedRound, round);
        }
      },
    };
    const progress: SweepProgress[] = [];
    const report = await runSweep(
      { url: `ftp://${sim.addresses.server}/`, range: { from: 5500, to: 5549 }, concurrency: 10, dataTimeoutMs: 200, connectTimeoutMs: 2000, onProgress: (event) => progress.push(event) },
      network,
    );
    expect(report.spans).toEqual([{ from: 5500, to: 5549, state: 'dropped' }]);
    expect(stats.data).toBe(50);
    expect(stats.control).toBeLessThanOrEqual(BLOCK_SESSIONS);
    expect(stats.maxInFlight).toBe(10);
    expect(stats.maxRound).toBeGreaterThanOrEqual(5);
    expect(stats.maxRound).toBeLessThanOrEqual(6);
    expect(progress.at(-1)).toMatchObject({ done: 50, total: 50 });
  });

  it('batched: opens the next block while the current one is still being dialled', async () => {
    const sim = await serve(edge([]), { from: 5500, to: 5529 });
    const inner = sim.network('client');
    let dialsDecided = 0;
    /** For each SITE SWEEP A-B sent: how many data dials had been decided by then. */
    const opened: { block: string; decided: number }[] = [];
    const network: Network = {
      name: inner.name,
      listen: (request, handler) => inner.listen(request, handler),
      connect: async (request) => {
        if (request.port !== 21) return inner.connect(request).finally(() => (dialsDecided += 1));
        const connection = await inner.connect(request);
        const write = connection.write.bind(connection) as (chunk: unknown, ...rest: unknown[]) => boolean;
        connection.write = ((chunk: unknown, ...rest: unknown[]) => {
          const block = /SITE SWEEP (\d+-\d+)/.exec(String(chunk))?.[1];
          if (block) opened.push({ block, decided: dialsDecided });
          return write(chunk, ...rest);
        }) as typeof connection.write;
        return connection;
      },
    };
    const report = await runSweep({ url: `ftp://${sim.addresses.server}/`, range: { from: 5500, to: 5529 }, concurrency: 10, dataTimeoutMs: 300, connectTimeoutMs: 2000 }, network);
    expect(report.spans).toEqual([{ from: 5500, to: 5529, state: 'dropped' }]);
    expect(opened.map((entry) => entry.block)).toEqual(['5500-5509', '5510-5519', '5520-5529']);
    // Block n+1 was asked for before any dial of block n (300 ms each, all dropped) was decided.
    expect(opened.map((entry) => entry.decided)).toEqual([0, 0, 10]);
  });

  it('proves only the sampled ports and lists them', async () => {
    const sim = await serve(edge([{ direction: 'in', dport: '5500-5526', action: 'accept' }]));
    const report = await runSweep({ url: `ftp://${sim.addresses.server}/`, range: RANGE, sample: 5, concurrency: 3, dataTimeoutMs: 1000, connectTimeoutMs: 2000 }, sim.network('client'));
    expect(report.sampled).toHaveLength(5);
    expect(report.ports.map((port) => port.port)).toEqual(report.sampled);
    expect(report.tested).toBe(5);
    expect(report.verdict).toBe('pass');
    expect(report.findings.map((finding) => finding.code)).toEqual(['SWEEP_PACE', 'SWEEP_SAMPLED']);
    expect(report.findings[1]?.evidence[0]).toBe(`sampled ports: ${report.sampled?.join(', ')}`);
  });

  it('reports an unreachable control port instead of sweeping', async () => {
    simulation = createSimulation({ firewalls: [{ name: 'edge firewall', at: 'edge', policy: 'drop', rules: [] }] });
    const report = await runSweep({ url: `ftp://${simulation.addresses.server}/`, range: RANGE, concurrency: 4, dataTimeoutMs: 200, connectTimeoutMs: 200 }, simulation.network('client'));
    expect(report.verdict).toBe('fail');
    expect(report.tested).toBe(0);
    expect(report.findings.map((finding) => finding.code)).toEqual(['CONTROL_UNREACHABLE']);
  });
});

