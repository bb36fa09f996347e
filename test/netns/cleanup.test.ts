/**
 * Cleanup is total: after a normal run, a run that throws, a failed setup, and SIGTERM/SIGINT,
 * none of our namespaces (and so none of our veths and rulesets) is left. Needs root, ip, nft.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkNetnsSupport } from '../../src/netns/preflight.js';
import { run } from '../../src/netns/process.js';
import { createNetnsTopology, makeNames, withNetnsTopology } from '../../src/netns/topology.js';

const support = await checkNetnsSupport();
const noNetns = support.ok ? null : support.reason;
const fixture = fileURLToPath(new URL('./fixtures/hold-topology.ts', import.meta.url));

async function namespacesWith(prefix: string): Promise<string[]> {
  const list = await run(['ip', 'netns', 'list'], { timeoutMs: 5_000 });
  return list.stdout.split('\n').map((line) => line.split(' ')[0] ?? '').filter((name) => name.startsWith(`${prefix}-`));
}

function uniquePrefix(tag: string): string {
  return `fdt${tag}${Math.random().toString(36).slice(2, 6)}`;
}

describe(`netns cleanup${noNetns ? ` [skipped: ${noNetns}]` : ''}`, () => {
  it.skipIf(noNetns)('destroy() removes all three namespaces and the processes inside', async () => {
    const prefix = uniquePrefix('a');
    const network = await createNetnsTopology({}, { prefix });
    expect(await namespacesWith(prefix)).toHaveLength(3);
    const sleeper = network.spawn('server', ['sleep', '20']);
    const exited = new Promise((resolve) => sleeper.once('exit', resolve));
    await network.destroy();
    await network.destroy(); // idempotent
    expect(await namespacesWith(prefix)).toEqual([]);
    await exited;
  }, 20_000);

  it.skipIf(noNetns)('a run that throws still deletes everything', async () => {
    const prefix = uniquePrefix('b');
    const failing = withNetnsTopology({}, async (network) => {
      network.spawn('client', ['sleep', '20']);
      throw new Error('scenario blew up');
    }, { prefix });
    await expect(failing).rejects.toThrow('scenario blew up');
    expect(await namespacesWith(prefix)).toEqual([]);
  }, 20_000);

  it.skipIf(noNetns)('a failed setup deletes what it created and never what it did not create', async () => {
    const prefix = uniquePrefix('c');
    const names = makeNames(prefix);
    // Someone else's namespace holds our server name: setup fails at the third `ip netns add`.
    await run(['ip', 'netns', 'add', names.namespaces.server], { timeoutMs: 5_000 });
    try {
      await expect(createNetnsTopology({}, { prefix })).rejects.toThrow(/netns add/);
      expect(await namespacesWith(prefix)).toEqual([names.namespaces.server]);
    } finally {
      await run(['ip', 'netns', 'del', names.namespaces.server], { timeoutMs: 5_000 });
    }
  }, 20_000);

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it.skipIf(noNetns)(`${signal} to the process deletes its namespaces`, async () => {
      const prefix = uniquePrefix(signal === 'SIGTERM' ? 't' : 'i');
      const child = spawn(process.execPath, ['--import', 'tsx', fixture, prefix], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const exit = new Promise<NodeJS.Signals | number | null>((resolve) => child.once('exit', (code, sig) => resolve(sig ?? code)));
      const ready = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), 15_000);
        child.stdout.on('data', (chunk: Buffer) => {
          if (chunk.toString().includes('ready')) {
            clearTimeout(timer);
            resolve(true);
          }
        });
        child.once('exit', () => resolve(false));
      });
      expect(ready, stderr).toBe(true);
      expect(await namespacesWith(prefix)).toHaveLength(3);
      child.kill(signal);
      // The handler deletes, then re-raises the signal so the process dies of it.
      expect(await exit).toBe(signal);
      expect(await namespacesWith(prefix)).toEqual([]);
    }, 30_000);
  }
});
