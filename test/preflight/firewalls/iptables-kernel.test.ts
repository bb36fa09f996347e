/**
 * The iptables-save reader against the real kernel: the fixture is loaded with iptables-restore
 * into the server namespace of the project's topology, read back with iptables-save; the file and
 * the kernel's dump must give the same facts, and evaluateTcp's verdict for each port must be what
 * the kernel does to a TCP SYN from the client namespace. Needs root, ip, nft and iptables.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { evaluateTcp, readFirewallFile } from '../../../src/preflight/firewalls/index.js';
import { checkNetnsSupport } from '../../../src/netns/preflight.js';
import { run, runChecked } from '../../../src/netns/process.js';
import { startTcpServer } from '../../netns/kernel-helpers.js';
import { kernelVerdict, meaning, useBareTopology } from './kernel-compare.js';

const support = await checkNetnsSupport();
const iptablesMissing = (await run(['iptables-restore', '--version']).catch(() => undefined))?.code === 0 ? null : 'iptables-restore is not installed (Debian package iptables)';
const skip = (support.ok ? null : support.reason) ?? iptablesMissing;
const fixture = readFileSync(new URL('../../fixtures/preflight/firewalls/iptables/server.rules', import.meta.url), 'utf8');

describe.skipIf(skip)(`iptables facts agree with the kernel${skip ? ` [skipped: ${skip}]` : ''}`, () => {
  const network = useBareTopology();

  it('the file and iptables-save give the same facts; each verdict is the kernel\'s', async () => {
    const net = network();
    const inServer = ['ip', 'netns', 'exec', net.names.namespaces.server];
    await runChecked([...inServer, 'iptables-restore'], { input: fixture, timeoutMs: 10_000 });
    const saved = (await runChecked([...inServer, 'iptables-save'], { timeoutMs: 10_000 })).stdout;
    const fromFile = readFirewallFile('server.rules', fixture);
    const fromKernel = readFirewallFile('iptables-save.txt', saved);
    expect(fromFile.notUnderstood).toEqual([]);
    expect(fromKernel.notUnderstood).toEqual([]);
    expect(meaning(fromKernel)).toEqual(meaning(fromFile));
    const ports = [8021, 8022, 8023, 8024, 8025, 8026, 8027, 8029, 50000, 50009, 50010];
    const server = await startTcpServer(net, 'server', ports);
    try {
      for (const port of ports) {
        const kernel = await kernelVerdict(net, net.addresses.server, port);
        const predicted = evaluateTcp(fromKernel, { direction: 'in', src: net.addresses.client, dst: net.addresses.server, dport: port, state: 'new', iif: net.names.interfaces.server });
        expect({ port, verdict: predicted.verdict }).toEqual({ port, verdict: kernel });
      }
    } finally {
      server.kill('SIGKILL');
    }
  }, 120_000);
});
