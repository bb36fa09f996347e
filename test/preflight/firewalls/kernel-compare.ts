/**
 * Shared by the kernel tests of the firewall readers: facts compared without where they were read,
 * and the kernel's answer to one TCP SYN in evaluateTcp's words.
 */
import { afterEach, beforeEach } from 'vitest';
import type { FirewallFacts } from '../../../src/preflight/firewalls/index.js';
import { createNetnsTopology, type NetnsTopology } from '../../../src/netns/topology.js';
import { tcpOutcome } from '../../netns/kernel-helpers.js';

/** Facts without provenance, firewalls in name order: two spellings differ in lines and order, not meaning. */
export function meaning(facts: FirewallFacts): unknown {
  const stripped = JSON.parse(JSON.stringify({ ...facts, kind: undefined, file: undefined }, (key, value: unknown) => (key === 'at' ? undefined : value))) as { firewalls: { name: string }[] };
  stripped.firewalls.sort((a, b) => a.name.localeCompare(b.name));
  return stripped;
}

const KERNEL_VERDICT: Record<string, string> = { connected: 'accept', ECONNREFUSED: 'reject', timeout: 'drop' };

/** What the kernel did to a SYN from the client namespace: accept, reject, drop (or the raw outcome). */
export async function kernelVerdict(network: NetnsTopology, host: string, port: number): Promise<string> {
  const outcome = await tcpOutcome(network, 'client', host, port, 1_500);
  return KERNEL_VERDICT[outcome] ?? outcome;
}

/**
 * Inside a describe: the project's three-namespace topology without rulesets of its own, made
 * afresh for each test and always destroyed after it (a test must not see the conntrack entries
 * or rulesets of the one before: sharing them, a SYN the rules accept timed out in a later test,
 * cause not pinned down; alone, and with fresh namespaces, it connects).
 * Returns its getter.
 */
export function useBareTopology(): () => NetnsTopology {
  let network: NetnsTopology | undefined;
  beforeEach(async () => {
    network = await createNetnsTopology({});
  }, 60_000);
  afterEach(async () => {
    await network?.destroy();
    network = undefined;
  });
  return () => {
    if (!network) throw new Error('the namespace topology was not created');
    return network;
  };
}
