/**
 * Known passwords removed from text in every encoding a server or a log could give them, without
 * breaking the report contract: enums, ids and numbers stay what they are.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { forgetSecrets, redactSecrets, rememberSecret } from '../../src/report/secrets.js';
import { sanitizeReport } from '../../src/report/sanitize.js';
import { renderJson } from '../../src/report/json.js';
import { blockedProbe } from './fixtures.js';

afterEach(() => forgetSecrets());

describe('redactSecrets', () => {
  it('plain, percent-encoded (any case, once or twice), form-encoded and JSON-escaped forms', () => {
    rememberSecret('p@ss word"1');
    const forms = ['p@ss word"1', 'p%40ss%20word%221', 'p%40ss+word%221', '%70%40%73%73%20%77%6f%72%64%22%31', '%70%40%73%73%20%77%6F%72%64%22%31', 'p%2540ss%2520word%2522%31', 'p@ss word\\"1'];
    for (const form of forms) expect(redactSecrets(`530 bad: ${form}.`)).toBe('530 bad: ***.');
  });

  it('non-ASCII passwords in UTF-8 percent-encoding', () => {
    rememberSecret('pässwört');
    expect(redactSecrets(`x ${encodeURIComponent('pässwört')} y pässwört`)).toBe('x *** y ***');
  });

  it('nothing is redacted before a password is known, and too-short ones are not searched for', () => {
    expect(redactSecrets('secret123')).toBe('secret123');
    rememberSecret('ab');
    expect(redactSecrets('table')).toBe('table');
  });
});

describe('sanitizeReport with a known password', () => {
  it('removes it from server text, even when an escape sequence splits it', () => {
    rememberSecret('secret123');
    const probe = blockedProbe();
    probe.steps[0]!.detail = '530 password secr\u001b[0met123';
    probe.findings[0]!.explanation = 'The server said: secret%31%32%33';
    const clean = sanitizeReport(probe);
    expect(clean.steps[0]!.detail).toBe('530 password ***');
    expect(clean.findings[0]!.explanation).toBe('The server said: ***');
  });

  it('a password equal to an enum or a port leaves the JSON contract intact', () => {
    rememberSecret('fail');
    rememberSecret('2121');
    rememberSecret('pasv');
    const probe = blockedProbe();
    const parsed = JSON.parse(renderJson(probe)) as typeof probe;
    expect(parsed.verdict).toBe(probe.verdict);
    expect(parsed.steps.map((step) => [step.result, step.mode])).toEqual(probe.steps.map((step) => [step.result, step.mode]));
    expect(parsed.findings.map((finding) => finding.code)).toEqual(probe.findings.map((finding) => finding.code));
  });
});

describe('case', () => {
  it('an upper-cased echo is redacted too', () => {
    rememberSecret('secret123');
    expect(redactSecrets('530 SECRET123 Secret%31%32%33')).toBe('530 *** ***');
  });
});
