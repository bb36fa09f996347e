/** Sweep's findings take their codes and default severities from the finding registry (src/findings). */
import { describe, expect, it } from 'vitest';
import { findingEntry } from '../../src/findings/registry.js';
import { coverageFinding, infoFinding, outOfRangeFinding, sampleFinding, stateFindings, type FindingContext } from '../../src/sweep/findings.js';
import type { PortResult } from '../../src/sweep/options.js';

const context: FindingContext = { range: { from: 5500, to: 5505 }, publicAddress: '203.0.113.7', controlPort: 21 };
const results: PortResult[] = [
  { port: 5500, state: 'open' },
  { port: 5501, state: 'dropped' },
  { port: 5502, state: 'refused' },
  { port: 5503, state: 'misrouted', detail: 'token for 5509' },
  { port: 5504, state: 'error', detail: '425 cannot listen' },
];

describe('sweep findings come from the registry', () => {
  const findings = [
    ...stateFindings(results, context),
    coverageFinding(3, 6, context.range, 10, 'the budget was used up'),
    outOfRangeFinding(new Map([[6000, 2]]), context.range, context),
    sampleFinding([5501, 5503], context.range),
    infoFinding('SWEEP_EXTENSION_UNAVAILABLE', 'Swept by PASV/EPSV sampling', 'no SITE SWEEP'),
  ].filter((finding) => finding !== undefined);

  it('one finding per failing state, in the order to fix them, each with the registry severity', () => {
    expect(findings.map((finding) => finding.code)).toEqual([
      'DATA_MISROUTED',
      'DATA_CHANNEL_BLOCKED',
      'DATA_CHANNEL_REFUSED',
      'SWEEP_PORT_ERROR',
      'SWEEP_PARTIAL_COVERAGE',
      'PASV_PORT_OUT_OF_RANGE',
      'SWEEP_SAMPLED',
      'SWEEP_EXTENSION_UNAVAILABLE',
    ]);
    for (const finding of findings) expect(finding.severity, finding.code).toBe(findingEntry(finding.code).severity);
  });

  it('a caller can still say the situation is worse than the default', () => {
    expect(infoFinding('SWEEP_EXTENSION_UNAVAILABLE', 't', 'e', [], 'error').severity).toBe('error');
  });

  it('every code sweep reports is registered as reported by sweep', () => {
    for (const finding of findings) expect(findingEntry(finding.code).emittedBy, finding.code).toContain('sweep');
  });
});
