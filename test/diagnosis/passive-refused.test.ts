/**
 * PASSIVE_MODE_REFUSED takes its remedies from the remedy tables, and they fit what was refused:
 * PASV refused → switch passive mode on (vsftpd pasv_enable=YES); EPSV refused (502) → no vsftpd
 * switch fixes that, use PASV / fix the filter.
 */
import { describe, expect, it } from 'vitest';
import { diagnose, remediesFor, remedyContext } from '../../src/diagnosis/index.js';
import { find, passive, probe, reply } from './fixtures.js';

const refused = (mode: 'pasv' | 'epsv', code: number, message: string) =>
  passive(mode, {
    patch: { modeReply: reply(code, message), advertised: undefined, dialed: undefined, connect: undefined, transferCommand: undefined, preliminaryReply: undefined, finalReply: undefined },
    outcome: 'not-started',
  });

describe('PASSIVE_MODE_REFUSED remedies', () => {
  it('PASV refused: the passive-enable remedies from the tables, vsftpd pasv_enable=YES among them', () => {
    const evidence = probe({ options: { modes: ['pasv'] }, attempts: [refused('pasv', 550, 'Permission denied.')] });
    const finding = find(diagnose(evidence).findings, 'PASSIVE_MODE_REFUSED');
    expect(finding.remedies).toEqual(remediesFor(['passive-enable', 'passive-range'], remedyContext(evidence)));
    expect(finding.remedies.find((remedy) => remedy.product === 'vsftpd')?.commands).toContain('pasv_enable=YES');
  });

  it('EPSV refused with 502: no pasv_enable, and the client is told to use PASV', () => {
    const evidence = probe({ options: { modes: ['epsv'] }, attempts: [refused('epsv', 502, 'Command not implemented.')] });
    const finding = find(diagnose(evidence).findings, 'PASSIVE_MODE_REFUSED');
    const commands = finding.remedies.flatMap((remedy) => remedy.commands ?? []);
    expect(commands).not.toContain('pasv_enable=YES');
    expect(finding.remedies.find((remedy) => remedy.product === 'Client')?.text).toMatch(/PASV/);
    expect(finding.remedies).toEqual(remediesFor(['epsv-refused', 'epsv-inspection'], remedyContext(evidence)));
  });
});
