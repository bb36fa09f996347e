import { describe, it, expect } from 'vitest';
import { orderKeys, renderJson } from '../../src/report/json.js';
import { SCHEMA_VERSION } from '../../src/report/model.js';
import { sanitizeReport } from '../../src/report/sanitize.js';
import { blockedProbe, scenarioRun } from './fixtures.js';

/** The same object with its keys inserted in reverse, recursively. */
function reversed(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reversed);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).reverse().map(([key, item]) => [key, reversed(item)]));
  return value;
}

describe('renderJson', () => {
  it('is the sanitised report, round-trippable', () => {
    const report = blockedProbe();
    expect(JSON.parse(renderJson(report))).toEqual(sanitizeReport(report));
  });

  it('does not depend on the order the producer built its objects in', () => {
    const report = scenarioRun();
    expect(renderJson(reversed(report) as typeof report)).toBe(renderJson(report));
  });

  it('leads with the contract header fields', () => {
    const keys = Object.keys(JSON.parse(renderJson(blockedProbe())));
    expect(keys.slice(0, 6)).toEqual(['tool', 'version', 'schemaVersion', 'kind', 'target', 'verdict']);
    expect(keys.indexOf('findings')).toBeLessThan(keys.indexOf('transcript'));
  });

  it('always carries the schema version', () => {
    const { schemaVersion: _dropped, ...rest } = blockedProbe();
    const parsed = JSON.parse(renderJson(rest as ReturnType<typeof blockedProbe>));
    expect(parsed.schemaVersion).toBe(SCHEMA_VERSION);
  });

  it('puts unknown keys after known ones, alphabetically, and drops undefined', () => {
    expect(Object.keys(orderKeys({ zeta: 1, alpha: 2, verdict: 'pass', tool: 'x', gone: undefined }) as object)).toEqual(['tool', 'verdict', 'alpha', 'zeta']);
  });
});
