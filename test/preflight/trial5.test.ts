/**
 * Newcomer trial 5: wrong verdicts of preflight. Ports published one per entry (compose, Kubernetes
 * Services) are one span, not a one-port server's artefact.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { detectKind, isServerKind, parseServerKind } from '../../src/preflight/detect.js';
import { readFirewallFile, type FirewallFacts } from '../../src/preflight/firewalls/index.js';
import type { InputFacts } from '../../src/preflight/model.js';
import { preflight, type PreflightOptions } from '../../src/preflight/predict.js';
import { ftpDoctor } from '../setup/run-cli.js';

const FIXTURES = 'test/fixtures/preflight/trial5';
const path = (name: string) => `${FIXTURES}/${name}`;
const fixture = (name: string): [string, string] => [name, readFileSync(path(name), 'utf8')];

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
