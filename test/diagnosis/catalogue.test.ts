import { describe, expect, it } from 'vitest';
import { diagnose } from '../../src/diagnosis/index.js';
import { ALL, HEALTHY } from './catalogue.js';
import { codes } from './fixtures.js';

describe('the fixture catalogue', () => {
  for (const entry of ALL) {
    describe(entry.name, () => {
      const result = diagnose(entry.evidence);
      it(`verdict is ${entry.verdict}`, () => expect(result.verdict, codes(result.findings).join(', ')).toBe(entry.verdict));
      for (const [code, severity] of Object.entries(entry.findings)) {
        it(`reports ${code} as ${severity}`, () => {
          expect(codes(result.findings)).toContain(code);
          expect(result.findings.find((finding) => finding.code === code)?.severity).toBe(severity);
        });
      }
      for (const code of entry.absent ?? []) it(`does not report ${code}`, () => expect(codes(result.findings)).not.toContain(code));
      // Independent of how runRules computes the verdict: the entry's own declarations must agree
      // with each other, and the result must hold an error exactly where the entry declares one.
      it(`the entry declares an error finding exactly when it declares a fail`, () => {
        expect(Object.values(entry.findings).includes('error')).toBe(entry.verdict === 'fail');
      });
      it(entry.verdict === 'fail' ? 'an error finding the entry declares is present' : 'no error finding at all', () => {
        const errors = result.findings.filter((finding) => finding.severity === 'error').map((finding) => finding.code);
        const declared = Object.entries(entry.findings).filter(([, severity]) => severity === 'error').map(([code]) => code);
        if (entry.verdict === 'fail') expect(errors.filter((code) => declared.includes(code)).length, errors.join(', ')).toBeGreaterThan(0);
        else expect(errors).toEqual([]);
      });
      it('every error finding carries a remedy and an evidence line', () => {
        for (const finding of result.findings.filter((candidate) => candidate.severity === 'error')) {
          expect(finding.remedies.length, finding.code).toBeGreaterThan(0);
          expect(finding.evidence.length, finding.code).toBeGreaterThan(0);
        }
      });
      it('every finding has a title and an explanation, and no code repeats', () => {
        for (const finding of result.findings) {
          expect(finding.title.length).toBeGreaterThan(10);
          expect(finding.explanation.length).toBeGreaterThan(20);
        }
        expect(new Set(codes(result.findings)).size).toBe(result.findings.length);
      });
    });
  }
});

describe('no false alarms', () => {
  for (const entry of HEALTHY) {
    it(`${entry.name}: pass, no errors or warnings`, () => {
      const result = diagnose(entry.evidence);
      expect(result.verdict).toBe('pass');
      expect(result.findings.filter((finding) => finding.severity !== 'info')).toEqual([]);
    });
  }
});
