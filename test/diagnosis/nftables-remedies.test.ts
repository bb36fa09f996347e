/**
 * Every nft command the remedies print must work on a stock Debian ruleset (table inet filter with
 * input/forward/output chains and nothing else), pasted into a shell as printed. Each remedy is run
 * through bash with `nft` captured, so shell quoting is what the user's shell would do, and the
 * resulting batch is checked with `nft -c -f` in a network namespace this test creates and deletes.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nftables } from '../../src/diagnosis/remedies/nftables.js';
import type { Problem, RemedyContext } from '../../src/diagnosis/remedies/types.js';

/** Debian's /etc/nftables.conf as shipped. */
const STOCK_RULESET = `flush ruleset
table inet filter {
  chain input { type filter hook input priority filter; }
  chain forward { type filter hook forward priority filter; }
  chain output { type filter hook output priority filter; }
}
`;

/** Placeholders the remedies ask the user to fill in, with values for the check. */
const PLACEHOLDERS: Record<string, string> = { '<wan>': 'eth0', '<first>-<last>': '192.0.2.10-192.0.2.13' };

const context: RemedyContext = { range: { from: 50000, to: 50100 }, rangeIsExample: true, publicAddress: '203.0.113.10', controlPort: 21, clientListen: { host: '198.51.100.10', port: 40001 } };

function available(): { ok: boolean; reason: string } {
  if (process.getuid?.() !== 0) return { ok: false, reason: 'needs root to create a network namespace' };
  for (const tool of ['nft', 'ip', 'bash']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return { ok: false, reason: `needs ${tool} (Debian package ${tool === 'nft' ? 'nftables' : tool === 'ip' ? 'iproute2' : tool})` };
  }
  return { ok: true, reason: '' };
}

const environment = available();
const namespace = `fdrev${process.pid}`;
let scratch = '';

/** The nft batch a pasted remedy amounts to: bash runs the commands with `nft` writing its arguments. */
function batchOf(commands: readonly string[]): string {
  const filled = commands.map((command) => Object.entries(PLACEHOLDERS).reduce((text, [from, to]) => text.split(from).join(to), command));
  const nftCommands = filled.filter((command) => command.startsWith('nft ') && !/^nft (?:-\S+ )*list\b/.test(command));
  const script = ['nft() { printf "%s " "$@"; printf "\\n"; }', ...nftCommands].join('\n');
  return execFileSync('bash', ['-c', script], { encoding: 'utf8', timeout: 5000 });
}

function nftCheck(batch: string): { status: number | null; output: string } {
  const file = path.join(scratch, 'batch.nft');
  writeFileSync(file, batch);
  const result = spawnSync('ip', ['netns', 'exec', namespace, 'nft', '-c', '-f', file], { encoding: 'utf8', timeout: 10_000 });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

const problems = Object.keys(nftables.table) as Problem[];

describe.skipIf(!environment.ok)(`nftables remedies on a stock Debian ruleset${environment.ok ? '' : ` (skipped: ${environment.reason})`}`, () => {
  beforeAll(() => {
    scratch = mkdtempSync(path.join(tmpdir(), 'fd-nft-'));
    execFileSync('ip', ['netns', 'add', namespace], { timeout: 10_000 });
    const stock = path.join(scratch, 'stock.nft');
    writeFileSync(stock, STOCK_RULESET);
    execFileSync('ip', ['netns', 'exec', namespace, 'nft', '-f', stock], { timeout: 10_000 });
  });

  afterAll(() => {
    spawnSync('ip', ['netns', 'delete', namespace], { timeout: 10_000 });
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('the check itself rejects a rule for a chain the stock ruleset lacks', () => {
    expect(nftCheck('add rule inet filter prerouting tcp dport 21 accept\n').status).not.toBe(0);
    expect(nftCheck('add rule inet filter input tcp dport 21 accept\n').status).toBe(0);
  });

  it.each(problems)('%s: every nft command applies', (problem) => {
    const remedy = nftables.table[problem]!(context);
    const commands = remedy.commands ?? [];
    const batch = batchOf(commands);
    for (const line of batch.split('\n').filter(Boolean)) expect(line, `unfilled placeholder in ${line}`).not.toMatch(/<[a-z-]+>/);
    if (batch.trim() === '') return;
    const checked = nftCheck(batch);
    expect(checked.output, batch).toBe('');
    expect(checked.status, batch).toBe(0);
  });

  it('an accept rule lands before a drop already in the chain (insert, not add)', () => {
    const file = path.join(scratch, 'drop.nft');
    writeFileSync(file, 'add rule inet filter input tcp dport 1-65535 drop\n');
    execFileSync('ip', ['netns', 'exec', namespace, 'nft', '-f', file], { timeout: 10_000 });
    try {
      const accept = (nftables.table['open-passive-range']!(context).commands ?? [])[0] ?? '';
      const apply = path.join(scratch, 'accept.nft');
      writeFileSync(apply, batchOf([accept]));
      execFileSync('ip', ['netns', 'exec', namespace, 'nft', '-f', apply], { timeout: 10_000 });
      const listing = execFileSync('ip', ['netns', 'exec', namespace, 'nft', 'list', 'chain', 'inet', 'filter', 'input'], { encoding: 'utf8', timeout: 10_000 });
      const acceptAt = listing.indexOf('tcp dport 50000-50100 accept');
      expect(acceptAt, listing).toBeGreaterThanOrEqual(0);
      expect(acceptAt, listing).toBeLessThan(listing.indexOf('drop'));
    } finally {
      execFileSync('ip', ['netns', 'exec', namespace, 'nft', 'flush', 'chain', 'inet', 'filter', 'input'], { timeout: 10_000 });
    }
  });

  it('the ct helper object serves IPv4 and IPv6 (l3proto inet)', () => {
    const helper = (nftables.table['open-passive-range']!(context).commands ?? []).find((command) => command.includes('ct helper inet filter'));
    expect(helper).toMatch(/l3proto inet/);
  });
});
