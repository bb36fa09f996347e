/**
 * `ftp-doctor findings CODE` lists a code's remedies without a run (src/diagnosis/remedies/by-code.ts).
 * That table must not drift from what the rules give: every remedy a finding carries in the
 * scenario catalogue's sample report comes from a product the code's table also lists (remedies a
 * rule builds from the run itself, the URL scheme to use, are the client's own and exempt).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROBLEMS_BY_CODE, remediesForCode } from '../../src/diagnosis/remedies/by-code.js';
import { FINDING_CODES, isFindingCode } from '../../src/findings/registry.js';
import type { ScenarioRunReport } from '../../src/report/model.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const samples = JSON.parse(readFileSync(path.join(ROOT, 'reports/samples/report.json'), 'utf8')) as ScenarioRunReport;

describe('remedies by code', () => {
  const findings = samples.results.flatMap((result) => result.probe?.findings ?? []);

  it('the sample report has findings with remedies to compare', () => {
    expect(findings.filter((finding) => finding.remedies.length > 0).length).toBeGreaterThan(10);
  });

  it("every product a run's finding names a remedy for is among the code's remedies", () => {
    const missing: string[] = [];
    for (const finding of findings) {
      expect(isFindingCode(finding.code), finding.code).toBe(true);
      const products = new Set(remediesForCode(finding.code).flatMap((group) => group.remedies.map((remedy) => remedy.product)));
      for (const remedy of finding.remedies) {
        if (!products.has(remedy.product) && remedy.product !== 'Client') missing.push(`${finding.code}: ${remedy.product}`);
      }
    }
    expect([...new Set(missing)]).toEqual([]);
  });

  it('every code with product remedies has at least one remedy per listed problem', () => {
    for (const code of FINDING_CODES) {
      for (const group of remediesForCode(code)) expect(group.remedies.length, `${code}: ${group.problem}`).toBeGreaterThan(0);
    }
  });

  it('lists only registry codes', () => {
    expect(Object.keys(PROBLEMS_BY_CODE).filter((code) => !isFindingCode(code))).toEqual([]);
  });
});
