import { describe, it, expect } from 'vitest';
import { renderJUnit } from '../../src/report/junit.js';
import type { AnyReport } from '../../src/report/model.js';
import { findAll, parseXml, type XmlElement } from './xml.js';
import { blockedProbe, check, healthyProbe, hostileProbe, scenarioRun, sweep } from './fixtures.js';

function parsed(report: AnyReport): XmlElement {
  return parseXml(renderJUnit(report));
}

/** Counts from the children, to compare with the counts the renderer wrote in the attributes. */
function counted(root: XmlElement): { tests: number; failures: number; errors: number; skipped: number } {
  const cases = findAll(root, 'testcase');
  return {
    tests: cases.length,
    failures: cases.filter((testcase) => testcase.children.some((child) => child.name === 'failure')).length,
    errors: cases.filter((testcase) => testcase.children.some((child) => child.name === 'error')).length,
    skipped: cases.filter((testcase) => testcase.children.some((child) => child.name === 'skipped')).length,
  };
}

function attributesCount(element: XmlElement): ReturnType<typeof counted> {
  const number = (name: string): number => Number(element.attributes[name]);
  return { tests: number('tests'), failures: number('failures'), errors: number('errors'), skipped: number('skipped') };
}

describe('renderJUnit', () => {
  it.each([
    ['healthy probe', healthyProbe()],
    ['blocked probe', blockedProbe()],
    ['scenario run', scenarioRun()],
    ['sweep', sweep()],
    ['check', check()],
    ['hostile probe', hostileProbe()],
  ] as [string, AnyReport][])('%s: well-formed, and the written counts match the testcases', (_name, report) => {
    const root = parsed(report);
    expect(root.name).toBe('testsuites');
    const suites = findAll(root, 'testsuite');
    expect(suites.length).toBeGreaterThan(0);
    expect(attributesCount(root)).toEqual(counted(root));
    for (const suite of suites) expect(attributesCount(suite)).toEqual(counted(suite));
  });

  it('healthy probe: one passing testcase per step and nothing failed', () => {
    const root = parsed(healthyProbe());
    expect(counted(root)).toEqual({ tests: 5, failures: 0, errors: 0, skipped: 0 });
  });

  it('blocked probe: the PASV step and the error finding fail, the skipped step is skipped', () => {
    const root = parsed(blockedProbe());
    expect(counted(root)).toEqual({ tests: 5, failures: 2, errors: 0, skipped: 1 });
    const failing = findAll(root, 'testcase').filter((testcase) => testcase.children.some((child) => child.name === 'failure'));
    expect(failing.map((testcase) => testcase.attributes.name)).toEqual(['PASV listing [data:pasv]', 'DATA_CHANNEL_BLOCKED: Login works but the data connection is dropped']);
    const stepFailure = failing[0]!.children.find((child) => child.name === 'failure')!;
    expect(stepFailure.text).toContain('dropped by edge firewall: no rule matched, policy drop');
    const findingFailure = failing[1]!.children.find((child) => child.name === 'failure')!;
    expect(findingFailure.attributes.type).toBe('DATA_CHANNEL_BLOCKED');
    expect(findingFailure.text).toContain('netsh advfirewall set global StatefulFtp enable');
  });

  it('scenario run: unmet expectation is a failure, tool error is an error', () => {
    const root = parsed(scenarioRun());
    expect(counted(root)).toEqual({ tests: 3, failures: 1, errors: 1, skipped: 0 });
    const cases = findAll(root, 'testcase');
    expect(cases[0]!.children.map((child) => child.name)).toEqual(['system-out']);
    expect(cases[1]!.children.find((child) => child.name === 'failure')?.attributes.message).toBe('expected finding PASV_PORT_OUT_OF_RANGE, got DATA_CHANNEL_BLOCKED only');
    const error = cases[2]!.children.find((child) => child.name === 'error')!;
    expect(error.attributes.type).toBe('tool-error');
    expect(error.text).toContain('startTls');
    expect(cases[0]!.attributes.classname).toBe('ftp-doctor.scenarios.sim');
  });

  it('sweep: one testcase per folded span, the dropped span fails', () => {
    const root = parsed(sweep());
    const names = findAll(root, 'testcase').map((testcase) => testcase.attributes.name);
    expect(names.slice(0, 2)).toEqual(['ports 5500-5519', 'ports 5520-5525']);
    expect(counted(root)).toEqual({ tests: 3, failures: 2, errors: 0, skipped: 0 });
  });

  it('check: one testcase per target, tool error as error', () => {
    expect(counted(parsed(check()))).toEqual({ tests: 3, failures: 1, errors: 1, skipped: 0 });
  });

  it('a failing verdict with nothing else failing still fails in JUnit', () => {
    const report = { ...healthyProbe(), verdict: 'fail' as const };
    const root = parsed(report);
    expect(counted(root).failures).toBe(1);
    expect(findAll(root, 'testcase').at(-1)?.attributes.name).toBe('verdict');
  });

  it('writes times in seconds and the suite timestamp', () => {
    const suite = findAll(parsed(blockedProbe()), 'testsuite')[0]!;
    expect(suite.attributes.time).toBe('5.120');
    expect(suite.attributes.timestamp).toBe('2024-05-06T07:08:09.123Z');
  });
});
