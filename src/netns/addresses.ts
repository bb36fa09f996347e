/**
 * Addresses and port specs of a scenario topology, resolved and validated for the kernel backend.
 * Everything here ends up inside nftables scripts and `ip` argv, so it is validated strictly:
 * a scenario file must not be able to inject nft syntax.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { DEFAULT_ADDRESSES, topologyAddresses6, type Addresses6, type Topology } from '../topology/model.js';

export interface ResolvedAddresses {
  client: string;
  edgeOutside: string;
  edgeInside: string;
  server: string;
  /** SNAT pool addresses the edge must own on its inside link. */
  sourcePool: string[];
  /** The IPv6 addresses of a dual-stack topology (routed, never NATed); undefined: IPv4 only. */
  v6?: Addresses6;
}

export function resolveAddresses(topology: Topology): ResolvedAddresses {
  const resolved: ResolvedAddresses = {
    client: topology.client?.address ?? DEFAULT_ADDRESSES.client,
    edgeOutside: topology.edge?.outside ?? DEFAULT_ADDRESSES.edgeOutside,
    edgeInside: topology.edge?.inside ?? DEFAULT_ADDRESSES.edgeInside,
    server: topology.server?.address ?? DEFAULT_ADDRESSES.server,
    sourcePool: topology.nat?.sourcePool ?? [],
  };
  for (const [role, address] of Object.entries(resolved)) {
    const list = Array.isArray(address) ? address : [address];
    for (const item of list) {
      if (!isIPv4(item)) throw new Error(`netns backend: ${role} address "${item}" is not an IPv4 address`);
    }
  }
  const v6 = topologyAddresses6(topology);
  if (!v6) return resolved;
  for (const [role, address] of Object.entries(v6)) {
    if (!isIPv6(address)) throw new Error(`netns backend: ${role} IPv6 address "${address}" is not an IPv6 address`);
  }
  return { ...resolved, v6 };
}

/** The nft address keyword for an address or CIDR: `ip` (IPv4) or `ip6`. */
export function addressKeyword(value: string): 'ip' | 'ip6' {
  return isIPv6(value.split('/')[0] ?? '') ? 'ip6' : 'ip';
}

/** An address or CIDR as nft accepts it after `ip saddr`/`ip daddr` (or `ip6 saddr`/`ip6 daddr`). */
export function checkAddressMatch(value: string): string {
  const [address, prefix, ...rest] = value.split('/');
  const width = address !== undefined && isIPv6(address) ? 128 : 32;
  const prefixOk = prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= width);
  if (rest.length > 0 || address === undefined || !(isIPv4(address) || isIPv6(address)) || !prefixOk) {
    throw new Error(`netns backend: "${value}" is not an IPv4 or IPv6 address or CIDR`);
  }
  return value;
}

/** 21, "21", or "5500-5525" → nft's "21" / "5500-5525"; anything else throws. */
export function portSpec(value: number | string): string {
  const text = String(value).trim();
  const match = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(text);
  if (!match) throw new Error(`netns backend: "${text}" is not a port or port range`);
  const from = Number(match[1]);
  const to = match[2] === undefined ? from : Number(match[2]);
  if (from < 1 || to > 65535 || from > to) throw new Error(`netns backend: port range "${text}" is out of bounds`);
  return from === to ? String(from) : `${from}-${to}`;
}

/** A set of ports for nft: "21" alone, or "{ 21, 5500-5525 }". */
export function portSet(values: (number | string)[]): string {
  const specs = values.map(portSpec);
  if (specs.length === 0) throw new Error('netns backend: empty port list');
  return specs.length === 1 ? (specs[0] as string) : `{ ${specs.join(', ')} }`;
}
