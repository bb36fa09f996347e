/**
 * Newcomer-trial bugs of the prediction: the simulated run must not depend on which passive port
 * the simulated server happened to draw; without a server configuration the passive range is
 * unknown (no error, no remedy naming a range); remedies name the files actually read.
 */
import { describe, expect, it } from 'vitest';
import { fixtureIn, predict } from './predict-files.js';
import { untimed } from '../../src/preflight/predict.js';
import { ftpDoctor } from '../setup/run-cli.js';

const FIXTURES = 'test/fixtures/preflight';
const fixture = fixtureIn(FIXTURES);

/** What a reader compares between runs: codes, titles, evidence, simulation codes. */
const shape = (report: Awaited<ReturnType<typeof predict>>['report']) => ({
  findings: report.findings.map((finding) => ({ code: finding.code, severity: finding.severity, title: finding.title, evidence: finding.evidence })),
  simulation: report.simulation?.codes,
});

describe('preflight: a deterministic prediction', () => {
  it('half the range dropped: five runs give identical findings, DATA_CHANNEL_BLOCKED for the dropped span, never EPSV_BLOCKED', { timeout: 180_000 }, async () => {
    const runs = [];
    for (let run = 0; run < 5; run += 1) runs.push(shape((await predict([fixture('vsftpd.conf'), fixture('half-range.nft')])).report));
    for (const run of runs) expect(run).toEqual(runs[0]);
    const text = JSON.stringify(runs[0]);
    expect(text).not.toMatch(/EPSV_BLOCKED/);
    expect(text).toMatch(/DATA_CHANNEL_BLOCKED/);
  });

  it.each(['compose-matching.yml', 'firewalls/ufw/status-verbose.txt'])('%s alone: the passive range is unknown, said as such; no error and no remedy naming the whole port space', async (file) => {
    const { report } = await predict([fixture(file)], { simulate: false });
    expect(report.findings.map((finding) => finding.code)).not.toContain('PASV_PORT_OUT_OF_RANGE');
    expect(report.findings.filter((finding) => finding.severity === 'error')).toEqual([]);
    expect(report.verdict).toBe('pass');
    expect(report.unknown.join('\n')).toMatch(/passive range.*unknown.*no server configuration/i);
    expect(JSON.stringify(report.findings)).not.toMatch(/1024-65535|1024:65535/);
    expect(report.notes.join('\n')).not.toMatch(/hands out any free port/);
  });

  it('no server configuration and the simulation run: its stand-in server\'s passive ports give no data-channel error', { timeout: 120_000 }, async () => {
    const { report } = await predict([fixture('compose-matching.yml')]);
    expect(report.findings.filter((finding) => finding.severity === 'error')).toEqual([]);
  });

  it('the README example: remedies name compose.yml (publish the range) or vsftpd (narrow to what is published), not the current setting nor firewalls never read', async () => {
    const { report } = await predict([fixture('vsftpd.conf'), fixture('compose.yml')], { simulate: false, publicAddress: '203.0.113.7' });
    const finding = report.findings.find((candidate) => candidate.code === 'PASV_PORT_OUT_OF_RANGE');
    const shown = (finding?.remedies ?? []).filter((remedy) => remedy.shown !== false);
    const text = JSON.stringify(shown);
    expect(text).not.toMatch(/pasv_max_port=50100/);
    expect(shown.find((remedy) => remedy.product === 'vsftpd')?.commands).toEqual(expect.arrayContaining(['pasv_min_port=50000', 'pasv_max_port=50050']));
    const compose = shown.find((remedy) => remedy.text.includes('compose.yml'));
    expect(compose?.commands?.join('\n')).toMatch(/50000-50100:50000-50100/);
    expect(shown.map((remedy) => remedy.product)).not.toEqual(expect.arrayContaining(['nftables']));
    expect(shown.map((remedy) => remedy.product)).not.toContain('iptables');
    expect(shown.map((remedy) => remedy.product)).not.toContain('Cloud security group');
  });

  it('a firewall file read keeps its own product\'s remedy (nftables), and only that one', async () => {
    const { report } = await predict([fixture('vsftpd.conf'), fixture('half-range.nft')], { simulate: false });
    const finding = report.findings.find((candidate) => candidate.code === 'PASV_PORT_OUT_OF_RANGE');
    const products = (finding?.remedies ?? []).filter((remedy) => remedy.shown !== false).map((remedy) => remedy.product);
    expect(products).toContain('nftables');
    expect(products).not.toContain('iptables');
    expect(products).not.toContain('Cloud security group');
  });
});

/**
 * Users diff the output in CI: the same files, run after run and in any order named, give the
 * same bytes. Failed before: the simulated server drew one of the four pinned ports at random
 * (PASV_ADDRESS_HIDDEN_BY_CLIENT said "10.0.0.5:50000" in one run, ":50003" in the next), the
 * simulated transcript kept its measured times ("connected in 2.4 ms"), the header its duration,
 * and the Read list followed the command line.
 */
describe('preflight: byte-identical output', () => {
  const files = [`${FIXTURES}/vsftpd-private-address.conf`, `${FIXTURES}/compose-matching.yml`, `${FIXTURES}/half-range.nft`];
  const orders = [files, files, files, [...files].reverse(), [files[1], files[2], files[0]] as string[]];

  it('five runs, two of them with the files in another order, print the same bytes', { timeout: 300_000 }, async () => {
    const outputs: string[] = [];
    for (const order of orders) {
      const result = await ftpDoctor(['preflight', ...order], 120_000);
      expect(result.stderr).not.toMatch(/internal error|\n\s+at /);
      outputs.push(`exit ${result.code}\n${result.stdout}`);
    }
    expect(outputs[0]).toMatch(/PASV_ADDRESS_PRIVATE/);
    expect(outputs[0]).toMatch(/10\.0\.0\.5:500\d\d/);
    for (const output of outputs.slice(1)) expect(output).toBe(outputs[0]);
  });

  it('--json: the same report but for when it ran and how long it took (startedAt, durationMs; the simulated probe record keeps its own times)', { timeout: 300_000 }, async () => {
    const reports: unknown[] = [];
    for (const order of orders.slice(2)) {
      const result = await ftpDoctor(['preflight', ...order, '--json'], 120_000);
      const { startedAt: _started, durationMs: _duration, simulation, ...rest } = JSON.parse(result.stdout) as Record<string, unknown> & { simulation?: { probe?: unknown } };
      reports.push({ ...rest, simulation: { ...simulation, probe: undefined } });
    }
    for (const report of reports.slice(1)) expect(report).toEqual(reports[0]);
  });
});

describe('preflight: measured times of the simulated run left out', () => {
  it.each([
    ['* connect 198.51.100.1:50003: connected in 2.4 ms', '* connect 198.51.100.1:50003: connected'],
    ['* transfer: complete, 168 bytes in 13.9 ms', '* transfer: complete, 168 bytes'],
    ['dialled 10.0.0.5:50003: timeout after 1290 ms (no answer within 1.25 s (RTT 0.5 ms, one SYN retransmission); the data timeout is 2.5 s)', 'dialled 10.0.0.5:50003: timeout (no answer within 1.25 s (one SYN retransmission); the data timeout is 2.5 s)'],
    ['a deadline stays: no answer within 600 ms', 'a deadline stays: no answer within 600 ms'],
  ])('%s', (text, expected) => {
    expect(untimed(text)).toBe(expected);
  });
});

