/**
 * The nftables parsers against the real kernel: a fixture is loaded with `nft -f` into a namespace
 * of the project's three-namespace topology, read back with `nft list ruleset` and `nft -j list
 * ruleset`, and (1) both forms must give the same facts, (2) evaluateTcp's verdict for each port
 * must be what the kernel does to a TCP SYN from the client namespace. Needs root, ip and nft.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { evaluateTcp, readFirewallFile, translateDestination, type FirewallFacts } from '../../../src/preflight/firewalls/index.js';
import { checkNetnsSupport } from '../../../src/netns/preflight.js';
import { runChecked } from '../../../src/netns/process.js';
import type { NetnsTopology, Role } from '../../../src/netns/topology.js';
import { startTcpServer } from '../../netns/kernel-helpers.js';
import { kernelVerdict, meaning, useBareTopology } from './kernel-compare.js';

const support = await checkNetnsSupport();
const noNetns = support.ok ? null : support.reason;
const FIXTURES = new URL('../../fixtures/preflight/firewalls/nftables/', import.meta.url);
const fixture = (name: string) => readFileSync(new URL(name, FIXTURES), 'utf8');

async function loadAndReadBack(network: NetnsTopology, role: Role, script: string): Promise<{ text: FirewallFacts; json: FirewallFacts }> {
  const inNamespace = ['ip', 'netns', 'exec', network.names.namespaces[role], 'nft'];
  await runChecked([...inNamespace, '-f', '-'], { input: script, timeoutMs: 10_000 });
  const text = (await runChecked([...inNamespace, 'list', 'ruleset'], { timeoutMs: 10_000 })).stdout;
  const json = (await runChecked([...inNamespace, '-j', 'list', 'ruleset'], { timeoutMs: 10_000 })).stdout;
  return { text: readFirewallFile('nft-list.txt', text), json: readFirewallFile('nft-list.json', json) };
}

describe.skipIf(noNetns)(`nftables facts agree with the kernel${noNetns ? ` [skipped: ${noNetns}]` : ''}`, () => {
  const network = useBareTopology();

  it('server input filter: text and JSON give the same facts, and each verdict is the kernel\'s', async () => {
    const net = network();
    const { text, json } = await loadAndReadBack(net, 'server', fixture('server-input.nft'));
    expect(text.notUnderstood).toEqual([]);
    expect(meaning(json)).toEqual(meaning(text));
    const ports = [8021, 8022, 8023, 8024, 8025, 8026, 8027, 8028, 8029, 50000, 50009, 50010];
    const server = await startTcpServer(net, 'server', ports);
    try {
      for (const port of ports) {
        const kernel = await kernelVerdict(net, net.addresses.server, port);
        const predicted = evaluateTcp(text, { direction: 'in', src: net.addresses.client, dst: net.addresses.server, dport: port, state: 'new' });
        expect({ port, verdict: predicted.verdict }).toEqual({ port, verdict: kernel });
      }
    } finally {
      server.kill('SIGKILL');
    }
  }, 120_000);

  it('edge with DNAT: the translated port, then the forward filter, are what the kernel does', async () => {
    const net = network();
    const { text, json } = await loadAndReadBack(net, 'edge', fixture('edge-dnat.nft'));
    expect(text.notUnderstood).toEqual([]);
    expect(meaning(json)).toEqual(meaning(text));
    const listening = [8021, 50000, 50004, 50005, 50006];
    const server = await startTcpServer(net, 'server', listening);
    try {
      for (const port of [2100, 50000, 50004, 50005, 50006]) {
        const kernel = await kernelVerdict(net, net.addresses.edgeOutside, port);
        const nat = translateDestination(text, { src: net.addresses.client, dst: net.addresses.edgeOutside, dport: port });
        expect(nat.translated).toBe(true);
        const translated = nat.translated === true ? nat : undefined;
        const predicted = evaluateTcp(text, {
          direction: 'forward', src: net.addresses.client, dst: translated?.address, dport: translated?.port ?? port, state: 'new',
          iif: net.names.interfaces.edgeOutside, oif: net.names.interfaces.edgeInside,
        });
        expect({ port, verdict: predicted.verdict }).toEqual({ port, verdict: kernel });
      }
    } finally {
      server.kill('SIGKILL');
    }
  }, 120_000);

  it('narrowing matches (pkttype, tcp flags, fib, ct status, dscp, limit): both forms agree; "unknown" where the kernel may go either way', async () => {
    const net = network();
    const { text, json } = await loadAndReadBack(net, 'server', fixture('narrowing.nft'));
    expect(text.notUnderstood).toEqual([]);
    expect(meaning(json)).toEqual(meaning(text));
    const ports = [8021, 8022, 8023, 8024, 8025, 8026, 8027, 8028];
    const server = await startTcpServer(net, 'server', ports);
    try {
      for (const port of ports) {
        const kernel = await kernelVerdict(net, net.addresses.server, port);
        const predicted = evaluateTcp(text, { direction: 'in', src: net.addresses.client, dst: net.addresses.server, dport: port, state: 'new' });
        // meta mark set (8025) decides nothing: definite; the others may or may not match.
        const expected = port === 8025 ? 'accept' : port === 8028 ? 'drop' : 'unknown';
        expect({ port, predicted: predicted.verdict }).toEqual({ port, predicted: expected });
        if (expected !== 'unknown') expect({ port, kernel }).toEqual({ port, kernel: expected });
        else expect(predicted.reason, `port ${port}`).toMatch(/narrows the match.*: the connection is accept or drop/);
      }
    } finally {
      server.kill('SIGKILL');
    }
  }, 120_000);
  it('the command form (add table/chain/rule/element, insert rule) gives the facts of the kernel\'s listing', async () => {
    const script = fixture('commands.nft');
    const fromScript = readFirewallFile('commands.nft', script);
    const { text, json } = await loadAndReadBack(network(), 'server', script);
    expect(fromScript.notUnderstood).toEqual([]);
    expect(meaning(text)).toEqual(meaning(fromScript));
    expect(meaning(json)).toEqual(meaning(fromScript));
  }, 60_000);
});
