/**
 * Newcomer-trial bugs of the prediction: the simulated run must not depend on which passive port
 * the simulated server happened to draw; without a server configuration the passive range is
 * unknown (no error, no remedy naming a range); remedies name the files actually read.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { detectKind, isServerKind, parseServerKind } from '../../src/preflight/detect.js';
import { readFirewallFile, type FirewallFacts } from '../../src/preflight/firewalls/index.js';
import type { InputFacts } from '../../src/preflight/model.js';
import { preflight, type PreflightOptions } from '../../src/preflight/predict.js';

const FIXTURES = 'test/fixtures/preflight';
const fixture = (name: string): [string, string] => [name, readFileSync(`${FIXTURES}/${name}`, 'utf8')];

async function predict(files: [string, string][], options: Partial<PreflightOptions> = {}) {
  const inputs: InputFacts[] = [];
  const firewalls: FirewallFacts[] = [];
  for (const [name, text] of files) {
    const kind = detectKind(name, text);
    if (!kind) throw new Error(`no kind for ${name}`);
    if (isServerKind(kind)) inputs.push(parseServerKind(kind, name, text));
    else firewalls.push(readFirewallFile(name, text, kind));
  }
  return preflight(inputs, firewalls, { client: 'outside', ...options });
}

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
});
