import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CATALOGUE_DIR, ScenarioFileError, loadScenarioDirectory, loadScenarioFile, parseScenarioText, selectScenarios } from '../../src/scenarios/load.js';

const minimal = `
id: mine
title: My firewall
description: What my firewall does.
source: my notes
topology:
  firewalls:
    - name: edge firewall
      at: edge
      policy: drop
      rules:
        - { direction: in, dport: 21, action: accept }
client: { modes: [pasv] }
expect: { verdict: fail, findings: [DATA_CHANNEL_BLOCKED] }
`;

function problemsOf(text: string): string[] {
  try {
    parseScenarioText(text, 'mine.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(ScenarioFileError);
    return (error as ScenarioFileError).problems;
  }
  throw new Error('expected the file to be rejected');
}

describe('scenario files', () => {
  it('loads a minimal user file', () => {
    const scenario = parseScenarioText(minimal, 'mine.yaml');
    expect(scenario.id).toBe('mine');
    expect(scenario.topology.firewalls?.[0]?.rules[0]?.dport).toBe(21);
    expect(scenario.file).toBe('mine.yaml');
  });

  it('names file, line and field for a bad value', () => {
    const problems = problemsOf(minimal.replace('policy: drop', 'policy: block'));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^line 10, topology\.firewalls\[0\]\.policy must be one of accept, drop, reject \(got "block"\)/);
  });

  it('reports unknown fields (typos) rather than ignoring them', () => {
    const problems = problemsOf(minimal.replace('dport: 21', 'dprot: 21'));
    expect(problems.join('\n')).toMatch(/topology\.firewalls\[0\]\.rules\[0\]\.dprot unknown field/);
  });

  it('reports missing required fields', () => {
    expect(problemsOf(minimal.replace('title: My firewall\n', '')).join('\n')).toMatch(/title is required/);
  });

  it('rejects inverted port ranges', () => {
    expect(problemsOf(minimal.replace('dport: 21', 'dport: "6000-5000"')).join('\n')).toMatch(/dport must be a port/);
  });

  it('reports YAML syntax errors with a line', () => {
    const problems = problemsOf('id: x\n  bad: [\n');
    expect(problems[0]).toMatch(/line \d+/);
  });

  it('cross-checks fields', () => {
    const text = minimal.replace('client: { modes: [pasv] }', 'client: { modes: [pasv], dial: edge }');
    expect(problemsOf(text).join('\n')).toMatch(/client\.dial "edge" needs topology\.nat\.forward/);
  });

  it('says which file cannot be read', async () => {
    await expect(loadScenarioFile('/nonexistent/x.yaml')).rejects.toThrow('/nonexistent/x.yaml: no such file');
  });

  it('rejects duplicate ids in a directory', async () => {
    const directory = await mkdtemp(path.join(os.tmpdir(), 'fd-scen-'));
    await writeFile(path.join(directory, 'a.yaml'), minimal);
    await writeFile(path.join(directory, 'b.yaml'), minimal);
    await expect(loadScenarioDirectory(directory)).rejects.toThrow(/is also used by/);
  });
});

describe('the catalogue', () => {
  it('every file validates, ids are unique and match file names', async () => {
    const scenarios = await loadScenarioDirectory(CATALOGUE_DIR);
    expect(scenarios.length).toBeGreaterThanOrEqual(20);
    for (const scenario of scenarios) expect(path.basename(scenario.file ?? '')).toBe(`${scenario.id}.yaml`);
  });

  it('every pairedWith names a scenario that exists', async () => {
    const scenarios = await loadScenarioDirectory(CATALOGUE_DIR);
    const ids = new Set(scenarios.map((scenario) => scenario.id));
    for (const scenario of scenarios) if (scenario.pairedWith) expect(ids, scenario.id).toContain(scenario.pairedWith);
  });

  it('covers the five cases of the IIS firewall guide with a failing and a fixed side each', async () => {
    const scenarios = await loadScenarioDirectory(CATALOGUE_DIR);
    const seed = scenarios.filter((scenario) => scenario.tags?.includes('iis-guide'));
    expect(seed.filter((scenario) => scenario.expect.verdict === 'fail').length).toBeGreaterThanOrEqual(5);
    expect(seed.filter((scenario) => scenario.expect.verdict === 'pass').length).toBeGreaterThanOrEqual(5);
  });

  it('selects by id and by path, and names an unknown id', async () => {
    const [byId] = await selectScenarios(['control-channel-only']);
    expect(byId?.id).toBe('control-channel-only');
    await expect(selectScenarios(['no-such-scenario'])).rejects.toThrow(/no scenario with this id/);
  });
});
