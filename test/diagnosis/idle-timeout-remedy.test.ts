/**
 * The idle-timeout remedies must never shorten a timeout: Linux's conntrack default for
 * established TCP is 5 days (432000 s), so a fixed "set it to 7200" would make things worse.
 */
import { describe, expect, it } from 'vitest';
import { remediesFor } from '../../src/diagnosis/index.js';
import type { RemedyContext } from '../../src/diagnosis/remedies/types.js';

const context: RemedyContext = { range: { from: 50000, to: 50100 }, rangeIsExample: true, publicAddress: '203.0.113.10', controlPort: 21 };
const remedies = remediesFor(['idle-timeout'], context);
const byProduct = (product: string) => remedies.find((remedy) => remedy.product === product);

describe('idle-timeout remedies', () => {
  it('nftables: read the current conntrack timeout first, then raise it only with a value the user picks', () => {
    const nft = byProduct('nftables');
    const commands = nft?.commands ?? [];
    expect(commands[0]).toBe('sysctl net.netfilter.nf_conntrack_tcp_timeout_established');
    const setters = commands.filter((command) => command.includes('sysctl -w'));
    expect(setters.length).toBe(1);
    // No fixed number: a placeholder the user fills with more than the longest transfer.
    expect(setters[0]).toMatch(/nf_conntrack_tcp_timeout_established=<[^>]+>$/);
    expect(nft?.text).toMatch(/432000/);
    expect(nft?.text).toMatch(/only if/i);
  });

  it('the client is told about TCP keepalive and NOOP during transfers', () => {
    const client = byProduct('Client');
    expect(client?.text).toMatch(/keepalive|keep-alive/i);
    expect(client?.text).toMatch(/NOOP/);
  });

  it('no idle-timeout remedy sets a fixed timeout in seconds', () => {
    for (const remedy of remedies) for (const command of remedy.commands ?? []) expect(command, remedy.product).not.toMatch(/timeout\w*=\d+/);
  });
});
