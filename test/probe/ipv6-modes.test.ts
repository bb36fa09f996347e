/**
 * PASV and PORT over an IPv6 control connection: which modes a probe runs (planModes), which
 * refusals are RFC 2428 at work (refusedAsExpected), and the MODE_NOT_APPLICABLE rule, from fixtures.
 */
import { describe, expect, it } from 'vitest';
import { diagnose } from '../../src/diagnosis/index.js';
import type { DataAttempt, ProbeEvidence } from '../../src/evidence/model.js';
import { isIpv6Control, notApplicableReason, planModes, refusedAsExpected } from '../../src/probe/family.js';
import type { DataMode } from '../../src/report/model.js';
import { LIVE_PROBE } from '../../src/evidence/source.js';

describe('isIpv6Control', () => {
  it.each([
    ['::1', true],
    ['2001:db8::5', true],
    ['[2001:db8::5]', true],
    ['fe80::1%eth0', true],
    ['127.0.0.1', false],
    ['::ffff:127.0.0.1', false],
    ['::ffff:7f00:1', false],
    ['ftp.example.com', false],
  ])('%s → %s', (address, expected) => {
    expect(isIpv6Control(address)).toBe(expected);
  });
});

describe('planModes', () => {
  const table: [string, DataMode[], boolean, DataMode[], DataMode[]][] = [
    ['default on IPv4', ['epsv', 'pasv'], false, ['epsv', 'pasv'], []],
    ['all on IPv4', ['epsv', 'pasv', 'port', 'eprt'], false, ['epsv', 'pasv', 'port', 'eprt'], []],
    ['default on IPv6', ['epsv', 'pasv'], true, ['epsv'], ['pasv']],
    ['all on IPv6', ['epsv', 'pasv', 'port', 'eprt'], true, ['epsv', 'eprt'], ['pasv', 'port']],
    ['explicit pasv on IPv6', ['pasv'], true, ['pasv'], []],
    ['explicit port on IPv6', ['port'], true, ['port'], []],
    ['explicit pasv,port on IPv6', ['pasv', 'port'], true, ['pasv', 'port'], []],
    ['explicit epsv,pasv,port on IPv6', ['epsv', 'pasv', 'port'], true, ['epsv', 'pasv', 'port'], []],
    ['IPv6 modes only on IPv6', ['epsv', 'eprt'], true, ['epsv', 'eprt'], []],
  ];
  it.each(table)('%s', (_name, requested, ipv6, run, notApplicable) => {
    expect(planModes(requested, ipv6)).toEqual({ run, notApplicable });
  });
});

describe('notApplicableReason', () => {
  it('is one sentence naming the IPv6 form', () => {
    expect(notApplicableReason(['pasv'])).toMatch(/^PASV can only carry an IPv4 address .*EPSV is its IPv6 form\.$/);
    expect(notApplicableReason(['pasv', 'port'])).toMatch(/^PASV and PORT .* refuse them .*EPSV and EPRT are their IPv6 forms\.$/);
    expect(notApplicableReason(['pasv', 'port']).match(/\. /g)).toBeNull();
  });
});

const reply = (code: number, message: string) => ({ code, message, at: 5 });

function pasvRefused(code: number, message: string): DataAttempt {
  return { mode: 'pasv', tls: false, session: 'pasv', command: 'PASV', modeReply: reply(code, message), transfer: { outcome: 'not-started', bytes: 0, durationMs: 0 } };
}

function portNotSent(): DataAttempt {
  return { mode: 'port', tls: false, session: 'port', command: 'PORT', notSent: 'PORT cannot carry the IPv6 address ::1 (RFC 2428: use EPRT)', transfer: { outcome: 'not-started', bytes: 0, durationMs: 0 } };
}

function epsvOk(peer: string): DataAttempt {
  return {
    mode: 'epsv',
    tls: false,
    session: 'epsv',
    command: 'EPSV',
    modeReply: reply(229, 'Entering Extended Passive Mode (|||50000|)'),
    advertised: { host: peer, port: 50000 },
    dialed: { host: peer, port: 50000 },
    connect: { outcome: 'connected', durationMs: 1 },
    transferCommand: 'LIST',
    preliminaryReply: reply(150, 'Here comes the listing.'),
    finalReply: reply(226, 'Transfer complete.'),
    transfer: { outcome: 'complete', bytes: 100, durationMs: 2 },
  };
}

function evidenceFor(peer: string, modes: DataMode[], attempts: DataAttempt[], notApplicable?: DataMode[]): ProbeEvidence {
  return {
    source: LIVE_PROBE,
    target: `ftp://[${peer}]/`,
    host: peer,
    port: 21,
    tlsMode: 'none',
    options: { modes, addressPolicy: 'control-peer', connectTimeoutMs: 1000, dataTimeoutMs: 1000, ...(notApplicable ? { notApplicable } : {}) },
    controlPeer: peer,
    control: { outcome: 'connected', durationMs: 1 },
    greeting: reply(220, 'ready'),
    login: { ok: true, userReply: reply(331, 'password'), passReply: reply(230, 'ok') },
    referenceServer: false,
    attempts,
    passivePorts: [],
  };
}

describe('refusedAsExpected', () => {
  it.each([
    ['PASV 522 on IPv6', pasvRefused(522, 'Network protocol not supported'), '::1', true],
    ['PASV 500 on IPv6', pasvRefused(500, 'Illegal PASV command'), '2001:db8::5', true],
    ['PASV 425 on IPv6 (transient: not the family)', pasvRefused(425, 'Cannot open'), '::1', false],
    ['PASV 522 on IPv4', pasvRefused(522, 'Network protocol not supported'), '203.0.113.10', false],
    ['PASV 522 on IPv4-mapped', pasvRefused(522, 'Network protocol not supported'), '::ffff:203.0.113.10', false],
    ['PORT not sent on IPv6', portNotSent(), '::1', true],
    ['EPSV that worked', epsvOk('::1'), '::1', false],
  ])('%s → %s', (_name, attempt, control, expected) => {
    expect(refusedAsExpected(attempt, control)).toBe(expected);
  });
});

describe('MODE_NOT_APPLICABLE rule', () => {
  const table: { name: string; evidence: ProbeEvidence; verdict: 'pass' | 'fail'; codes: string[]; explanation?: RegExp }[] = [
    {
      name: 'default modes on IPv6: PASV left out, EPSV worked → pass with an info',
      evidence: evidenceFor('::1', ['epsv', 'pasv'], [epsvOk('::1')], ['pasv']),
      verdict: 'pass',
      codes: ['MODE_NOT_APPLICABLE'],
      explanation: /PASV was not tried; the data channel was tested with EPSV\./,
    },
    {
      name: 'explicit PASV on IPv6 answered 522 → pass, the 522 is correct behaviour',
      evidence: evidenceFor('::1', ['pasv'], [pasvRefused(522, 'Network protocol not supported')]),
      verdict: 'pass',
      codes: ['MODE_NOT_APPLICABLE'],
      explanation: /answered "522 Network protocol not supported": correct behaviour over IPv6/,
    },
    {
      name: 'explicit PORT on IPv6 could not be sent → pass',
      evidence: evidenceFor('::1', ['port'], [portNotSent()]),
      verdict: 'pass',
      codes: ['MODE_NOT_APPLICABLE'],
      explanation: /PORT was asked for but could not be sent/,
    },
    {
      name: 'PASV 522 on IPv4 is still a refusal → fail',
      evidence: evidenceFor('203.0.113.10', ['pasv'], [pasvRefused(522, 'Network protocol not supported')]),
      verdict: 'fail',
      codes: ['PASSIVE_MODE_REFUSED'],
    },
    {
      name: 'PASV 522 on IPv4-mapped IPv6 is IPv4 → fail',
      evidence: evidenceFor('::ffff:203.0.113.10', ['pasv'], [pasvRefused(522, 'Network protocol not supported')]),
      verdict: 'fail',
      codes: ['PASSIVE_MODE_REFUSED'],
    },
    {
      name: 'PASV 425 on IPv6 is not the address family → still an error',
      evidence: evidenceFor('::1', ['pasv'], [pasvRefused(425, 'Cannot open passive connection')]),
      verdict: 'fail',
      codes: ['PASSIVE_MODE_REFUSED'],
    },
    {
      name: 'IPv6 with every mode run and working → no finding',
      evidence: evidenceFor('::1', ['epsv'], [epsvOk('::1')]),
      verdict: 'pass',
      codes: [],
    },
  ];
  it.each(table)('$name', ({ evidence, verdict, codes, explanation }) => {
    const diagnosis = diagnose(evidence);
    expect(diagnosis.verdict).toBe(verdict);
    expect(diagnosis.findings.map((finding) => finding.code)).toEqual(codes);
    const finding = diagnosis.findings.find((candidate) => candidate.code === 'MODE_NOT_APPLICABLE');
    if (finding) expect(finding.severity).toBe('info');
    if (explanation) expect(finding?.explanation).toMatch(explanation);
  });
});
