import { describe, it, expect } from 'vitest';
import { redactPassword, redactPasswordsInText, sanitizeReport, sanitizeText, stripAnsi } from '../../src/report/sanitize.js';
import { HOSTILE, hostileProbe } from './fixtures.js';

describe('stripAnsi', () => {
  it.each([
    ['\u001b[31mred\u001b[0m', 'red'],
    ['a\u001b[2Jb', 'ab'],
    ['\u001b]0;window title\u0007text', 'text'],
    ['\u001b]8;;http://x\u001b\\link\u001b]8;;\u001b\\', 'link'],
    ['\u009b31mc1', 'c1'],
    ['\u001bcreset', 'reset'],
  ])('%j → %j', (input, output) => {
    expect(stripAnsi(input)).toBe(output);
  });
});

describe('sanitizeText', () => {
  it('shows control characters as visible escapes instead of passing them through', () => {
    expect(sanitizeText('a\u0000b\u0007c\u007fd\u0085e')).toBe('a\\x00b\\x07c\\x7fd\\x85e');
  });
  it('neutralises bidi overrides and lone surrogates', () => {
    expect(sanitizeText('x\u202ey\ud800z')).toBe('x\\u202ey\\ud800z');
    expect(sanitizeText('emoji 😀 stays')).toBe('emoji 😀 stays');
  });
  it('keeps newlines only for multi-line fields', () => {
    expect(sanitizeText('a\r\nb')).toBe('a\\nb');
    expect(sanitizeText('a\r\nb', { multiline: true })).toBe('a\nb');
    expect(sanitizeText('lone\rCR', { multiline: true })).toBe('lone\\x0dCR');
  });
  it('is idempotent', () => {
    const once = sanitizeText(HOSTILE);
    expect(sanitizeText(once)).toBe(once);
  });
});

describe('password redaction', () => {
  it.each([
    ['ftp://alice:secret@host/', 'ftp://alice:***@host/'],
    ['ftpes://alice:p%40ss:w@host:21/dir', 'ftpes://alice:***@host:21/dir'],
    ['ftp://alice@host/', 'ftp://alice@host/'],
    ['ftp://host/', 'ftp://host/'],
    ['not a url', 'not a url'],
  ])('%s → %s', (input, output) => {
    expect(redactPassword(input)).toBe(output);
  });
  it('redacts URLs inside free text', () => {
    expect(redactPasswordsInText('failed: ftp://bob:pw1@a/ and ftps://c:pw2@b/')).toBe('failed: ftp://bob:***@a/ and ftps://c:***@b/');
  });
  it('removes passwords from the target and the PASS line of a report', () => {
    const clean = JSON.stringify(sanitizeReport(hostileProbe()));
    expect(clean).not.toContain('s3cr3t-pw');
    expect(clean).not.toContain('correct-horse');
    expect(clean).toContain('PASS ***');
  });
});

describe('sanitizeReport', () => {
  it('leaves no escape or NUL anywhere and does not mutate its input', () => {
    const input = hostileProbe();
    const before = JSON.stringify(input);
    const clean = sanitizeReport(input);
    expect(JSON.stringify(input)).toBe(before);
    const strings: string[] = [];
    JSON.stringify(clean, (_key, value: unknown) => (typeof value === 'string' ? (strings.push(value), value) : value));
    expect(strings.length).toBeGreaterThan(20);
    expect(strings.join('')).not.toMatch(/[\u0000\u001b\u202e\r]/);
    expect(sanitizeReport(clean)).toEqual(clean);
  });
});
