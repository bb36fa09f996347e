import { describe, it, expect } from 'vitest';
import { normalizeForSample, SAMPLE_DATE, SAMPLE_PORT_BASE, SAMPLE_VERSION } from '../../src/report/normalize.js';
import type { ProbeReport } from '../../src/report/model.js';
import { blockedProbe, scenarioRun } from './fixtures.js';

/** The same run again: other time, other speed, other client ports, a newer tool. */
function rerun(report: ProbeReport): ProbeReport {
  const text = JSON.stringify(report)
    .replace(/40000/g, '51234')
    .replace(/40002/g, '51240')
    .replace(/0\.1\.0/g, '0.2.0')
    .replace('2024-05-06T07:08:09.123Z', '2025-01-02T03:04:05.000Z');
  const again = JSON.parse(text) as ProbeReport;
  again.durationMs += 17;
  again.steps.forEach((step) => {
    step.durationMs *= 2;
    step.startedAt += 3;
  });
  again.transcript.forEach((line) => (line.t += 3));
  again.connections.forEach((event) => (event.t += 3));
  again.steps[2]!.detail = again.steps[2]!.detail.replace('5000 ms', '5001 ms');
  return again;
}

describe('normalizeForSample', () => {
  it('makes a rerun with other timings, dates, client ports and version identical', () => {
    const first = blockedProbe();
    expect(JSON.stringify(rerun(first))).not.toBe(JSON.stringify(first));
    expect(normalizeForSample(rerun(first))).toEqual(normalizeForSample(first));
  });

  it('replaces them with the fixed values and keeps the order of events', () => {
    const sample = normalizeForSample(blockedProbe());
    expect(sample.startedAt).toBe(SAMPLE_DATE);
    expect(sample.version).toBe(SAMPLE_VERSION);
    expect(sample.durationMs).toBe(0);
    expect(sample.connections.map((event) => event.from)).toEqual([`198.51.100.10:${SAMPLE_PORT_BASE}`, `198.51.100.10:${SAMPLE_PORT_BASE + 1}`]);
    const times = sample.transcript.map((line) => line.t);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(new Set(times).size).toBe(times.length);
  });

  it('keeps what the scenario is about: passive ports, verdicts, server ports', () => {
    const sample = normalizeForSample(blockedProbe());
    expect(sample.passivePorts).toEqual([50123]);
    expect(sample.connections[1]!.to).toBe('203.0.113.5:50123');
    expect(sample.connections[0]!.to).toBe('203.0.113.5:21');
    const other = blockedProbe();
    other.connections[1]!.to = '203.0.113.5:50124';
    expect(normalizeForSample(other)).not.toEqual(sample);
  });

  it('renumbers client ports inside PORT and EPRT commands and trace lines', () => {
    const probe = blockedProbe();
    probe.connections.push({ t: 30, durationMs: 1, session: 'port', purpose: 'data', from: '203.0.113.5:20', to: '198.51.100.10:45000', outcome: 'connected' });
    probe.transcript.push({ t: 29, session: 'port', channel: 'control', direction: '>', text: 'PORT 198,51,100,10,175,200' });
    probe.transcript.push({ t: 31, session: 'port', channel: 'control', direction: '>', text: 'EPRT |1|198.51.100.10|45000|' });
    const sample = normalizeForSample(probe);
    const mapped = SAMPLE_PORT_BASE + 2;
    expect(sample.connections[2]!.to).toBe(`198.51.100.10:${mapped}`);
    expect(sample.transcript.at(-2)!.text).toBe(`PORT 198,51,100,10,${Math.floor(mapped / 256)},${mapped % 256}`);
    expect(sample.transcript.at(-1)!.text).toBe(`EPRT |1|198.51.100.10|${mapped}|`);
  });

  it('works through scenario runs (nested probes and traces) without touching IP-like versions', () => {
    const sample = normalizeForSample(scenarioRun());
    expect(sample.results[0]!.probe.version).toBe(SAMPLE_VERSION);
    expect(sample.results[0]!.trace[2]!.connection).toBe(`198.51.100.10:${SAMPLE_PORT_BASE + 1} -> 203.0.113.5:50123`);
    expect(JSON.stringify(sample)).toContain('10.0.0.5');
    expect(JSON.stringify(sample)).not.toContain('2024-05-06');
  });
});

describe('normalizeForSample: noise from real runs', () => {
  it('renumbers session tokens, certificate fingerprints and dates, and listing dates', () => {
    const probe = blockedProbe();
    const print = Array.from({ length: 32 }, (_, index) => (index * 7 + 16).toString(16).toUpperCase().padStart(2, '0')).join(':');
    probe.transcript.push({ t: 50, session: 'pasv', channel: 'data', direction: '<', text: 'FTP-DOCTOR-TOKEN ab-Cd_9- 50123' });
    probe.transcript.push({ t: 51, session: 'pasv', channel: 'data', direction: '<', text: '-rw-r--r-- 1 ftp ftp 1048576 Nov  5 10:33 1MiB.bin' });
    probe.findings[0]!.evidence.push(`* valid until: Nov 21 10:31:02 2027 GMT`, `* SHA-256 fingerprint: ${print}`);
    const sample = JSON.stringify(normalizeForSample(probe));
    expect(sample).toContain('FTP-DOCTOR-TOKEN session1 50123');
    expect(sample).toContain('Jan  1 00:00 1MiB.bin');
    expect(sample).toContain('valid until: Jan  1 00:00:00 2000 GMT');
    expect(sample).toContain(`fingerprint: ${'00:'.repeat(31)}01`);
    expect(sample).not.toContain(print);
  });

  it('two events sharing a millisecond in one run and not in the next get the same positions', () => {
    const tied = blockedProbe();
    const apart = blockedProbe();
    tied.transcript[4]!.t = tied.transcript[3]!.t;
    apart.transcript[4]!.t = apart.transcript[3]!.t + 0.4;
    const times = (probe: ProbeReport): number[] => normalizeForSample(probe).transcript.map((line) => line.t);
    expect(times(tied)).toEqual(times(apart));
    expect(new Set(times(tied)).size).toBe(tied.transcript.length);
  });
});
