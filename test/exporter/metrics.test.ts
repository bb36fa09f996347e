/**
 * The report → samples mapping, table by table, and its exposition through prom-client. Label
 * values stay within fixed sets whatever the server or the target URL says.
 */
import { describe, expect, it } from 'vitest';
import { probeSamples, unfinishedSamples, PROBE_METRICS, type Sample } from '../../src/exporter/metrics.js';
import { exposeSamples } from '../../src/exporter/exposition.js';
import { probeBudget, scrapeTimeoutMs, SCRAPE_MARGIN_MS } from '../../src/exporter/deadline.js';
import type { Finding, FindingCode, ProbeReport, Step } from '../../src/report/model.js';
import type { ProbeEvidence, DataAttempt } from '../../src/evidence/model.js';
import { LIVE_PROBE } from '../../src/evidence/source.js';

const step = (id: string, result: Step['result'], durationMs: number, extra: Partial<Step> = {}): Step => ({ id, name: id, result, startedAt: 0, durationMs, detail: 'server said: \u001b[31m"} evil="1', ...extra });
// A code from elsewhere (a newer version's report, hostile input) is possible at run time: cast, on purpose.
const finding = (code: string, severity: Finding['severity']): Finding => ({ code: code as FindingCode, severity, title: 't', explanation: '', evidence: [], remedies: [] });

function report(overrides: Partial<ProbeReport> = {}): ProbeReport {
  return {
    tool: 'ftp-doctor', version: '0', schemaVersion: 1, kind: 'probe', target: 'ftp://bob@203.0.113.7/secret-path/', verdict: 'pass', startedAt: '', durationMs: 1500, addressPolicy: 'control-peer',
    steps: [step('resolve', 'ok', 1), step('connect', 'ok', 20), step('greeting', 'ok', 5), step('auth-tls', 'ok', 40), step('login', 'ok', 30), step('features', 'ok', 3), step('data:epsv:tls', 'ok', 300, { mode: 'epsv', tls: true }), step('data:pasv:tls', 'fail', 5000, { mode: 'pasv', tls: true }), step('data:pasv', 'skip', 0, { mode: 'pasv', tls: false })],
    findings: [], transcript: [], connections: [], passivePorts: [],
    ...overrides,
  };
}

function attempt(host: string): DataAttempt {
  return { mode: 'pasv', tls: false, session: 'pasv', command: 'PASV', advertised: { host, port: 50001 }, transfer: { outcome: 'complete', bytes: 1, durationMs: 1 } };
}

function evidence(overrides: Partial<ProbeEvidence> = {}, options: Partial<ProbeEvidence['options']> = {}): ProbeEvidence {
  return { source: LIVE_PROBE, target: '', host: '203.0.113.7', port: 21, tlsMode: 'explicit', options: { modes: ['epsv', 'pasv'], addressPolicy: 'control-peer', connectTimeoutMs: 1, dataTimeoutMs: 1, ...options }, control: { outcome: 'connected', durationMs: 1 }, referenceServer: false, attempts: [], passivePorts: [], controlPeer: '203.0.113.7', ...overrides };
}

const pick = (samples: Sample[], name: string): Array<[Record<string, string>, number]> => samples.filter((sample) => sample.name === name).map((sample) => [sample.labels, sample.value]);

describe('probe → samples', () => {
  it('verdict, duration and phases from a fixed set (auth-tls is "tls"; data is the longest data session)', () => {
    const samples = probeSamples({ report: report() });
    expect(pick(samples, 'ftp_probe_success')).toEqual([[{}, 1]]);
    expect(pick(samples, 'ftp_probe_duration_seconds')).toEqual([[{}, 1.5]]);
    // No binary noise from clock arithmetic: 66.70000000000002 ms is written 0.0667.
    expect(pick(probeSamples({ report: report({ durationMs: 66.70000000000002 }) }), 'ftp_probe_duration_seconds')).toEqual([[{}, 0.0667]]);
    expect(pick(samples, 'ftp_probe_deadline_exceeded')).toEqual([[{}, 0]]);
    expect(pick(samples, 'ftp_probe_phase_duration_seconds')).toEqual([
      [{ phase: 'resolve' }, 0.001], [{ phase: 'connect' }, 0.02], [{ phase: 'greeting' }, 0.005], [{ phase: 'tls' }, 0.04], [{ phase: 'login' }, 0.03], [{ phase: 'features' }, 0.003], [{ phase: 'data' }, 5],
    ]);
  });

  it('a data channel per mode and tls yes/no; skipped modes are absent', () => {
    expect(pick(probeSamples({ report: report() }), 'ftp_data_channel_success')).toEqual([[{ mode: 'epsv', tls: 'yes' }, 1], [{ mode: 'pasv', tls: 'yes' }, 0]]);
  });

  it.each([
    ['one per finding', [finding('DATA_CHANNEL_BLOCKED', 'error'), finding('TLS_CERTIFICATE_SELF_SIGNED', 'warning')], [[{ code: 'DATA_CHANNEL_BLOCKED', severity: 'error' }, 1], [{ code: 'TLS_CERTIFICATE_SELF_SIGNED', severity: 'warning' }, 1]]],
    ['a code that is not ours is OTHER', [finding('evil"} code', 'error')], [[{ code: 'OTHER', severity: 'error' }, 1]]],
    ['a repeated finding is one series', [finding('EPSV_BLOCKED', 'error'), finding('EPSV_BLOCKED', 'error')], [[{ code: 'EPSV_BLOCKED', severity: 'error' }, 1]]],
    ['none', [], []],
  ])('findings: %s', (_name, findings, expected) => {
    expect(pick(probeSamples({ report: report({ findings }) }), 'ftp_finding')).toEqual(expected);
  });

  it.each([
    ['all ports in range', [50000, 50100], { from: 50000, to: 50100 }, [[{}, 1]]],
    ['one port outside', [50000, 40000], { from: 50000, to: 50100 }, [[{}, 0]]],
    ['no expectRange: absent', [40000], undefined, []],
    ['no ports seen: absent', [], { from: 1, to: 2 }, []],
  ])('passive port in range: %s', (_name, passivePorts, expectRange, expected) => {
    const samples = probeSamples({ report: report({ passivePorts }), evidence: evidence({}, expectRange ? { expectRange } : {}) });
    expect(pick(samples, 'ftp_passive_port_in_range')).toEqual(expected);
  });

  it.each([
    ['matches the control peer', [attempt('203.0.113.7')], undefined, [[{}, 1]]],
    ['a private address in the 227', [attempt('10.0.0.5')], undefined, [[{}, 0]]],
    ['matches expectAddress', [attempt('198.51.100.1')], '198.51.100.1', [[{}, 1]]],
    ['no 227 replies: absent', [], undefined, []],
  ])('passive address: %s', (_name, attempts, expectAddress, expected) => {
    const samples = probeSamples({ report: report(), evidence: evidence({ attempts }, expectAddress ? { expectAddress } : {}) });
    expect(pick(samples, 'ftp_passive_address_matches')).toEqual(expected);
  });

  it.each([
    ['a certificate', 'Jan  1 00:00:00 2030 GMT', [[{}, 1893456000]]],
    ['no TLS', undefined, []],
    ['an unreadable date', 'whenever', []],
  ])('certificate expiry: %s', (_name, validTo, expected) => {
    const authTls = validTo === undefined ? undefined : { handshake: 'ok' as const, certificate: { selfSigned: true, validTo } };
    expect(pick(probeSamples({ report: report(), evidence: evidence(authTls ? { authTls } : {}) }), 'ftp_tls_certificate_expiry_timestamp_seconds')).toEqual(expected);
  });

  it('no label carries the target, the user, the path or step details', () => {
    const values = probeSamples({ report: report({ findings: [finding('LOGIN_FAILED', 'error')] }) }).flatMap((sample) => Object.values(sample.labels));
    for (const value of values) expect(value).toMatch(/^(resolve|connect|greeting|tls|login|features|data|epsv|pasv|port|eprt|yes|no|error|warning|info|[A-Z][A-Z0-9_]*)$/);
  });

  it('an unfinished probe is a failure, with deadline_exceeded saying why', () => {
    expect(pick(unfinishedSamples(4500, true), 'ftp_probe_deadline_exceeded')).toEqual([[{}, 1]]);
    expect(pick(unfinishedSamples(4500, false), 'ftp_probe_success')).toEqual([[{}, 0]]);
  });
});

describe('exposition', () => {
  it('writes the samples in the text format with HELP and TYPE for each metric', async () => {
    const { text, contentType } = await exposeSamples(probeSamples({ report: report({ findings: [finding('EPSV_BLOCKED', 'error')] }) }));
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(text).toContain('# TYPE ftp_probe_success gauge\nftp_probe_success 1');
    expect(text).toContain('ftp_data_channel_success{mode="epsv",tls="yes"} 1');
    expect(text).toContain('ftp_finding{code="EPSV_BLOCKED",severity="error"} 1');
    expect(text).not.toContain('ftp_passive_port_in_range');
  });

  it('every metric definition has help and a ftp_ name', () => {
    for (const definition of Object.values(PROBE_METRICS)) {
      expect(definition.name).toMatch(/^ftp_[a-z_]+$/);
      expect(definition.help.length).toBeGreaterThan(10);
    }
  });

  it('two answers share nothing (a fresh registry each)', async () => {
    await exposeSamples(probeSamples({ report: report({ findings: [finding('EPSV_BLOCKED', 'error')] }) }));
    const second = await exposeSamples(probeSamples({ report: report() }));
    expect(second.text).not.toContain('EPSV_BLOCKED');
  });
});

describe('deadline', () => {
  const timeouts = { connectMs: 10_000, dataMs: 5_000, totalMs: 30_000 };
  it.each([
    ['10', 10_000],
    [' 4.5 ', 4_500],
    [undefined, undefined],
    ['-1', undefined],
    ['abc', undefined],
    ['0', undefined],
  ])('header %j → %s ms', (header, ms) => expect(scrapeTimeoutMs(header)).toBe(ms));

  it.each([
    ['no header: the module total', undefined, { deadlineMs: 30_000, connectTimeoutMs: 10_000, dataTimeoutMs: 5_000, transferTimeoutMs: 10_000 }],
    ['a 10 s scrape: less the margin, each timeout a third', 10_000, { deadlineMs: 10_000 - SCRAPE_MARGIN_MS, connectTimeoutMs: 3_166, dataTimeoutMs: 3_166, transferTimeoutMs: 3_166 }],
    ['a 60 s scrape is capped by the module', 60_000, { deadlineMs: 30_000, connectTimeoutMs: 10_000, dataTimeoutMs: 5_000, transferTimeoutMs: 10_000 }],
    ['a tiny scrape gets the minimum', 100, { deadlineMs: 1_000, connectTimeoutMs: 333, dataTimeoutMs: 333, transferTimeoutMs: 333 }],
  ])('%s', (_name, header, budget) => expect(probeBudget(timeouts, header)).toEqual(budget));
});
