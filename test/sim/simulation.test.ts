import { once } from 'node:events';
import tls from 'node:tls';
import { generate } from 'selfsigned';
import { afterEach, describe, expect, it } from 'vitest';
import type { Connection } from '../../src/net/network.js';
import { createSimulation, type Simulation } from '../../src/net/sim/index.js';
import type { Firewall, Topology } from '../../src/topology/model.js';
import { isPending, readUntil } from './support.js';

let simulation: Simulation | undefined;
afterEach(() => simulation?.close());

function simulate(topology: Topology, seed?: number): Simulation {
  simulation = createSimulation(topology, seed !== undefined ? { seed } : {});
  return simulation;
}

/** Listens on the server and hands out accepted connections in order. */
async function serve(sim: Simulation, port: number, host = 'server' as const): Promise<() => Promise<Connection>> {
  const queue: Connection[] = [];
  const waiters: ((connection: Connection) => void)[] = [];
  await sim.network(host).listen({ host: '0.0.0.0', port }, (connection) => {
    const waiter = waiters.shift();
    if (waiter) waiter(connection);
    else queue.push(connection);
  });
  return () => {
    const ready = queue.shift();
    return ready ? Promise.resolve(ready) : new Promise((resolve) => waiters.push(resolve));
  };
}

const statefulEdge = (extra: Partial<Firewall> = {}): Firewall => ({
  name: 'edge firewall',
  at: 'edge',
  policy: 'drop',
  ftpHelper: {},
  rules: [
    { comment: 'allow FTP control', direction: 'in', dport: 21, action: 'accept' },
    { comment: 'allow replies and FTP data', state: ['established', 'related'], action: 'accept' },
  ],
  ...extra,
});

describe('connect through the simulated path', () => {
  it('a drop leaves connect pending until the caller aborts, and the trace names the policy', async () => {
    const sim = simulate({ firewalls: [statefulEdge()] });
    await serve(sim, 5500);
    const controller = new AbortController();
    const attempt = sim.network('client').connect({ host: '10.0.0.5', port: 5500, signal: controller.signal });
    expect(await isPending(attempt)).toBe(true);
    controller.abort();
    await expect(attempt).rejects.toMatchObject({ name: 'AbortError' });
    expect(sim.decisionFor('198.51.100.10', '10.0.0.5:5500')).toMatchObject({ at: 'edge firewall', decision: 'drop', rule: 'policy drop' });
  });

  it('a reject is ECONNREFUSED, and the trace names the rule', async () => {
    const sim = simulate({ firewalls: [{ name: 'server firewall', at: 'server', policy: 'accept', rules: [{ direction: 'in', dport: '5500-5525', action: 'reject' }] }] });
    await serve(sim, 5500);
    await expect(sim.network('client').connect({ host: '10.0.0.5', port: 5500 })).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect(sim.decisionFor('198.51.100.10', '10.0.0.5:5500')).toMatchObject({ at: 'server firewall', decision: 'reject', rule: 'in tcp dport 5500-5525 reject' });
  });

  it('no listener is ECONNREFUSED, traced as "no listener"', async () => {
    const sim = simulate({});
    await expect(sim.network('client').connect({ host: '10.0.0.5', port: 21 })).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect(sim.decisionFor('198.51.100.10', '10.0.0.5:21')).toMatchObject({ decision: 'reject', rule: 'no listener' });
  });

  it('an address nobody has is a silent drop', async () => {
    const sim = simulate({});
    const controller = new AbortController();
    const attempt = sim.network('client').connect({ host: '203.0.113.7', port: 5500, signal: controller.signal });
    expect(await isPending(attempt)).toBe(true);
    controller.abort();
    await expect(attempt).rejects.toMatchObject({ name: 'AbortError' });
    expect(sim.decisionFor('198.51.100.10', '203.0.113.7:5500')).toMatchObject({ decision: 'drop', rule: 'no route' });
  });

  it('replies of an allowed connection need no rule of their own (the kernel accepts established traffic first)', async () => {
    const sim = simulate({ firewalls: [{ name: 'edge firewall', at: 'edge', policy: 'drop', rules: [{ direction: 'in', dport: 21, action: 'accept' }] }] });
    const accept = await serve(sim, 21);
    const client = await sim.network('client').connect({ host: '10.0.0.5', port: 21 });
    const server = await accept();
    const heard = readUntil(client, (text) => text.includes('\n'));
    server.write('220 ready\r\n');
    expect(await heard).toBe('220 ready\r\n');
  });

  it('the helper opens the data port without a related rule, but a user drop rule before it still wins', async () => {
    const bare = (rules: Firewall['rules']): Firewall => ({ name: 'edge firewall', at: 'edge', policy: 'drop', ftpHelper: {}, rules: [{ direction: 'in', dport: 21, action: 'accept' }, ...rules] });
    for (const [rules, expected] of [
      [[], 'connected'],
      [[{ direction: 'in' as const, dport: 5500, action: 'drop' as const, comment: 'no data port' }], 'pending'],
    ] as const) {
      const sim = simulate({ firewalls: [bare([...rules])] });
      const acceptControl = await serve(sim, 21);
      await serve(sim, 5500);
      const control = await sim.network('client').connect({ host: '10.0.0.5', port: 21 });
      const server = await acceptControl();
      const seen = readUntil(control, (text) => text.includes('227 '));
      server.write('220 ready\r\n');
      await new Promise((resolve) => setImmediate(resolve));
      server.write('227 Entering Passive Mode (10,0,0,5,21,124)\r\n');
      await seen;
      const controller = new AbortController();
      const data = sim.network('client').connect({ host: '10.0.0.5', port: 5500, signal: controller.signal });
      expect(await isPending(data) ? 'pending' : 'connected').toBe(expected);
      controller.abort();
      await data.catch(() => undefined);
      sim.close();
    }
  });

  it('DNAT forwards the edge address to the server; each side sees its own addresses', async () => {
    const sim = simulate({ nat: { forward: [21] }, firewalls: [statefulEdge()] });
    const accept = await serve(sim, 21);
    const client = await sim.network('client').connect({ host: sim.addresses.edgeOutside, port: 21 });
    const server = await accept();
    expect([client.remoteAddress, client.remotePort]).toEqual(['198.51.100.1', 21]);
    expect([server.localAddress, server.remoteAddress, server.remotePort]).toEqual(['10.0.0.5', '198.51.100.10', client.localPort]);
    expect(sim.trace.map((entry) => entry.decision)).toContain('dnat');
    const heard = readUntil(client, (text) => text.includes('\n'));
    server.write('220 ready\r\n');
    expect(await heard).toBe('220 ready\r\n');
  });

  it('lets a passive data connection through as related only after the helper saw the 227', async () => {
    const sim = simulate({ firewalls: [statefulEdge()] });
    const acceptControl = await serve(sim, 21);
    await serve(sim, 5500);
    const early = new AbortController();
    const before = sim.network('client').connect({ host: '10.0.0.5', port: 5500, signal: early.signal });
    expect(await isPending(before)).toBe(true);
    early.abort();
    await expect(before).rejects.toMatchObject({ name: 'AbortError' });

    const control = await sim.network('client').connect({ host: '10.0.0.5', port: 21 });
    const server = await acceptControl();
    const greeting = readUntil(control, (text) => text.includes('227 '));
    server.write('220 ready\r\n');
    await new Promise((resolve) => setImmediate(resolve));
    server.write('227 Entering Passive Mode (10,0,0,5,21,124)\r\n');
    await greeting;
    const data = await sim.network('client').connect({ host: '10.0.0.5', port: 5500 });
    expect(data.remotePort).toBe(5500);
    const decision = sim.decisionFor(`${data.localAddress}:${data.localPort}`, '10.0.0.5:5500');
    expect(decision).toMatchObject({ decision: 'accept', at: 'server' });
    expect(sim.trace.find((entry) => entry.connection.endsWith('10.0.0.5:5500') && entry.at === 'edge firewall' && entry.decision === 'accept')?.detail).toMatch(/related/);
  });

  it('the helper cannot read a 227 sent inside TLS: the data connection is dropped', async () => {
    const pems = await generate([{ name: 'commonName', value: 'sim.test' }], { keySize: 2048, algorithm: 'sha256' });
    const sim = simulate({ firewalls: [statefulEdge()] });
    const acceptControl = await serve(sim, 21);
    await serve(sim, 5500);
    const control = await sim.network('client').connect({ host: '10.0.0.5', port: 21 });
    const raw = await acceptControl();
    const server = new tls.TLSSocket(raw, { isServer: true, key: pems.private, cert: pems.cert });
    const client = tls.connect({ socket: control, ca: pems.cert, checkServerIdentity: () => undefined });
    await once(client, 'secureConnect');
    const heard = readUntil(client, (text) => text.includes('227 '));
    server.write('227 Entering Passive Mode (10,0,0,5,21,124)\r\n');
    await heard;
    const controller = new AbortController();
    const data = sim.network('client').connect({ host: '10.0.0.5', port: 5500, signal: controller.signal });
    expect(await isPending(data)).toBe(true);
    controller.abort();
    await expect(data).rejects.toMatchObject({ name: 'AbortError' });
    expect(sim.trace.some((entry) => entry.decision === 'expect')).toBe(false);
    client.destroy();
    server.destroy();
  });

  it('nf_nat_ftp rewrites the 227 to the public address and sends the data connection to the server', async () => {
    const sim = simulate({ nat: { forward: [21], rewriteFtp: true }, firewalls: [statefulEdge()] });
    const acceptControl = await serve(sim, 21);
    const acceptData = await serve(sim, 5500);
    const control = await sim.network('client').connect({ host: '198.51.100.1', port: 21 });
    const server = await acceptControl();
    const heard = readUntil(control, (text) => text.includes('227 '));
    server.write('227 Entering Passive Mode (10,0,0,5,21,124)\r\n');
    expect(await heard).toBe('227 Entering Passive Mode (198,51,100,1,21,124)\r\n');
    const data = await sim.network('client').connect({ host: '198.51.100.1', port: 5500 });
    const serverData = await acceptData();
    expect(serverData.localAddress).toBe('10.0.0.5');
    expect(data.remoteAddress).toBe('198.51.100.1');
    expect(sim.trace.filter((entry) => entry.decision === 'rewrite')).toHaveLength(1);
  });

  it('an EPSV data connection is related to the control connection address; an old helper ignores 229', async () => {
    for (const epsv of [true, false]) {
      const sim = simulate({ firewalls: [statefulEdge({ ftpHelper: { epsv } })] });
      const acceptControl = await serve(sim, 21);
      await serve(sim, 5501);
      const control = await sim.network('client').connect({ host: '10.0.0.5', port: 21 });
      const server = await acceptControl();
      const heard = readUntil(control, (text) => text.includes('229 '));
      server.write('229 Entering Extended Passive Mode (|||5501|)\r\n');
      await heard;
      const controller = new AbortController();
      const data = sim.network('client').connect({ host: '10.0.0.5', port: 5501, signal: controller.signal });
      expect(await isPending(data)).toBe(!epsv);
      controller.abort();
      if (epsv) (await data).destroy();
      else await expect(data).rejects.toMatchObject({ name: 'AbortError' });
      sim.close();
    }
  });

  it('a 227 coalesced behind another reply in one segment is invisible to the helper', async () => {
    const sim = simulate({ firewalls: [statefulEdge()] });
    const acceptControl = await serve(sim, 21);
    await serve(sim, 5500);
    const control = await sim.network('client').connect({ host: '10.0.0.5', port: 21 });
    const server = await acceptControl();
    const heard = readUntil(control, (text) => text.includes('227 '));
    server.write('200 Type set to I\r\n227 Entering Passive Mode (10,0,0,5,21,124)\r\n');
    await heard;
    const controller = new AbortController();
    const data = sim.network('client').connect({ host: '10.0.0.5', port: 5500, signal: controller.signal });
    expect(await isPending(data)).toBe(true);
    controller.abort();
    await expect(data).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('active mode behind a SNAT pool with nf_nat_ftp: PORT is rewritten and the connection back reaches the client', async () => {
    const sim = simulate({ nat: { sourcePool: ['10.0.0.100'], rewriteFtp: true }, firewalls: [statefulEdge()] });
    const acceptControl = await serve(sim, 21);
    const accepted = new Promise<Connection>((resolve) => void sim.network('client').listen({ host: '0.0.0.0', port: 40001 }, resolve));
    const control = await sim.network('client').connect({ host: '10.0.0.5', port: 21 });
    const server = await acceptControl();
    expect(server.remoteAddress).toBe('10.0.0.100');
    const heard = readUntil(server, (text) => text.includes('\n'));
    control.write('PORT 198,51,100,10,156,65\r\n');
    expect(await heard).toBe('PORT 10,0,0,100,156,65\r\n');
    const back = await sim.network('server').connect({ host: '10.0.0.100', port: 40001, localPort: 20 });
    const arrived = await accepted;
    expect(back.remoteAddress).toBe('10.0.0.100');
    expect([arrived.remoteAddress, arrived.remotePort, arrived.localAddress]).toEqual(['10.0.0.5', 20, '198.51.100.10']);
  });

  it('a source NAT pool makes control and data arrive from different addresses', async () => {
    const sim = simulate({ nat: { sourcePool: ['10.0.0.100', '10.0.0.101'] } });
    const accept = await serve(sim, 21);
    await sim.network('client').connect({ host: '10.0.0.5', port: 21 });
    await sim.network('client').connect({ host: '10.0.0.5', port: 21 });
    const first = await accept();
    const second = await accept();
    expect([first.remoteAddress, second.remoteAddress]).toEqual(['10.0.0.100', '10.0.0.101']);
    expect(sim.trace.filter((entry) => entry.decision === 'snat')).toHaveLength(2);
  });

  it('active mode: the client host filter decides on the connection back from source port 20', async () => {
    const clientFirewall = (allowPort20: boolean): Firewall => ({
      name: 'client firewall',
      at: 'client',
      policy: 'drop',
      rules: [
        { state: ['established', 'related'], action: 'accept' },
        { direction: 'out', action: 'accept' },
        ...(allowPort20 ? [{ comment: 'active FTP data', direction: 'in' as const, sport: 20, action: 'accept' as const }] : []),
      ],
    });
    for (const allowed of [false, true]) {
      const sim = simulate({ firewalls: [clientFirewall(allowed)] });
      await sim.network('client').listen({ host: '198.51.100.10', port: 40001 }, () => {});
      const controller = new AbortController();
      const attempt = sim.network('server').connect({ host: '198.51.100.10', port: 40001, localPort: 20, signal: controller.signal });
      if (allowed) {
        const connection = await attempt;
        expect(connection.localPort).toBe(20);
        expect(sim.decisionFor('10.0.0.5:20', '198.51.100.10:40001')).toMatchObject({ decision: 'accept' });
        expect(sim.trace.find((entry) => entry.at === 'client firewall')?.rule).toBe('active FTP data');
      } else {
        expect(await isPending(attempt)).toBe(true);
        controller.abort();
        await expect(attempt).rejects.toMatchObject({ name: 'AbortError' });
        expect(sim.decisionFor('10.0.0.5:20', '198.51.100.10:40001')).toMatchObject({ at: 'client firewall', decision: 'drop', rule: 'policy drop' });
      }
      sim.close();
    }
  });

  it('blockAuthTls resets the control connection when the client sends AUTH TLS', async () => {
    const sim = simulate({ firewalls: [statefulEdge({ ftpHelper: { blockAuthTls: true } })] });
    const accept = await serve(sim, 21);
    const control = await sim.network('client').connect({ host: '10.0.0.5', port: 21 });
    await accept();
    const reset = once(control, 'error');
    control.write('AUTH TLS\r\n');
    const [error] = (await reset) as [NodeJS.ErrnoException];
    expect(error.code).toBe('ECONNRESET');
    expect(sim.decisionFor(`${control.localAddress}:${control.localPort}`, '10.0.0.5:21')).toMatchObject({ decision: 'reject', rule: 'ftp helper: AUTH TLS blocked' });
  });

  it('an idle NAT entry expires: later bytes vanish in both directions', async () => {
    const sim = simulate({ nat: { forward: [21], idleTimeoutMs: 20 } });
    const accept = await serve(sim, 21);
    const client = await sim.network('client').connect({ host: '198.51.100.1', port: 21 });
    const server = await accept();
    for (let round = 0; round < 200 && !sim.trace.some((entry) => entry.decision === 'timeout'); round += 1) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(sim.trace.find((entry) => entry.decision === 'timeout')).toMatchObject({ at: 'nat', connection: `198.51.100.10:${client.localPort} -> 198.51.100.1:21` });
    const toClient = readUntil(client, () => true);
    const toServer = readUntil(server, () => true);
    server.write('150 still there?\r\n');
    client.write('NOOP\r\n');
    expect(await isPending(toClient)).toBe(true);
    expect(await isPending(toServer)).toBe(true);
  });
});

describe('listen', () => {
  it('refuses a port that is taken and an address the host does not have', async () => {
    const sim = simulate({});
    await sim.network('server').listen({ host: '0.0.0.0', port: 21 }, () => {});
    await expect(sim.network('server').listen({ host: '10.0.0.5', port: 21 }, () => {})).rejects.toMatchObject({ code: 'EADDRINUSE' });
    await expect(sim.network('server').listen({ host: '198.51.100.10', port: 22 }, () => {})).rejects.toMatchObject({ code: 'EADDRNOTAVAIL' });
  });

  it('gives port 0 an ephemeral port, the same one for the same seed', async () => {
    const ports: number[] = [];
    for (const seed of [7, 7]) {
      const sim = simulate({}, seed);
      ports.push((await sim.network('server').listen({ host: '0.0.0.0', port: 0 }, () => {})).port);
      sim.close();
    }
    expect(ports[0]).toBeGreaterThanOrEqual(32768);
    expect(ports[0]).toBeLessThanOrEqual(60999);
    expect(ports[1]).toBe(ports[0]);
  });

  it('stops accepting after close(): later connects are refused', async () => {
    const sim = simulate({});
    const listener = await sim.network('server').listen({ host: '0.0.0.0', port: 21 }, () => {});
    await listener.close();
    await expect(sim.network('client').connect({ host: '10.0.0.5', port: 21 })).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});
