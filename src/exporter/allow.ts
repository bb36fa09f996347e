/**
 * Which targets the exporter may dial. Without a list it dials anything it is asked to, which on a
 * reachable port makes it a proxy for connecting anywhere its network can reach (internal hosts,
 * cloud metadata addresses): the README says so, and `--allow` / `allow:` close it.
 *
 * Entries are IP addresses, CIDR blocks (node's BlockList does the matching) and host names
 * (matched exactly, case-insensitively). A host name not on the list is resolved once here and
 * allowed only when its address lies in a listed block; the probe then dials that checked address
 * (no second lookup that DNS could answer differently).
 */
import net from 'node:net';

export interface AllowList {
  blocks: net.BlockList;
  names: ReadonlySet<string>;
  /** The entries as written, for the start-up line. */
  entries: readonly string[];
}

const HOST_NAME = /^(?=.{1,253}$)[a-z0-9_](?:[a-z0-9_-]{0,62})(?:\.[a-z0-9_](?:[a-z0-9_-]{0,62}))*$/;

const familyOf = (address: string): 'ipv4' | 'ipv6' => (net.isIPv6(address) ? 'ipv6' : 'ipv4');

/** Entries → list; each entry that is none of address, CIDR or host name is a problem. */
export function parseAllowList(entries: readonly string[]): { list: AllowList; problems: string[] } {
  const blocks = new net.BlockList();
  const names = new Set<string>();
  const problems: string[] = [];
  for (const raw of entries) {
    const entry = raw.trim().toLowerCase().replace(/\.$/, '');
    const cidr = /^([^/]+)\/(\d{1,3})$/.exec(entry);
    if (cidr) {
      const [, base = '', bits = ''] = cidr;
      const prefix = Number(bits);
      const family = net.isIP(base);
      if (family === 0 || prefix > (family === 4 ? 32 : 128)) problems.push(`${JSON.stringify(raw)} is not a CIDR block like 192.0.2.0/24 or 2001:db8::/32`);
      else blocks.addSubnet(base, prefix, familyOf(base));
    } else if (net.isIP(entry) !== 0) {
      blocks.addAddress(entry, familyOf(entry));
    } else if (HOST_NAME.test(entry)) {
      names.add(entry);
    } else {
      problems.push(`${JSON.stringify(raw)} is not an IP address, a CIDR block or a host name`);
    }
  }
  return { list: { blocks, names, entries: [...entries] }, problems };
}

/** Is this address inside a listed block (an IPv4-mapped IPv6 address counts as its IPv4 one)? */
export function addressAllowed(list: AllowList, address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  const plain = mapped ?? address;
  return list.blocks.check(plain, familyOf(plain));
}

export type TargetDecision =
  | { allowed: true; /** The checked address to dial, when this decision resolved the name. */ address?: string }
  | { allowed: false; reason: string };

/**
 * May `host` be probed? `resolve` is called only for a name that is not listed itself, and only
 * when there is a list. Never dials anything.
 */
export async function decideTarget(list: AllowList | undefined, host: string, resolve: (host: string) => Promise<string>): Promise<TargetDecision> {
  if (!list) return { allowed: true };
  const name = host.toLowerCase().replace(/\.$/, '');
  if (net.isIP(name) !== 0) return addressAllowed(list, name) ? { allowed: true } : { allowed: false, reason: `${name} is not in the allow-list` };
  if (list.names.has(name)) return { allowed: true };
  let address: string;
  try {
    address = await resolve(name);
  } catch {
    return { allowed: false, reason: `${name} is not in the allow-list and could not be resolved to check its address` };
  }
  return addressAllowed(list, address) ? { allowed: true, address } : { allowed: false, reason: `${name} resolves to ${address}, which is not in the allow-list` };
}
