/**
 * `nat.forwardToPort`: a port forward with an inside port of its own, the setup that makes
 * DATA_MISROUTED real. The same field must mean the same thing in validation, the simulator, the
 * kernel's ruleset and the kernel's attribution; the kernel run itself is in netns-catalogue.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { blameConnection } from '../../src/netns/attribution.js';
import type { CounterRule } from '../../src/netns/counters.js';
import { buildRuleset, kernelLimitations } from '../../src/netns/ruleset.js';
import { ScenarioFileError, parseScenarioText, selectScenarios } from '../../src/scenarios/load.js';
import type { Topology } from '../../src/topology/model.js';
import { runScenarioInSimulator } from '../../src/scenarios/run-sim.js';

const file = `
id: mine
title: My port forwards
description: The passive range forwarded to the wrong port.
source: my notes
topology:
  server: { pasvRange: 5500-5525, externalIp: 198.51.100.1 }
  nat:
    forward: [21]
    forwardToPort:
      - { ports: 5500-5525, toPort: 21 }
client: { dial: edge, modes: [pasv] }
expect: { verdict: fail, findings: [DATA_MISROUTED] }
`;

/** The error a bad file raises: its message names the file, then each problem's line and field. */
const load = (text: string) => () => parseScenarioText(text, 'mine.yaml');

describe('nat.forwardToPort in a scenario file', () => {
  it('loads, and counts as a port forward for dial: edge', () => {
    const scenario = parseScenarioText(file.replace('forward: [21]', 'forwardToPort: [{ ports: 21, toPort: 21 }]').replace(/\n {4}forwardToPort:\n.*\n/, '\n'), 'mine.yaml');
    expect(scenario.topology.nat?.forwardToPort).toEqual([{ ports: 21, toPort: 21 }]);
    expect(scenario.topology.nat?.forward).toBeUndefined();
    expect(parseScenarioText(file, 'mine.yaml').topology.nat?.forwardToPort).toEqual([{ ports: '5500-5525', toPort: 21 }]);
  });

  it('names the file, line and field of a port claimed by two forwards', () => {
    expect(load(file.replace('forward: [21]', 'forward: [21, 5510]'))).toThrow(
      /^mine\.yaml: line 11, topology\.nat\.forwardToPort\[0\]\.ports overlaps topology\.nat\.forward\[1\] \(5510-5510\): a port forward needs exactly one target$/,
    );
  });

  it('names the file, line and field of a missing or impossible inside port', () => {
    expect(load(file.replace(', toPort: 21', ''))).toThrow(/^mine\.yaml: line 11, topology\.nat\.forwardToPort\[0\]\.toPort is required$/);
    expect(load(file.replace('toPort: 21', 'toPort: 70000'))).toThrow(/^mine\.yaml: line 11, topology\.nat\.forwardToPort\[0\]\.toPort must be a whole number from 1 to 65535/);
    expect(load(file.replace('ports: 5500-5525', 'ports: "5525-5500"'))).toThrow(/^mine\.yaml: line 11, topology\.nat\.forwardToPort\[0\]\.ports must be a port/);
    expect(load(file.replace('ports: 5500-5525', 'prots: 5500-5525'))).toThrow(ScenarioFileError);
  });
});

describe('the passive range forwarded to the control port, in the simulator', () => {
  it('lands every data connection on the control listener: DATA_MISROUTED, proved by the token', async () => {
    const [scenario] = await selectScenarios(['nat-forward-wrong-port']);
    const result = await runScenarioInSimulator(scenario!, { timeScale: 3 });
    expect(result.expectationMet, result.mismatches.join('; ')).toBe(true);
    expect(result.probe.verdict).toBe('fail');
    expect(result.probe.findings.map((finding) => finding.code)).toEqual(['DATA_MISROUTED']);
    const misrouted = result.probe.findings[0]!;
    expect(misrouted.explanation).toMatch(/carried "220 /);
    // The simulator's trace: the forward with the wrong inside port, and the control listener accepting.
    const dnat = result.trace.filter((entry) => entry.decision === 'dnat' && entry.rule === 'forward 5500-5525 to port 21');
    expect(dnat.length).toBeGreaterThanOrEqual(2);
    expect(dnat[0]?.detail).toMatch(/^198\.51\.100\.1:55\d\d => 10\.0\.0\.5:21$/);
    expect(result.trace.some((entry) => entry.at === 'server' && entry.decision === 'accept' && entry.detail === 'accepted on 10.0.0.5:21' && entry.connection.endsWith(dnat[0]!.connection.split(' -> ')[1]!))).toBe(true);
  });

  it('its fix, the same ports forwarded unchanged, passes', async () => {
    const [scenario] = await selectScenarios(['nat-forward-wrong-port']);
    const fixed = { ...scenario!, topology: { ...scenario!.topology, nat: { forward: [21, '5500-5525'] } }, expect: { verdict: 'pass' as const } };
    const result = await runScenarioInSimulator(fixed, { timeScale: 3 });
    expect(result.probe.verdict, result.probe.findings.map((finding) => finding.code).join(', ')).toBe('pass');
  });
});

describe('nat.forwardToPort on the kernel side', () => {
  const names = { edgeOutside: 'outside0', edgeInside: 'inside0' };
  const topology: Topology = { nat: { forward: [21], forwardToPort: [{ ports: '5500-5525', toPort: 2121 }] } };

  it('becomes a dnat to the server address and port, after the plain forwards', () => {
    const edge = buildRuleset(topology, names).edge;
    const plain = edge.indexOf('dnat ip to 10.0.0.5 comment "nat/dnat forward 21 to 10.0.0.5"');
    const moved = edge.indexOf('tcp dport 5500-5525 counter dnat ip to 10.0.0.5:2121 comment "nat/dnat forward 5500-5525 to 10.0.0.5:2121"');
    expect(plain).toBeGreaterThan(0);
    expect(moved).toBeGreaterThan(plain);
    expect(kernelLimitations(topology)).toEqual([]);
  });

  it('a port change behind an FTP helper without rewriting is a stated limitation, not a fake', () => {
    const helper: Topology = { ...topology, firewalls: [{ name: 'edge firewall', at: 'edge', policy: 'accept', rules: [], ftpHelper: {} }] };
    expect(kernelLimitations(helper).join('\n')).toMatch(/changes the port/);
  });

  it('attribution matches the edge rules against the forwarded port', () => {
    const walled: Topology = {
      ...topology,
      firewalls: [{ name: 'edge firewall', at: 'edge', policy: 'drop', rules: [{ comment: 'allow passive range', direction: 'in', dport: '5500-5525', action: 'accept' }] }],
    };
    const policy: CounterRule = { scope: 'edge', kind: 'policy', text: 'edge firewall: no rule matched, policy drop', packets: 1, bytes: 60 };
    // 5510 is forwarded to 2121, which the passive-range rule does not cover: the policy decided.
    expect(blameConnection(walled, [policy], { kind: 'passive', to: '198.51.100.1:5510' })).toEqual({ hop: 'edge firewall', rule: 'policy drop' });
  });
});
