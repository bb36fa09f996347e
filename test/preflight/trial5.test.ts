/**
 * Newcomer trial 5: wrong verdicts of preflight. Ports published one per entry (compose, Kubernetes
 * Services) are one span, not a one-port server's artefact.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixtureIn, predict } from './predict-files.js';
import { ftpDoctor } from '../setup/run-cli.js';

const FIXTURES = 'test/fixtures/preflight/trial5';
const path = (name: string) => `${FIXTURES}/${name}`;
const fixture = fixtureIn(FIXTURES);

describe('preflight trial 5: ports published one per entry', () => {
  it('compose publishing 21100..21103 one per entry is one open span and a PASS (no one-port server artefact)', { timeout: 120_000 }, async () => {
    const { report } = await predict([fixture('compose-one-per-entry.yml')]);
    expect(report.passive.map((span) => [span.ports, span.outcome])).toEqual([[{ from: 21100, to: 21103 }, 'open']]);
    expect(report.findings.map((finding) => finding.code)).not.toContain('PASSIVE_MODE_REFUSED');
    expect(JSON.stringify(report)).not.toMatch(/is in use/);
    expect(report.verdict).toBe('pass');
  });

  it('the same through the CLI: exit 0', { timeout: 120_000 }, async () => {
    const result = await ftpDoctor(['preflight', path('compose-one-per-entry.yml')]);
    expect(result.stdout).toMatch(/Preflight\s+PASS/);
    expect(result.code).toBe(0);
  });

  it('a Kubernetes Service publishing 30000 and 30001 one per entry: 30000-30001 one span; only the real PASV_PORT_OUT_OF_RANGE, no PASSIVE_MODE_REFUSED; the remedy never narrows to one port', { timeout: 120_000 }, async () => {
    const { report } = await predict([fixture('k8s-one-per-entry.yaml')]);
    expect(report.passive.find((span) => span.outcome === 'open')?.ports).toEqual({ from: 30000, to: 30001 });
    const codes = report.findings.map((finding) => finding.code);
    expect(codes).toContain('PASV_PORT_OUT_OF_RANGE');
    expect(codes).not.toContain('PASSIVE_MODE_REFUSED');
    expect(JSON.stringify(report.findings)).not.toMatch(/30000:30000|30000-30000/);
  });

  it('one published port of a 4-port range: the one-port pinned simulation being "busy" is not reported', { timeout: 120_000 }, async () => {
    const text = readFileSync(path('compose-one-per-entry.yml'), 'utf8').replace(/ *- "2110[123]:2110[123]"\n/g, '');
    const { report } = await predict([['compose.yml', text]]);
    expect(report.passive.find((span) => span.outcome === 'open')?.ports).toEqual({ from: 21100, to: 21100 });
    expect(report.findings.map((finding) => finding.code)).not.toContain('PASSIVE_MODE_REFUSED');
    expect(JSON.stringify(report.findings)).not.toMatch(/is in use|is busy/);
  });
});

describe('preflight trial 5: nftables base chain header on the "{" line', () => {
  const files = ['vsftpd.conf', 'compose.yml', 'chain-header-inline.nft'].map(fixture);
  it('`chain forward { type filter hook forward priority 0; policy drop;` + rules below: understood, the passive range dropped, FAIL', async () => {
    const { report } = await predict(files, { simulate: false, publicAddress: '203.0.113.7' });
    expect(report.notUnderstood).toEqual([]);
    expect(report.passive.map((span) => span.outcome)).toEqual(['blocked']);
    expect(report.verdict).toBe('fail');
  });

  it.each([
    ['everything on one line', '  chain forward { type filter hook forward priority 0; policy drop; ct state established,related accept; tcp dport 21 accept; }\n'],
    ['type and policy on the line after "{"', '  chain forward {\n    type filter hook forward priority 0; policy drop;\n    tcp dport 21 accept\n  }\n'],
  ])('%s: the same verdict', async (_name, chain) => {
    const text = readFileSync(path('chain-header-inline.nft'), 'utf8').replace(/  chain forward \{[^}]*\}\n/, chain);
    expect(text).toContain(chain);
    const { report } = await predict([files[0] as [string, string], files[1] as [string, string], ['nftables.conf', text]], { simulate: false, publicAddress: '203.0.113.7' });
    expect(report.notUnderstood).toEqual([]);
    expect(report.passive.map((span) => span.outcome)).toEqual(['blocked']);
  });

  it('a base chain the reader cannot understand makes the ports unknown, never open', async () => {
    const text = readFileSync(path('chain-header-inline.nft'), 'utf8').replace(/  chain forward \{ type/, '  chain forward hook forward { type');
    const { report } = await predict([files[0] as [string, string], files[1] as [string, string], ['nftables.conf', text]], { simulate: false, publicAddress: '203.0.113.7' });
    expect(report.passive.map((span) => span.outcome)).not.toContain('open');
    expect(report.passive.map((span) => span.outcome)).toContain('unknown');
  });

  it('through the CLI: exit 1, not PASS', { timeout: 120_000 }, async () => {
    const result = await ftpDoctor(['preflight', ...['vsftpd.conf', 'compose.yml', 'chain-header-inline.nft'].map(path), '--public-address', '203.0.113.7']);
    expect(result.stdout).not.toMatch(/Preflight\s+PASS/);
    expect(result.code).toBe(1);
  });
});

describe('preflight trial 5: --as KIND=FILE names a file to read', () => {
  it('a missing file named only by --as: exit 2 naming it', { timeout: 60_000 }, async () => {
    const result = await ftpDoctor(['preflight', path('v2.conf'), '--as', `netsh-rules=${path('nonexist.txt')}`]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('nonexist.txt');
  });

  it('a firewall file named only by --as is read: it appears under Read and decides the verdict', { timeout: 120_000 }, async () => {
    const result = await ftpDoctor(['preflight', path('p3.conf'), '--as', `iptables-save=${path('ipt.rules')}`, '--no-simulate']);
    expect(result.stdout).toContain('ipt.rules');
    expect(result.stdout).toMatch(/PASV_PORT_OUT_OF_RANGE/);
    expect(result.code).toBe(1);
  });
});

describe('preflight trial 5: --write-scenario reproduces preflight\'s answer', () => {
  it('p3.conf + ipt.rules (half the range dropped): the scenario expects fail, is pinned, and `scenarios run` of it meets its expectation twice', { timeout: 240_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fd-t5-'));
    try {
      const file = join(dir, 'site.yaml');
      const pre = await ftpDoctor(['preflight', path('p3.conf'), path('ipt.rules'), '--write-scenario', file]);
      expect(pre.code).toBe(1);
      const written = readFileSync(file, 'utf8');
      expect(written).not.toMatch(/verdict: pass/);
      expect(written).toMatch(/verdict: fail/);
      expect(written).toMatch(/pasvRange: 4917\d-4917\d|pasvRange: "?4917\d-4917\d/);
      for (let run = 0; run < 2; run += 1) {
        const result = await ftpDoctor(['scenarios', 'run', file]);
        expect(result.stdout).toMatch(/1 of 1 scenarios? met/);
        expect(result.code).toBe(0);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('preflight trial 5: the whole passive range unpublished', () => {
  it('remedies: publish the range in the compose file, or move the server range into what is published; never the range already set', async () => {
    const conf = 'pasv_enable=YES\npasv_min_port=50051\npasv_max_port=50100\npasv_address=203.0.113.7\n';
    const { report } = await predict([['vsftpd.conf', conf], ['compose.yml', readFileSync('test/fixtures/preflight/compose.yml', 'utf8')]], { simulate: false });
    const finding = report.findings.find((candidate) => candidate.code === 'DATA_CHANNEL_REFUSED');
    const texts = (finding?.remedies ?? []).filter((remedy) => remedy.shown !== false).map((remedy) => `${remedy.product}: ${remedy.text} ${(remedy.commands ?? []).join(' ')}`);
    expect(texts.join('\n')).toMatch(/Publish the server's whole passive range 50051-50100 in compose\.yml/);
    expect(texts.find((text) => text.startsWith('vsftpd'))).toMatch(/50000-50050|pasv_max_port=50050/);
    expect(texts.join('\n')).not.toMatch(/only from 50051-50100/);
  });
});
