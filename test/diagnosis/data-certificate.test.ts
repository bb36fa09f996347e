import { describe, expect, it } from 'vitest';
import { diagnose } from '../../src/diagnosis/index.js';
import { codes, find, passive, probe } from './fixtures.js';

describe('TLS_DATA_CERTIFICATE_MISMATCH', () => {
  const tlsPasv = (matches: boolean | undefined) => {
    const attempt = passive('pasv');
    attempt.tls = true;
    attempt.dataTls = { handshake: 'ok', resumed: false, ...(matches === undefined ? {} : { certificateMatchesControl: matches }) };
    return attempt;
  };

  it('warns when the data connection shows another certificate, without failing a working transfer', () => {
    const result = diagnose(probe({ tlsMode: 'explicit', attempts: [tlsPasv(false)] }));
    expect(codes(result.findings)).toEqual(['TLS_DATA_CERTIFICATE_MISMATCH']);
    expect(find(result.findings, 'TLS_DATA_CERTIFICATE_MISMATCH').severity).toBe('warning');
    expect(result.verdict).toBe('pass');
  });

  it('says nothing when the certificates match or were not compared (resumed sessions send none)', () => {
    expect(diagnose(probe({ tlsMode: 'explicit', attempts: [tlsPasv(true)] })).findings).toEqual([]);
    expect(diagnose(probe({ tlsMode: 'explicit', attempts: [tlsPasv(undefined)] })).findings).toEqual([]);
  });
});
