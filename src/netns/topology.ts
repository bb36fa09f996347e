/**
 * The scenario topology as three real network namespaces:
 *
 *   <prefix>-client [<prefix>-c] ── [<prefix>-eo] <prefix>-edge [<prefix>-ei] ── [<prefix>-s] <prefix>-server
 *
 * Every address is a /32 with an explicit route to its peer, so any addresses a scenario picks
 * work without subnet arithmetic; client and server route everything else via the edge, which
 * forwards. A dual-stack topology does the same with IPv6 (/128s, `nodad` so they work at once);
 * otherwise IPv6 is disabled. Anything created is registered for total cleanup (process.ts) before it is used.
 */
import { randomBytes } from 'node:crypto';
import { spawn as spawnChild, type ChildProcess, type StdioOptions } from 'node:child_process';
import type { TraceEntry } from '../report/model.js';
import type { Topology } from '../topology/model.js';
import { resolveAddresses, type ResolvedAddresses } from './addresses.js';
import { countersToTrace, readCounterRules, type CounterRule } from './counters.js';
import { createNamespaceSync, deleteNamespaces, registerChild, run, runChecked, type RunOptions, type RunResult } from './process.js';
import { buildRuleset, kernelLimitations, type Rulesets } from './ruleset.js';

export type Role = 'client' | 'edge' | 'server';
export const ROLES: readonly Role[] = ['client', 'edge', 'server'];

export interface NetnsNames {
  prefix: string;
  namespaces: Record<Role, string>;
  interfaces: { client: string; edgeOutside: string; edgeInside: string; server: string };
}

export interface SpawnOptions {
  env?: NodeJS.ProcessEnv;
  stdio?: StdioOptions;
}

export interface NetnsTopology {
  names: NetnsNames;
  addresses: ResolvedAddresses;
  rulesets: Rulesets;
  /** Run argv inside a namespace to completion, bounded by timeoutMs (default 10 s). */
  exec(role: Role, argv: string[], options?: RunOptions): Promise<RunResult>;
  /** Start a long-running argv inside a namespace; it is killed by destroy() at the latest. */
  spawn(role: Role, argv: string[], options?: SpawnOptions): ChildProcess;
  /** Trace entries for every rule whose kernel counter moved since the rulesets were applied. */
  counters(): Promise<TraceEntry[]>;
  /** Every rule we wrote, with its kernel counter (for attributing a failure to a rule). */
  counterRules(): Promise<CounterRule[]>;
  /** Kill everything inside, delete the namespaces (and with them veths and rulesets). Idempotent. */
  destroy(): Promise<void>;
}

/** Thrown when the scenario needs something the kernel cannot do: report, do not fake. */
export class NotReproducibleError extends Error {
  constructor(readonly reasons: string[]) {
    super(`not reproducible on the netns backend: ${reasons.join('; ')}`);
    this.name = 'NotReproducibleError';
  }
}

/** Linux interface names are at most 15 bytes: "fd" + pid in base 36 (≤ 5) + 4 random + "-eo". */
export function makeNames(prefix = `fd${process.pid.toString(36)}${randomBytes(3).toString('hex').slice(0, 4)}`): NetnsNames {
  if (!/^[a-z0-9]{1,12}$/.test(prefix)) throw new Error(`netns prefix "${prefix}" must be 1-12 lower-case letters or digits`);
  return {
    prefix,
    namespaces: { client: `${prefix}-client`, edge: `${prefix}-edge`, server: `${prefix}-server` },
    interfaces: { client: `${prefix}-c`, edgeOutside: `${prefix}-eo`, edgeInside: `${prefix}-ei`, server: `${prefix}-s` },
  };
}

export interface CreateOptions {
  /** Fixed prefix instead of a generated unique one (tests). */
  prefix?: string;
  /** Per setup command (default 10 s). */
  commandTimeoutMs?: number;
}

export async function createNetnsTopology(topology: Topology, options: CreateOptions = {}): Promise<NetnsTopology> {
  const limitations = kernelLimitations(topology);
  if (limitations.length > 0) throw new NotReproducibleError(limitations);
  const names = makeNames(options.prefix);
  const addresses = resolveAddresses(topology);
  const rulesets = buildRuleset(topology, { edgeOutside: names.interfaces.edgeOutside, edgeInside: names.interfaces.edgeInside });
  const timeoutMs = options.commandTimeoutMs ?? 10_000;
  const created: string[] = [];
  let destroyed: Promise<void> | undefined;
  const owned = new Set<ChildProcess>();
  const destroy = (): Promise<void> => (destroyed ??= deleteNamespaces(created, owned));
  const nsExec = (role: Role, argv: string[], runOptions: RunOptions = {}) =>
    run(['ip', 'netns', 'exec', names.namespaces[role], ...argv], { timeoutMs, ...runOptions });
  const ip = (...args: string[]) => runChecked(['ip', ...args], { timeoutMs });
  // Written through /proc inside the namespace (/proc/sys/net is per namespace): no procps needed.
  const sysctl = (role: Role, setting: string) => {
    const [key = '', value = ''] = setting.split('=');
    const path = `/proc/sys/${key.replace(/\./g, '/')}`;
    return runChecked(['ip', 'netns', 'exec', names.namespaces[role], 'sh', '-c', 'echo "$1" > "$2"', 'sysctl', value, path], { timeoutMs });
  };

  try {
    for (const role of ROLES) {
      const name = names.namespaces[role];
      // Registered only once it exists: a name someone else already holds is never ours to delete.
      createNamespaceSync(name, timeoutMs);
      created.push(name);
      if (addresses.v6) {
        // IPv6 on, but quiet and at once: no router solicitations or advertisements, no DAD (the
        // link-local address must be usable immediately: a router solicits a neighbour for a
        // forwarded packet from it). Set on `default` before the veths exist, so they inherit it.
        for (const setting of ['accept_ra=0', 'router_solicitations=0', 'accept_dad=0', 'dad_transmits=0', 'disable_ipv6=0']) {
          await sysctl(role, `net.ipv6.conf.default.${setting}`);
        }
        await sysctl(role, 'net.ipv6.conf.all.disable_ipv6=0');
      } else {
        // No IPv6 on our links: no DAD delays, no router solicitations in the counters.
        await sysctl(role, 'net.ipv6.conf.all.disable_ipv6=1');
        await sysctl(role, 'net.ipv6.conf.default.disable_ipv6=1');
      }
      await ip('-n', name, 'link', 'set', 'lo', 'up');
    }
    const { client: clientNs, edge: edgeNs, server: serverNs } = names.namespaces;
    const links = names.interfaces;
    await ip('link', 'add', links.client, 'netns', clientNs, 'type', 'veth', 'peer', 'name', links.edgeOutside, 'netns', edgeNs);
    await ip('link', 'add', links.server, 'netns', serverNs, 'type', 'veth', 'peer', 'name', links.edgeInside, 'netns', edgeNs);
    const plan: [string, string, string, string][] = [
      // namespace, interface, own address, peer address
      [clientNs, links.client, addresses.client, addresses.edgeOutside],
      [edgeNs, links.edgeOutside, addresses.edgeOutside, addresses.client],
      [edgeNs, links.edgeInside, addresses.edgeInside, addresses.server],
      [serverNs, links.server, addresses.server, addresses.edgeInside],
    ];
    for (const [ns, link, own, peer] of plan) {
      await ip('-n', ns, 'addr', 'add', `${own}/32`, 'dev', link);
      await ip('-n', ns, 'link', 'set', link, 'up');
      await ip('-n', ns, 'route', 'add', `${peer}/32`, 'dev', link, 'src', own);
    }
    // A NAT box owns its pool addresses on the inside link.
    for (const address of addresses.sourcePool) await ip('-n', edgeNs, 'addr', 'add', `${address}/32`, 'dev', links.edgeInside);
    await ip('-n', clientNs, 'route', 'add', 'default', 'via', addresses.edgeOutside, 'dev', links.client);
    await ip('-n', serverNs, 'route', 'add', 'default', 'via', addresses.edgeInside, 'dev', links.server);
    await sysctl('edge', 'net.ipv4.ip_forward=1');
    const v6 = addresses.v6;
    if (v6) {
      const plan6: [string, string, string, string][] = [
        [clientNs, links.client, v6.client, v6.edgeOutside],
        [edgeNs, links.edgeOutside, v6.edgeOutside, v6.client],
        [edgeNs, links.edgeInside, v6.edgeInside, v6.server],
        [serverNs, links.server, v6.server, v6.edgeInside],
      ];
      for (const [ns, link, own, peer] of plan6) {
        await ip('-n', ns, '-6', 'addr', 'add', `${own}/128`, 'dev', link, 'nodad');
        await ip('-n', ns, '-6', 'route', 'add', `${peer}/128`, 'dev', link, 'src', own);
      }
      await ip('-n', clientNs, '-6', 'route', 'add', 'default', 'via', v6.edgeOutside, 'dev', links.client);
      await ip('-n', serverNs, '-6', 'route', 'add', 'default', 'via', v6.edgeInside, 'dev', links.server);
      await sysctl('edge', 'net.ipv6.conf.all.forwarding=1');
    }
    for (const role of ROLES) {
      const script = rulesets[role];
      if (script) await runChecked(['ip', 'netns', 'exec', names.namespaces[role], 'nft', '-f', '-'], { timeoutMs, input: script });
    }
    if (topology.nat?.idleTimeoutMs !== undefined) {
      // Without this, a packet after the idle timeout is picked up as a new connection mid-stream.
      await sysctl('edge', 'net.netfilter.nf_conntrack_tcp_loose=0');
    }
  } catch (error) {
    await destroy();
    throw error;
  }

  const startedAt = Date.now();
  const namespaceExecs = ROLES.map((role) => (argv: string[]) => nsExec(role, argv));
  return {
    names,
    addresses,
    rulesets,
    exec: nsExec,
    spawn(role, argv, spawnOptions = {}) {
      if (destroyed) throw new Error('netns topology already destroyed');
      const child = spawnChild('ip', ['netns', 'exec', names.namespaces[role], ...argv], {
        stdio: spawnOptions.stdio ?? ['ignore', 'pipe', 'pipe'],
        env: spawnOptions.env ?? process.env,
      });
      registerChild(child);
      owned.add(child);
      child.once('exit', () => owned.delete(child));
      return child;
    },
    counters: async () => countersToTrace(await readCounterRules(namespaceExecs), Date.now() - startedAt),
    counterRules: () => readCounterRules(namespaceExecs),
    destroy,
  };
}

/** Create, hand to `body`, and destroy whatever happens inside. */
export async function withNetnsTopology<T>(
  topology: Topology,
  body: (network: NetnsTopology) => Promise<T>,
  options: CreateOptions = {},
): Promise<T> {
  const network = await createNetnsTopology(topology, options);
  try {
    return await body(network);
  } finally {
    await network.destroy();
  }
}
