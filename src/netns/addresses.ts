/**
 * Addresses and port specs of a scenario topology, resolved and validated for the kernel backend.
 * Everything here ends up inside nftables scripts and `ip` argv, so it is validated strictly:
 * a scenario file must not be able to inject nft syntax.
 */
import { isIPv4 } from 'node:net';
import { DEFAULT_ADDRESSES, type Topology } from '../scenarios/model.js';

export interface ResolvedAddresses {
  client: string;
  edgeOutside: string;
  edgeInside: string;
  server: string;
  /** SNAT pool addresses the edge must own on its inside link. */
  sourcePool: string[];
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
  return resolved;
}

/** An address or CIDR as nft accepts it after `ip saddr`/`ip daddr`. */
export function checkAddressMatch(value: string): string {
  const [address, prefix, ...rest] = value.split('/');
  const prefixOk = prefix === undefined || (/^\d{1,2}$/.test(prefix) && Number(prefix) <= 32);
  if (rest.length > 0 || address === undefined || !isIPv4(address) || !prefixOk) {
    throw new Error(`netns backend: "${value}" is not an IPv4 address or CIDR`);
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
