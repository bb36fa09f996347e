/**
 * Can this process bind a port below 1024 (for --active-source-port 20)? On Linux the answer is
 * knowable up front: root, the CAP_NET_BIND_SERVICE capability in the effective set, or a
 * lowered net.ipv4.ip_unprivileged_port_start. Elsewhere the rules differ (macOS and Windows let
 * anyone bind low ports on most setups), so the answer is 'unknown' and nothing is claimed.
 */
import { readFileSync } from 'node:fs';

const CAP_NET_BIND_SERVICE = 10n;

export interface LowPortFacts {
  platform: string;
  uid: number | undefined;
  /** The CapEff line of /proc/self/status (hex), when readable. */
  capEff: string | undefined;
  /** /proc/sys/net/ipv4/ip_unprivileged_port_start, when readable. */
  unprivilegedPortStart: number | undefined;
}

/** Pure: the decision from the facts. */
export function canBindPort(port: number, facts: LowPortFacts): 'yes' | 'no' | 'unknown' {
  if (port >= 1024) return 'yes';
  if (facts.platform !== 'linux') return 'unknown';
  if (facts.uid === 0) return 'yes';
  if (facts.unprivilegedPortStart !== undefined && port >= facts.unprivilegedPortStart) return 'yes';
  if (facts.capEff === undefined || facts.unprivilegedPortStart === undefined) return 'unknown';
  return (BigInt(`0x${facts.capEff}`) >> CAP_NET_BIND_SERVICE) & 1n ? 'yes' : 'no';
}

/** The facts of this process (I/O: /proc). */
export function lowPortFacts(): LowPortFacts {
  const read = (path: string): string | undefined => {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return undefined;
    }
  };
  const capEff = /^CapEff:\s*([0-9a-f]+)$/im.exec(read('/proc/self/status') ?? '')?.[1];
  const start = Number.parseInt(read('/proc/sys/net/ipv4/ip_unprivileged_port_start') ?? '', 10);
  return {
    platform: process.platform,
    uid: process.getuid?.(),
    capEff,
    unprivilegedPortStart: Number.isInteger(start) ? start : undefined,
  };
}
