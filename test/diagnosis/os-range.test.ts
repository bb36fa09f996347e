/**
 * Which OS's ephemeral range out-of-range passive ports came from. 49152-60999 lies in both the
 * Windows dynamic range (49152-65535) and Linux's ephemeral range (32768-60999), so the port alone
 * cannot blame IIS: the server's own words (SYST, greeting) decide, or both are named.
 */
import { describe, expect, it } from 'vitest';
import { diagnose } from '../../src/diagnosis/index.js';
import type { ProbeEvidence, RecordedReply } from '../../src/evidence/model.js';
import { find, passive, probe, reply } from './fixtures.js';

const range = { from: 5500, to: 5525 };

function explain(ports: [number, number], who: { system?: string; greeting?: RecordedReply } = {}): string {
  const patch: Partial<ProbeEvidence> = { ...(who.system ? { system: who.system } : {}), ...(who.greeting ? { greeting: who.greeting } : {}) };
  const evidence = probe({
    options: { expectRange: range },
    // Generic login words: the fixture's default ones are vsftpd's, which would name the server.
    login: { userReply: reply(331, 'Password required'), passReply: reply(230, 'Logged in'), ok: true },
    attempts: [passive('pasv', { advertised: `203.0.113.10:${ports[0]}`, connect: 'timeout' }), passive('epsv', { advertised: `203.0.113.10:${ports[1]}`, connect: 'timeout' })],
    ...patch,
  });
  return find(diagnose(evidence).findings, 'PASV_PORT_OUT_OF_RANGE').explanation;
}

describe('the OS range behind out-of-range passive ports', () => {
  it('a vsftpd on Linux (SYST UNIX) in 49152-60999 is not blamed on IIS', () => {
    const text = explain([50123, 50124], { system: 'UNIX Type: L8', greeting: reply(220, '(vsFTPd 3.0.3)') });
    expect(text).not.toMatch(/IIS/);
    expect(text).toMatch(/Linux ephemeral port range \(32768-60999\)/);
  });

  it('a Windows server (SYST Windows_NT) in the same ports is IIS with 0-0', () => {
    const text = explain([50123, 50124], { system: 'Windows_NT', greeting: reply(220, 'Microsoft FTP Service') });
    expect(text).toMatch(/IIS/);
    expect(text).not.toMatch(/Linux/);
  });

  it('the greeting alone identifies IIS', () => {
    expect(explain([50123, 50124], { greeting: reply(220, 'Microsoft FTP Service') })).toMatch(/IIS/);
  });

  it('an unknown server in the overlap gets both ranges named', () => {
    const text = explain([50123, 50124]);
    expect(text).toMatch(/Windows dynamic port range/);
    expect(text).toMatch(/Linux ephemeral port range/);
  });

  it('ports above 60999 are only in the Windows range', () => {
    const text = explain([62001, 63002]);
    expect(text).toMatch(/IIS/);
    expect(text).not.toMatch(/Linux/);
  });

  it('a Linux server above 60999 is not called IIS either', () => {
    const text = explain([62001, 63002], { system: 'UNIX Type: L8' });
    expect(text).not.toMatch(/IIS/);
    expect(text).toMatch(/49152-65535/);
  });
});
