/**
 * A login lost to a reset or a reply deadline is not a login refused: the credentials were never
 * judged, so the finding must not tell the user to check them.
 */
import { describe, expect, it } from 'vitest';
import { diagnose } from '../../src/diagnosis/index.js';
import { find, probe, reply } from './fixtures.js';

describe('LOGIN_FAILED for a login that got no answer', () => {
  it('names the reset and does not blame the credentials', () => {
    const result = diagnose(probe({ login: { userReply: reply(331, 'Please specify the password.'), ok: false, error: 'read ECONNRESET' }, attempts: [] }));
    expect(result.verdict).toBe('fail');
    const finding = find(result.findings, 'LOGIN_FAILED');
    expect(finding.title).toMatch(/lost/i);
    expect(finding.title).toContain('ECONNRESET');
    expect(finding.explanation).not.toMatch(/rejected the credentials/);
    expect(finding.evidence.join('\n')).toContain('ECONNRESET');
    expect(finding.remedies.some((remedy) => /check the user name and password/i.test(remedy.text))).toBe(false);
  });

  it('a refusal with a reply stays a refusal', () => {
    const finding = find(diagnose(probe({ login: { passReply: reply(530, 'Login incorrect.'), ok: false }, attempts: [] })).findings, 'LOGIN_FAILED');
    expect(finding.title).toMatch(/refused: 530/);
  });
});
