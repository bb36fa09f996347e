/**
 * The simulated internet behind the Network seam: client host — edge router — server host, with
 * the topology's firewalls, NAT, connection tracking and FTP helpers. Our real client and server
 * run on it unchanged: each host gets a `Network` whose connects walk the path (path.ts) and whose
 * connections carry bytes through the middleboxes (pipe.ts). Nothing here has a timer that decides
 * a connect: a dropped connect stays pending until the caller aborts it.
 */
import type { TraceEntry } from '../../evidence/record.js';
import { DEFAULT_ADDRESSES, topologyAddresses6, type Addresses6, type Topology } from '../../topology/model.js';
import { abortError, type Connection, type ConnectionHandler, type ConnectRequest, type Listener, type ListenRequest, type Network } from '../network.js';
import { addressFamily, formatEndpoint, isLoopback, mappedAddress, parseAddress, parsePortSpec, sameAddress, type Endpoint } from './address.js';
import { IdleWatch } from './conntrack.js';
import { FtpInspector, watchesPort } from './helper.js';
import { Host, seededRandom, systemError, type HostName } from './hosts.js';
import { walk, type Crossing, type World } from './path.js';
import { Link, type Carried, type Middle, type Side } from './pipe.js';
import { compileFirewall } from './rules.js';
import { TraceLog } from './trace.js';

export type { SimConnection } from './pipe.js';
export type { HostName } from './hosts.js';

export interface Simulation {
  readonly addresses: { client: string; edgeOutside: string; edgeInside: string; server: string };
  /** The hosts' IPv6 addresses when the topology is dual stack (IPv6 is routed, never NATed). */
  readonly addresses6: Addresses6 | undefined;
  /** What code running on that host uses. */
  network(host: HostName): Network;
  /** Every decision, in order. */
  readonly trace: TraceEntry[];
  /**
   * The decisive trace entry for a connection "a:p -> b:q" as the dialler saw it: the first drop,
   * reject or timeout, else the last accept. `from` may be an address without port.
   */
  decisionFor(from: string, to: string): TraceEntry | undefined;
  /** Destroys every connection, listener and timer. Pending (dropped) connects stay pending. */
  close(): void;
}

export interface SimulationOptions {
  /** Seeds the ephemeral port choice (default 1). */
  seed?: number;
}

export function createSimulation(topology: Topology, options: SimulationOptions = {}): Simulation {
  return new SimulatedInternet(topology, options.seed ?? 1);
}

function refused(target: Endpoint): Error {
  return Object.assign(new Error(`connect ECONNREFUSED ${formatEndpoint(target)}`), {
    code: 'ECONNREFUSED',
    errno: -111,
    syscall: 'connect',
    address: target.address,
    port: target.port,
  });
}

function normalizeHost(host: string): string {
  return host === 'localhost' ? '127.0.0.1' : host;
}

class SimulatedInternet implements Simulation {
  readonly addresses: Simulation['addresses'];
  readonly addresses6: Addresses6 | undefined;
  private readonly log = new TraceLog();
  private readonly hosts: Record<HostName, Host>;
  private readonly world: World;
  private readonly networks = new Map<HostName, Network>();
  private readonly links = new Set<Link>();
  private readonly idles = new Set<IdleWatch>();
  private readonly pool: string[];
  private poolIndex = 0;
  private closed = false;

  constructor(private readonly topology: Topology, seed: number) {
    this.addresses = {
      client: topology.client?.address ?? DEFAULT_ADDRESSES.client,
      edgeOutside: topology.edge?.outside ?? DEFAULT_ADDRESSES.edgeOutside,
      edgeInside: topology.edge?.inside ?? DEFAULT_ADDRESSES.edgeInside,
      server: topology.server?.address ?? DEFAULT_ADDRESSES.server,
    };
    this.addresses6 = topologyAddresses6(topology);
    const nat = topology.nat ?? {};
    this.pool = nat.sourcePool ?? [];
    const v6 = this.addresses6;
    for (const address of [...Object.values(this.addresses), ...Object.values(v6 ?? {}), ...this.pool]) {
      if (!parseAddress(address)) throw new Error(`topology: not an IP address: ${JSON.stringify(address)}`);
    }
    const random = seededRandom(seed);
    const firewallsAt = (location: HostName) => (topology.firewalls ?? []).filter((firewall) => firewall.at === location).map(compileFirewall);
    // Each host's first address of a family is the one it dials from (sourceAddress).
    this.hosts = {
      client: new Host('client', [this.addresses.client, ...(v6 ? [v6.client] : [])], firewallsAt('client'), random),
      edge: new Host('edge', [this.addresses.edgeOutside, this.addresses.edgeInside, ...(v6 ? [v6.edgeOutside, v6.edgeInside] : []), ...this.pool], firewallsAt('edge'), random),
      server: new Host('server', [this.addresses.server, ...(v6 ? [v6.server] : [])], firewallsAt('server'), random),
    };
    const forward = (nat.forward ?? []).map(parsePortSpec);
    this.world = {
      hosts: this.hosts,
      addresses: this.addresses,
      nat: {
        forward,
        forwardToPort: (nat.forwardToPort ?? []).map((rule) => ({ spec: parsePortSpec(rule.ports), toPort: rule.toPort })),
        rewriteFtp: nat.rewriteFtp ?? false,
        ...(nat.idleTimeoutMs !== undefined ? { idleTimeoutMs: nat.idleTimeoutMs } : {}),
        nextSource: () => this.nextSource(),
      },
      locate: (address) => this.locate(address),
      record: (entry) => this.log.record(entry),
    };
  }

  get trace(): TraceEntry[] {
    return this.log.entries;
  }

  decisionFor(from: string, to: string): TraceEntry | undefined {
    return this.log.decisionFor(from, to);
  }

  network(host: HostName): Network {
    let network = this.networks.get(host);
    if (!network) {
      network = {
        name: `sim:${host}`,
        connect: (request) => this.connect(this.hosts[host], request),
        listen: (request, onConnection) => this.listen(this.hosts[host], request, onConnection),
      };
      this.networks.set(host, network);
    }
    return network;
  }

  close(): void {
    this.closed = true;
    for (const idle of this.idles) idle.stop();
    this.idles.clear();
    for (const link of this.links) link.destroy();
    this.links.clear();
    for (const host of Object.values(this.hosts)) host.listeners.splice(0);
  }

  /** Source NAT for the next client connection going inside: IPv4 only (no NAT66 here). */
  private nextSource(): string | undefined {
    if (this.pool.length > 0) return this.pool[this.poolIndex++ % this.pool.length];
    return this.topology.nat?.masquerade ? this.addresses.edgeInside : undefined;
  }

  private locate(address: string): HostName | undefined {
    return (['client', 'edge', 'server'] as const).find((name) => this.hosts[name].addresses.some((own) => sameAddress(own, address)));
  }

  private listen(host: Host, request: ListenRequest, onConnection: ConnectionHandler): Promise<Listener> {
    if (this.closed) return Promise.reject(new Error('simulation closed'));
    try {
      const entry = host.bind(normalizeHost(request.host), request.port, onConnection);
      return Promise.resolve({
        host: request.host,
        port: entry.port,
        close: async () => host.unbind(entry),
      });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** The kernel's source address selection, reduced to our topology: same family, toward the peer's link. */
  private sourceAddress(host: Host, destination: string): string {
    if (isLoopback(destination)) return destination.includes(':') ? '::1' : '127.0.0.1';
    const family = addressFamily(destination);
    if (host.name === 'edge') {
      const toClient = this.locate(destination) === 'client';
      if (family === 6 && this.addresses6) return toClient ? this.addresses6.edgeOutside : this.addresses6.edgeInside;
      return toClient ? this.addresses.edgeOutside : this.addresses.edgeInside;
    }
    return host.addresses.find((own) => addressFamily(own) === family) ?? host.addresses[0] ?? '';
  }

  private connect(host: Host, request: ConnectRequest): Promise<Connection> {
    return new Promise<Connection>((resolve, reject) => {
      const { signal } = request;
      if (signal?.aborted) return reject(abortError());
      if (this.closed) return reject(new Error('simulation closed'));
      const destination = { address: normalizeHost(request.host), port: request.port };
      if (request.localAddress !== undefined && !host.owns(request.localAddress)) {
        return reject(systemError('EADDRNOTAVAIL', `bind ${request.localAddress}`));
      }
      const source = {
        address: request.localAddress ?? this.sourceAddress(host, destination.address),
        port: request.localPort ?? host.freePort(),
      };
      host.holdPort(source.port);
      let released = false;
      const release = (): void => {
        if (!released) host.releasePort(source.port);
        released = true;
      };
      const label = `${formatEndpoint(source)} -> ${formatEndpoint(destination)}`;
      const result = walk(this.world, host, source, destination, label);

      if (result.kind === 'drop') {
        // Silently dropped: nothing answers, ever. Only the caller's signal ends the wait.
        signal?.addEventListener('abort', () => (release(), reject(abortError())), { once: true });
        return;
      }
      if (result.kind === 'refused') {
        release();
        setImmediate(() => reject(refused(destination)));
        return;
      }
      // A '::' listener takes IPv4 too (Linux, bindv6only=0) and names both ends as IPv4-mapped.
      const mapped = result.listener.address === '::' && addressFamily(result.arrived.dst.address) === 4;
      const arrived = mapped
        ? { src: { ...result.arrived.src, address: mappedAddress(result.arrived.src.address) }, dst: { ...result.arrived.dst, address: mappedAddress(result.arrived.dst.address) } }
        : result.arrived;
      const link = this.join(result.crossings, result.halfOpen, source, destination, arrived, release);
      setImmediate(() => {
        if (signal?.aborted || this.closed) {
          link.destroy();
          return reject(signal?.aborted ? abortError() : new Error('simulation closed'));
        }
        resolve(link.dialler);
        if (!result.halfOpen) {
          // As real.ts does: a peer vanishing before the handler attaches must not crash anything.
          link.acceptor.on('error', () => {});
          result.listener.onConnection(link.acceptor);
        }
      });
    });
  }

  /** Builds the connection and its middleboxes: helpers on every crossing, the idle timer. */
  private join(crossings: Crossing[], halfOpen: boolean, source: Endpoint, destination: Endpoint, arrived: { src: Endpoint; dst: Endpoint }, release: () => void): Link {
    const inspectors: FtpInspector[] = [];
    for (const crossing of crossings) {
      if (!crossing.filtered) continue;
      for (const { firewall } of crossing.host.firewalls) {
        if (!firewall.ftpHelper || !watchesPort(firewall.ftpHelper, crossing.view.dst.port)) continue;
        inspectors.push(
          new FtpInspector(firewall.ftpHelper, crossing.track, {
            at: firewall.name,
            conntrack: crossing.host.conntrack,
            rewrite: crossing.forwarded && (this.topology.nat?.rewriteFtp ?? false),
            record: (entry) => this.log.record(entry),
          }),
        );
      }
    }
    let dead = halfOpen;
    let idle: IdleWatch | undefined;
    const timeout = this.topology.nat?.idleTimeoutMs;
    const forwarded = crossings.find((crossing) => crossing.forwarded);
    if (timeout !== undefined && forwarded) {
      idle = new IdleWatch(timeout, () => {
        dead = true;
        if (idle) this.idles.delete(idle);
        forwarded.host.conntrack.forget(forwarded.track);
        this.log.record({ at: 'nat', connection: forwarded.track.label, decision: 'timeout', rule: `idle timeout ${timeout} ms`, detail: 'conntrack entry expired: later packets in either direction are lost' });
      });
      this.idles.add(idle);
    }
    const middle: Middle = {
      carry: (from: Side, chunk: Buffer): Carried => {
        if (dead) return { kind: 'lost' };
        idle?.touch();
        const sender = from === 'dialler' ? 'client' : 'server';
        let segment = chunk;
        for (const inspector of from === 'dialler' ? inspectors : [...inspectors].reverse()) {
          const inspected = inspector.inspect(segment, sender);
          if (inspected.reset !== undefined) return { kind: 'reset' };
          segment = inspected.segment;
        }
        return { kind: 'deliver', chunk: segment };
      },
      passes: () => !dead,
      closed: () => {
        idle?.stop();
        if (idle) this.idles.delete(idle);
        for (const crossing of crossings) crossing.host.conntrack.forget(crossing.track);
        this.links.delete(link);
        release();
      },
    };
    const link = new Link(
      { localAddress: source.address, localPort: source.port, remoteAddress: destination.address, remotePort: destination.port },
      { localAddress: arrived.dst.address, localPort: arrived.dst.port, remoteAddress: arrived.src.address, remotePort: arrived.src.port },
      middle,
    );
    this.links.add(link);
    return link;
  }
}
