/**
 * A scenario's deadlines and the time scale a test suite on a busy machine gives them: the
 * scenario's own connect, data and accept deadlines grow with it; explicit overrides stay as given.
 */
import { describe, expect, it } from 'vitest';
import type { Scenario } from '../../src/topology/model.js';
import { scenarioDefaults } from '../../src/scenarios/plan.js';

function scenario(client: Scenario['client'] = {}): Scenario {
  return { id: 'x', title: 'x', description: 'x', source: 'x', topology: {}, client, expect: { verdict: 'pass' } };
}

describe('scenarioDefaults', () => {
  it('uses the scenario deadlines as written by default', () => {
    expect(scenarioDefaults(scenario({ dataTimeoutMs: 300 }), {})).toEqual({ connectTimeoutMs: 1000, dataTimeoutMs: 300, acceptTimeoutMs: 150 });
    expect(scenarioDefaults(scenario({ dataTimeoutMs: 300, connectTimeoutMs: 300 }), {})).toEqual({ connectTimeoutMs: 300, dataTimeoutMs: 300, acceptTimeoutMs: 150 });
  });

  it('scales every deadline the scenario decides, the server accept deadline with them', () => {
    expect(scenarioDefaults(scenario({ dataTimeoutMs: 300 }), { timeScale: 3 })).toEqual({ connectTimeoutMs: 3000, dataTimeoutMs: 900, acceptTimeoutMs: 450 });
    expect(scenarioDefaults(scenario({ dataTimeoutMs: 300, connectTimeoutMs: 300 }), { timeScale: 3 })).toEqual({ connectTimeoutMs: 900, dataTimeoutMs: 900, acceptTimeoutMs: 450 });
    // Never below the scenario's own: a scale under 1 is taken as 1.
    expect(scenarioDefaults(scenario({ dataTimeoutMs: 300 }), { timeScale: 0.1 }).dataTimeoutMs).toBe(300);
  });

  it('explicit overrides are taken as given', () => {
    expect(scenarioDefaults(scenario({ dataTimeoutMs: 300 }), { timeScale: 3, dataTimeoutMs: 5000 })).toEqual({ connectTimeoutMs: 5000, dataTimeoutMs: 5000, acceptTimeoutMs: 2500 });
    expect(scenarioDefaults(scenario(), { timeScale: 3, connectTimeoutMs: 700 }).connectTimeoutMs).toBe(700);
  });
});
