/**
 * `scenarios run --compare` judges what a scenario is about, not the luck of a port draw. On a
 * passive range the server and the firewall share only in part, the simulator's server and the
 * kernel's server each draw their own random port: one lands inside the allowed part and lists, the
 * other lands outside and is dropped. That is the scenario working as designed on both backends,
 * not a simulator bug. Constructed results (pure); the real case is in netns-catalogue.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { agreementOf } from '../../src/report/compare.js';
import type { ConnectionEvent, Finding, FindingCode, ProbeReport, ScenarioResult } from '../../src/report/model.js';

const RANGE = { from: 5500, to: 5525 };
/** 24 samples from 5500-5550, as the server of pasv-partial-overlap hands them out. */
const SAMPLES = [5506, 5512, 5503, 5550, 5533, 5549, 5504, 5509, 5542, 5544, 5516, 5502, 5514, 5543, 5548, 5511, 5532, 5530, 5519, 5538, 5508, 5541, 5527, 5513];

function finding(code: FindingCode): Finding {
  return { code, severity: 'error', title: code, explanation: '', evidence: [], remedies: [] };
}

/** A pasv-partial-overlap run whose listing drew `port`; the listing ends as `outcome`. */
function run(backend: ScenarioResult['backend'], port: number, outcome: ConnectionEvent['outcome'], options: { samples?: number[]; range?: boolean } = {}): ScenarioResult {
  const connected = outcome === 'connected';
  const probe: ProbeReport = {
    tool: 'ftp-doctor',
    version: '0.1.0',
    schemaVersion: 1,
    kind: 'probe',
    target: 'ftp://anonymous@10.0.0.5:21/',
    verdict: 'fail',
    startedAt: '2026-01-01T00:00:00.000Z',
    durationMs: 900,
    addressPolicy: 'control-peer',
    steps: [
      { id: 'login', name: 'Login', result: 'ok', startedAt: 0, durationMs: 5, detail: '230' },
      { id: 'sample', name: 'Passive port samples (24×)', result: 'ok', startedAt: 5, durationMs: 50, detail: '' },
      { id: 'data:pasv', name: 'PASV listing', mode: 'pasv', result: connected ? 'ok' : 'fail', startedAt: 60, durationMs: 300, detail: '' },
    ],
    findings: [finding('PASV_PORT_OUT_OF_RANGE'), ...(connected ? [] : [finding(outcome === 'refused' ? 'DATA_CHANNEL_REFUSED' : 'DATA_CHANNEL_BLOCKED')])],
    transcript: [],
    connections: [
      { t: 0, durationMs: 900, session: 'main', purpose: 'control', from: '198.51.100.10:40000', to: '10.0.0.5:21', outcome: 'connected' },
      { t: 60, durationMs: 300, session: 'pasv', purpose: 'data', from: '198.51.100.10:40002', to: `10.0.0.5:${port}`, outcome },
    ],
    passivePorts: [...(options.samples ?? SAMPLES), port],
  };
  return {
    id: 'pasv-partial-overlap',
    title: 'partial overlap',
    description: '',
    source: '',
    expectationMet: true,
    mismatches: [],
    expected: { verdict: 'fail', findings: ['PASV_PORT_OUT_OF_RANGE'], ...(options.range === false ? {} : { expectRange: RANGE }) },
    backend,
    probe,
    ...(connected ? {} : { failure: { step: 'data:pasv', hop: 'edge firewall', rule: 'policy drop' } }),
    trace: [],
    durationMs: 900,
  };
}

describe('agreementOf on a partly shared passive range', () => {
  it('a listing that drew an allowed port on one backend and a blocked port on the other agrees', () => {
    expect(agreementOf([run('sim', 5519, 'connected'), run('netns', 5529, 'timeout')])).toBe('agree');
    expect(agreementOf([run('sim', 5538, 'timeout'), run('netns', 5504, 'connected')])).toBe('agree');
  });

  it('ports on the same side of the range that ended differently disagree', () => {
    // Both drew an allowed port, and the kernel dropped it: that is a real difference.
    expect(agreementOf([run('sim', 5519, 'connected'), run('netns', 5508, 'timeout')])).toBe('disagree');
    // Both drew a blocked port, one dropped and one refused: the firewalls behave differently.
    expect(agreementOf([run('sim', 5538, 'timeout'), run('netns', 5540, 'refused')])).toBe('disagree');
  });

  it('the findings the scenario names still have to agree', () => {
    const sim = run('sim', 5519, 'connected');
    const netns = run('netns', 5529, 'timeout');
    const withoutCause = { ...netns, probe: { ...netns.probe, findings: netns.probe.findings.filter((item) => item.code !== 'PASV_PORT_OUT_OF_RANGE') } };
    expect(agreementOf([sim, withoutCause])).toBe('disagree');
    expect(agreementOf([sim, { ...netns, probe: { ...netns.probe, verdict: 'pass' } }])).toBe('disagree');
    expect(agreementOf([sim, { ...netns, expectationMet: false }])).toBe('disagree');
    // Another error the draw does not explain (a control-channel problem) is a disagreement.
    expect(agreementOf([sim, { ...netns, probe: { ...netns.probe, findings: [...netns.probe.findings, finding('LOGIN_FAILED')] } }])).toBe('disagree');
  });

  it('without a declared range, or when one backend saw ports on one side only, runs are compared one to one', () => {
    expect(agreementOf([run('sim', 5519, 'connected', { range: false }), run('netns', 5529, 'timeout', { range: false })])).toBe('disagree');
    const inside = SAMPLES.filter((port) => port <= RANGE.to);
    expect(agreementOf([run('sim', 5519, 'connected', { samples: inside }), run('netns', 5529, 'timeout')])).toBe('disagree');
  });

  it('the same draw outcome on both sides agrees, with or without a range', () => {
    expect(agreementOf([run('sim', 5519, 'connected'), run('netns', 5504, 'connected')])).toBe('agree');
    expect(agreementOf([run('sim', 5538, 'timeout', { range: false }), run('netns', 5529, 'timeout', { range: false })])).toBe('agree');
  });
});
