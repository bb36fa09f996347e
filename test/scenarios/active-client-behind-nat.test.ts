/**
 * A client behind its own NAT in active mode announces its private address in PORT/EPRT. The
 * diagnosis must name that address, say why it fails (the NAT), and send the user to the client
 * side — never to "enable active mode on the server". Run on the simulator and, as root, on the
 * real kernel (namespaces: the edge masquerades the client and lets nothing new back in).
 */
import { describe, expect, it } from 'vitest';
import { checkNetnsSupport } from '../../src/netns/preflight.js';
import type { ScenarioResult } from '../../src/report/model.js';
import { selectScenarios } from '../../src/scenarios/load.js';
import { runScenarios } from '../../src/scenarios/run.js';
import { netnsRunner } from '../../src/scenarios/run-netns.js';
import { runScenarioInSimulator } from '../../src/scenarios/run-sim.js';

const support = await checkNetnsSupport();
const noNetns = support.ok ? null : support.reason;
const [scenario] = await selectScenarios(['active-client-behind-nat']);
const PRIVATE = '192.168.1.10';
/** Who may be told what to do: the network and the client, not a server product. */
const NOT_THE_SERVER = new Set(['nftables', 'iptables', 'Client', 'Windows Firewall', 'Cloud security group']);

function checkDiagnosis(result: ScenarioResult | undefined): void {
  expect(result?.error).toBeUndefined();
  expect(result?.mismatches).toEqual([]);
  const finding = result?.probe.findings.find((candidate) => candidate.code === 'ACTIVE_REJECTED' || candidate.code === 'ACTIVE_INBOUND_BLOCKED');
  expect(finding, JSON.stringify(result?.probe.findings.map((candidate) => candidate.code))).toBeDefined();
  expect(finding?.title).toContain(PRIVATE);
  expect(finding?.explanation).toContain(`${PRIVATE}, is private`);
  expect(finding?.explanation).toMatch(/behind NAT/);
  expect(finding?.evidence.join('\n')).toContain(`address sent: ${PRIVATE} (private)`);
  const remedies = finding?.remedies ?? [];
  expect(remedies.map((remedy) => remedy.product).filter((product) => !NOT_THE_SERVER.has(product))).toEqual([]);
  expect(remedies.some((remedy) => remedy.product === 'Client' && /passive mode/i.test(remedy.text))).toBe(true);
  for (const remedy of remedies) expect(remedy.text).not.toMatch(/enable active|port_enable|allow active mode/i);
}

describe('active mode from a client behind its own NAT', () => {
  it('the scenario is in the catalogue', () => {
    expect(scenario?.id).toBe('active-client-behind-nat');
  });

  it('simulator: the private PORT address is named, the remedies are the client\'s and the network\'s', async () => {
    const report = await runScenarios([scenario!], runScenarioInSimulator, { timeScale: 3 });
    checkDiagnosis(report.results[0]);
  }, 60_000);

  it.skipIf(noNetns)(`real kernel: the same diagnosis${noNetns ? ` [skipped: ${noNetns}]` : ''}`, async () => {
    const report = await runScenarios([scenario!], await netnsRunner(), { timeScale: 3 });
    checkDiagnosis(report.results[0]);
  }, 180_000);
});
