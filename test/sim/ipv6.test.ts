/**
 * Dual stack in the simulator: hosts with IPv4 and IPv6 addresses, rules for one family or both,
 * '::' listeners that take IPv4 as mapped addresses (Linux, bindv6only=0), the FTP helper reading
 * EPSV/229 and EPRT |2| over IPv6, and NAT that leaves IPv6 alone.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Connection } from '../../src/net/network.js';
import { addressFamily, mappedAddress } from '../../src/net/sim/address.js';
import { createSimulation, type Simulation } from '../../src/net/sim/index.js';
import { DEFAULT_ADDRESSES6, topologyAddresses6, type Firewall, type Topology } from '../../src/topology/model.js';
import { isPending, readUntil } from './support.js';

let simulation: Simulation | undefined;
afterEach(() => simulation?.close());

const CLIENT6 = '2001:db8:1::10';
const SERVER6 = '2001:db8:2::5';

function simulate(topology: Topology): Simulation {
  simulation = createSimulation({ ...topology, server: { address6: SERVER6, ...topology.server } });
  return simulation;
}

async function serve(sim: Simulation, port: number, host = '::'): Promise<() => Promise<Connection>> {
  const queue: Connection[] = [];
  const waiters: ((connection: Connection) => void)[] = [];
  await sim.network('server').listen({ host, port }, (connection) => {
    const waiter = waiters.shift();
    if (waiter) waiter(connection);
    else queue.push(connection);
  });
  return () => {
    const ready = queue.shift();
    return ready ? Promise.resolve(ready) : new Promise((resolve) => waiters.push(resolve));
  };
}

/** The passive range is open for IPv4 only: ip6tables forgotten. */
const ipv4OnlyRange: Firewall = {
  name: 'edge firewall',
  at: 'edge',
  policy: 'drop',
  rules: [
    { comment: 'allow FTP control', direction: 'in', dport: 21, action: 'accept' },
    { comment: 'passive range, IPv4 only', direction: 'in', family: 4, dport: '5500-5525', action: 'accept' },
    { comment: 'replies', state: ['established'], action: 'accept' },
  ],
};

describe('dual-stack addresses', () => {
  it('fills in documentation-prefix defaults once any IPv6 address is given, and none otherwise', () => {
    expect(topologyAddresses6({})).toBeUndefined();
    expect(topologyAddresses6({ server: { address6: SERVER6 } })).toEqual({ ...DEFAULT_ADDRESSES6, server: SERVER6 });
    const plain = createSimulation({});
    expect(plain.addresses6).toBeUndefined();
    plain.close();
    expect(simulate({}).addresses6?.client).toBe(CLIENT6);
  });

  it('families and mapped addresses', () => {
    expect(addressFamily('10.0.0.5')).toBe(4);
    expect(addressFamily('::ffff:10.0.0.5')).toBe(4);
    expect(addressFamily(SERVER6)).toBe(6);
    expect(addressFamily('nonsense')).toBeUndefined();
    expect(mappedAddress('10.0.0.5')).toBe('::ffff:10.0.0.5');
    expect(mappedAddress(SERVER6)).toBe(SERVER6);
  });
});

describe('IPv6 connects through the simulated path', () => {
  it('connects from the client IPv6 address to the server IPv6 address, routed without NAT', async () => {
    const sim = simulate({ firewalls: [ipv4OnlyRange], nat: { masquerade: true } });
    const accept = await serve(sim, 21);
    const control = await sim.network('client').connect({ host: SERVER6, port: 21 });
    const server = await accept();
    expect(control.localAddress).toBe(CLIENT6);
    // Masquerade is IPv4 only: the server sees the client's own IPv6 address.
    expect(server.remoteAddress).toBe(CLIENT6);
    expect(server.localAddress).toBe(SERVER6);
    control.destroy();
  });

  it('a rule for IPv4 only does not open the range for IPv6: the connect is dropped by the policy', async () => {
    const sim = simulate({ firewalls: [ipv4OnlyRange] });
    await serve(sim, 5500);
    const controller = new AbortController();
    const attempt = sim.network('client').connect({ host: SERVER6, port: 5500, signal: controller.signal });
    expect(await isPending(attempt)).toBe(true);
    controller.abort();
    await expect(attempt).rejects.toMatchObject({ name: 'AbortError' });
    expect(sim.decisionFor(CLIENT6, `[${SERVER6}]:5500`)).toMatchObject({ at: 'edge firewall', decision: 'drop', rule: 'policy drop' });
    // The same port over IPv4 is accepted by the IPv4-only rule.
    const v4 = await sim.network('client').connect({ host: '10.0.0.5', port: 5500 });
    expect(sim.decisionFor('198.51.100.10', '10.0.0.5:5500')).toMatchObject({ decision: 'accept' });
    v4.destroy();
  });

  it('a reject rule for IPv6 is ECONNREFUSED, and rules with an IPv6 CIDR match', async () => {
    const sim = simulate({
      firewalls: [{ name: 'server firewall', at: 'server', policy: 'accept', rules: [{ direction: 'in', src: '2001:db8:1::/48', dport: 5500, action: 'reject' }] }],
    });
    await serve(sim, 5500);
    await expect(sim.network('client').connect({ host: SERVER6, port: 5500 })).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect(sim.decisionFor(CLIENT6, `[${SERVER6}]:5500`)).toMatchObject({ decision: 'reject', rule: 'in tcp saddr 2001:db8:1::/48 dport 5500 reject' });
    // The IPv6 CIDR does not match the IPv4 connection.
    const v4 = await sim.network('client').connect({ host: '10.0.0.5', port: 5500 });
    v4.destroy();
  });

  it("a '::' listener takes IPv4 as mapped addresses; a '0.0.0.0' listener does not take IPv6", async () => {
    const sim = simulate({});
    const accept = await serve(sim, 21);
    const v4 = await sim.network('client').connect({ host: '10.0.0.5', port: 21 });
    const server = await accept();
    expect(server.remoteAddress).toBe('::ffff:198.51.100.10');
    expect(server.localAddress).toBe('::ffff:10.0.0.5');
    v4.destroy();
    await serve(sim, 2121, '0.0.0.0');
    await expect(sim.network('client').connect({ host: SERVER6, port: 2121 })).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await expect(sim.network('server').listen({ host: '0.0.0.0', port: 21 }, () => {})).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });
});

describe('the FTP helper over IPv6', () => {
  const stateful: Firewall = {
    name: 'edge firewall',
    at: 'edge',
    policy: 'drop',
    ftpHelper: {},
    rules: [
      { comment: 'allow FTP control', direction: 'in', dport: 21, action: 'accept' },
      { comment: 'replies and FTP data', state: ['established', 'related'], action: 'accept' },
    ],
  };

  it('a 229 on an IPv6 control connection opens the data connection as related', async () => {
    const sim = simulate({ firewalls: [stateful] });
    const acceptControl = await serve(sim, 21);
    await serve(sim, 5501);
    const control = await sim.network('client').connect({ host: SERVER6, port: 21 });
    const server = await acceptControl();
    const heard = readUntil(control, (text) => text.includes('229 '));
    server.write('229 Entering Extended Passive Mode (|||5501|)\r\n');
    await heard;
    const data = await sim.network('client').connect({ host: SERVER6, port: 5501 });
    const edge = sim.trace.filter((entry) => entry.at === 'edge firewall' && entry.connection.endsWith(`[${SERVER6}]:5501`));
    expect(edge.at(-1)).toMatchObject({ decision: 'accept', rule: 'replies and FTP data' });
    expect(edge.at(-1)?.detail).toMatch(/related .*\(229 port 5501/);
    data.destroy();
    control.destroy();
  });

  it('EPRT |2| opens the connection back to the client; without it the server cannot reach the client', async () => {
    const sim = simulate({ firewalls: [stateful] });
    const acceptControl = await serve(sim, 21);
    const acceptBack: Connection[] = [];
    await sim.network('client').listen({ host: '::', port: 50000 }, (connection) => acceptBack.push(connection));
    const blocked = new AbortController();
    const before = sim.network('server').connect({ host: CLIENT6, port: 50000, signal: blocked.signal });
    expect(await isPending(before)).toBe(true);
    blocked.abort();
    await expect(before).rejects.toMatchObject({ name: 'AbortError' });

    const control = await sim.network('client').connect({ host: SERVER6, port: 21 });
    const server = await acceptControl();
    const heard = readUntil(server, (text) => text.includes('EPRT'));
    control.write(`EPRT |2|${CLIENT6}|50000|\r\n`);
    await heard;
    const back = await sim.network('server').connect({ host: CLIENT6, port: 50000 });
    expect(back.localAddress).toBe(SERVER6);
    expect(sim.trace.some((entry) => entry.decision === 'expect' && entry.detail?.includes(`EPRT [${CLIENT6}]:50000`))).toBe(true);
    back.destroy();
    control.destroy();
  });
});
