/**
 * `sweep` of the whole dynamic range (49152-65535, IIS's default passive range) through a real
 * nftables firewall between network namespaces that opens 26 ports of it and rejects 10 more:
 * every one of the 16,384 ports must come out exactly as the firewall decides — open, refused or
 * dropped — with the sweep at its default settings (block sizes from the open-files limits, the
 * fast first dial and the second dial with the full data timeout). Nothing here is timed: the
 * benchmark (bench/sweep.ts) measures how long it takes.
 * Needs root, ip and nft; skipped with the reason otherwise.
 */
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { checkNetnsSupport } from '../../src/netns/preflight.js';
import { withNetnsTopology } from '../../src/netns/topology.js';
import type { SweepReport } from '../../src/report/model.js';
import type { Topology } from '../../src/topology/model.js';

const support = await checkNetnsSupport();
const noNetns = support.ok ? null : support.reason;
const CLI = [process.execPath, '--import', 'tsx', path.resolve('src/cli/main.ts')];

const DYNAMIC = '49152-65535';
const topology: Topology = {
  firewalls: [
    {
      name: 'edge firewall',
      at: 'edge',
      policy: 'drop',
      rules: [
        { comment: 'FTP control', direction: 'in', dport: 21, action: 'accept' },
        { comment: 'the passive ports opened', direction: 'in', dport: '55500-55525', action: 'accept' },
        { comment: 'a few rejected', direction: 'in', dport: '60000-60009', action: 'reject' },
      ],
    },
  ],
};

/** Resolves once `serve` says it listens; bounded. */
function listening(child: ChildProcess, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`serve did not start within ${timeoutMs} ms: ${output.slice(0, 300)}`)), timeoutMs);
    child.stdout?.on('data', (chunk: Buffer) => {
      if (output.length < 65_536) output += chunk.toString('utf8');
      if (/listening on /.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.stderr?.resume();
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited (${code}): ${output.slice(0, 300)}`));
    });
  });
}

describe.skipIf(noNetns)(`netns: sweep of the whole dynamic range through nftables${noNetns ? ` [skipped: ${noNetns}]` : ''}`, () => {
  it('classifies all 16,384 ports exactly: 26 open, 10 refused, the rest dropped after two unanswered dials', async () => {
    await withNetnsTopology(topology, async (network) => {
      const server = network.spawn('server', [...CLI, 'serve', '--host', network.addresses.server, '--port', '21', '--anonymous', '--allow-sweep', '--pasv-range', DYNAMIC, '--log', 'none']);
      await listening(server, 60_000);
      // Default settings: no --concurrency, the default data timeout.
      const result = await network.exec('client', [...CLI, 'sweep', `ftp://${network.addresses.server}/`, '--range', DYNAMIC, '--json'], { timeoutMs: 240_000 });
      expect(result.timedOut).toBe(false);
      const report = JSON.parse(result.stdout) as SweepReport;
      expect(report.method).toBe('extension');
      expect(report.tested).toBe(16_384);
      expect(report.spans).toEqual([
        { from: 49152, to: 55499, state: 'dropped' },
        { from: 55500, to: 55525, state: 'open' },
        { from: 55526, to: 59999, state: 'dropped' },
        { from: 60000, to: 60009, state: 'refused' },
        { from: 60010, to: 65535, state: 'dropped' },
      ]);
      const dropped = report.ports.filter((port) => port.state === 'dropped');
      expect(dropped).toHaveLength(16_384 - 36);
      // Each was dialled twice: the fast deadline first, then the full data timeout.
      expect(dropped.every((port) => /^no answer to the connect within \d+ ms, nor within 5000 ms when dialled again$/.test(port.detail ?? ''))).toBe(true);
      expect(report.ports.filter((port) => port.state === 'open').every((port) => port.detail?.startsWith(`token for ${port.port} received`))).toBe(true);
      const pace = report.findings.find((finding) => finding.code === 'SWEEP_PACE');
      expect(pace?.evidence.join('\n')).toMatch(/the limit was [\d,]+: /);
      expect(report.verdict).toBe('fail');
    });
  }, 300_000);
});
