import { describe, expect, it } from 'vitest';
import { diagnose } from '../../src/probe/diagnosis/index.js';
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
      it('verdict is fail exactly when a finding is an error', () => {
        expect(result.verdict === 'fail').toBe(result.findings.some((finding) => finding.severity === 'error'));
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
