/** The renderers of `ftp-doctor findings` (pure). */
import { describe, expect, it } from 'vitest';
import { remediesForCode } from '../../src/diagnosis/remedies/by-code.js';
import { FINDING_CODES } from '../../src/findings/registry.js';
import { codeJson, codeListJson, renderCode, renderCodeList } from '../../src/report/finding-codes.js';
import { displayWidth } from '../../src/report/wrap.js';

describe('ftp-doctor findings renderers', () => {
  it('the list names every code once, with severity and stage, within the width', () => {
    const text = renderCodeList(100);
    for (const code of FINDING_CODES) expect(text.match(new RegExp(`│ ${code} +│`, 'g')), code).toHaveLength(1);
    expect(text.split('\n').every((line) => displayWidth(line) <= 100)).toBe(true);
    expect(text).toContain(`${FINDING_CODES.length} codes`);
  });

  it('the JSON list has code, severity, stage, modes and title for each', () => {
    const list = codeListJson() as { code: string; severity: string; stage: string; modes: unknown; title: string }[];
    expect(list.map((entry) => entry.code)).toEqual(FINDING_CODES);
    expect(list.find((entry) => entry.code === 'EPSV_BLOCKED')).toMatchObject({ severity: 'error', stage: 'data', modes: ['epsv'] });
  });

  it('one code: meaning, causes, references and remedies grouped by problem, with commands', () => {
    const text = renderCode('PASV_ADDRESS_PRIVATE', remediesForCode('PASV_ADDRESS_PRIVATE'), 80, 'Remedies:');
    expect(text).toMatch(/^PASV_ADDRESS_PRIVATE: /);
    expect(text).toContain('Severity: error (warning when');
    expect(text).toContain('Usual causes:');
    expect(text).toContain('RFC 959 §4.1.2');
    expect(text).toContain('When the 227 reply must carry the address clients reach:');
    expect(text).toContain('  - vsftpd: ');
    expect(text).toContain('$ pasv_address=203.0.113.10');
    expect(text.split('\n').every((line) => displayWidth(line) <= 80)).toBe(true);
  });

  it('a code whose remedy comes from the run says so instead of an empty list', () => {
    expect(renderCode('TLS_MODE_MISMATCH', remediesForCode('TLS_MODE_MISMATCH'), 80, 'Remedies:')).toContain('none from the product tables');
  });

  it('the JSON of one code carries the registry entry and the remedy groups', () => {
    expect(codeJson('DATA_MISROUTED', remediesForCode('DATA_MISROUTED'))).toMatchObject({ code: 'DATA_MISROUTED', stage: 'transit', remedies: [{ problem: 'misrouted' }, { problem: 'open-passive-range' }] });
  });
});
