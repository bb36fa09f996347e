/**
 * Can this machine run the netns backend? Checked in the order a user would fix things, and the
 * first problem is named in one sentence (shown as the skip reason by tests and the CLI).
 */
import { randomBytes } from 'node:crypto';
import { createNamespaceSync, deleteNamespaces, liveNamespaces, run } from './process.js';

export type NetnsSupport = { ok: true } | { ok: false; reason: string };

async function commandWorks(argv: string[]): Promise<boolean> {
  try {
    const result = await run(argv, { timeoutMs: 5_000 });
    return result.code === 0;
  } catch {
    return false; // ENOENT: not installed
  }
}

export async function checkNetnsSupport(): Promise<NetnsSupport> {
  if (process.platform !== 'linux') {
    return { ok: false, reason: `network namespaces need Linux, this is ${process.platform}` };
  }
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
    return { ok: false, reason: 'creating network namespaces needs root (run as root or with sudo)' };
  }
  if (!(await commandWorks(['ip', '-V']))) {
    return { ok: false, reason: 'the `ip` command is missing (install iproute2)' };
  }
  if (!(await commandWorks(['nft', '--version']))) {
    return { ok: false, reason: 'the `nft` command is missing (install nftables)' };
  }
  const name = `fdpre${randomBytes(4).toString('hex')}`;
  try {
    try {
      createNamespaceSync(name, 5_000);
    } catch (error) {
      return { ok: false, reason: `cannot create a network namespace: ${(error as Error).message}` };
    }
    const nft = await run(['ip', 'netns', 'exec', name, 'nft', 'list', 'ruleset'], { timeoutMs: 5_000 });
    if (nft.code !== 0) {
      return { ok: false, reason: `nftables does not work inside a namespace: ${nft.stderr.trim() || 'nft list ruleset failed'}` };
    }
    return { ok: true };
  } finally {
    // Only if we made it: a failed add may mean someone else holds the name.
    if (liveNamespaces().includes(name)) await deleteNamespaces([name]);
  }
}
