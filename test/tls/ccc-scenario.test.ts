/**
 * The catalogue's ftps-ccc scenario: a stateful filter that only reads clear-text replies, a
 * client that logs in over TLS and then sends CCC. It must pass in the simulator and, where
 * network namespaces are available (root, ip, nft), on the real kernel with nf_conntrack_ftp.
 */
import { describe, expect, it } from 'vitest';
import { checkNetnsSupport } from '../../src/netns/preflight.js';
import { CATALOGUE_DIR, loadScenarioFile } from '../../src/scenarios/load.js';
import { runScenarioOnKernel } from '../../src/scenarios/run-netns.js';
import { runScenarioInSimulator } from '../../src/scenarios/run-sim.js';
import type { ScenarioResult } from '../../src/report/model.js';

const scenario = await loadScenarioFile(`${CATALOGUE_DIR}/ftps-ccc.yaml`);
const support = await checkNetnsSupport();
const noNetns = support.ok ? null : support.reason;

function expectCccPassed(result: ScenarioResult): void {
  expect(result.mismatches).toEqual([]);
  expect(result.expectationMet).toBe(true);
  const step = result.probe?.steps.find((candidate) => candidate.id === 'data:pasv:tls');
  expect(step?.result).toBe('ok');
  expect(step?.detail).toMatch(/^CCC accepted \(200 /);
  const transcript = (result.probe?.transcript ?? []).filter((line) => line.session === 'pasv:tls' && line.channel === 'control' && line.direction !== '*');
  const after = transcript.slice(transcript.findIndex((line) => line.text === 'CCC')).map((line) => line.text.split(' ')[0]);
  // CCC, its 200, then the NOOP that puts the inspection helper in step again, then PASV.
  expect(after.slice(0, 6)).toEqual(['CCC', '200', 'NOOP', '200', 'PASV', '227']);
}

describe('scenario ftps-ccc', () => {
  it('passes in the simulator', async () => {
    // The scenario's deadlines times three: sized for an idle machine, not a busy one.
    expectCccPassed(await runScenarioInSimulator(scenario, { timeScale: 3 }));
  });

  it.skipIf(noNetns !== null)(`passes on the real kernel (netns)${noNetns ? ` [skipped: ${noNetns}]` : ''}`, async () => {
    expectCccPassed(await runScenarioOnKernel(scenario, { timeScale: 3 }));
  });
});
