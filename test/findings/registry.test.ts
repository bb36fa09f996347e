/** The finding registry (src/findings): complete, consistent, and what check reads modes from. */
import { describe, expect, it } from 'vitest';
import { CONTROL_FINDINGS } from '../../src/findings/codes-control.js';
import { DATA_FINDINGS } from '../../src/findings/codes-data.js';
import { PASSIVE_FINDINGS } from '../../src/findings/codes-passive.js';
import { SWEEP_FINDINGS } from '../../src/findings/codes-sweep.js';
import { FINDING_CODES, FINDING_GROUPS, findingEntry, isFindingCode, modesOf, REGISTRY, speaksForMode } from '../../src/findings/registry.js';

describe('the finding registry', () => {
  it('no part redefines a code of another (a spread would silently keep the last)', () => {
    const parts = [CONTROL_FINDINGS, PASSIVE_FINDINGS, DATA_FINDINGS, SWEEP_FINDINGS].map((part) => Object.keys(part));
    expect(parts.flat()).toHaveLength(FINDING_CODES.length);
    expect(new Set(parts.flat()).size).toBe(FINDING_CODES.length);
  });

  it('the groups of the documentation hold every code once', () => {
    expect(FINDING_GROUPS.flatMap((group) => group.codes).sort()).toEqual([...FINDING_CODES].sort());
  });

  it.each(FINDING_CODES)('%s is fully described', (code) => {
    const entry = findingEntry(code);
    expect(code).toMatch(/^[A-Z]+(?:_[A-Z0-9]+)+$/);
    expect(entry.title.length).toBeGreaterThan(10);
    expect(entry.meaning.length).toBeGreaterThan(entry.title.length / 2);
    expect(entry.causes.length).toBeGreaterThan(0);
    expect(entry.emittedBy.length).toBeGreaterThan(0);
    // A one-line title and a paragraph: no line breaks, no file names of documents the product does not ship.
    for (const text of [entry.title, entry.meaning, ...entry.causes, ...entry.references]) {
      expect(text).not.toMatch(/\n|\.md\b|\.txt\b|seeds\//);
    }
    for (const reference of entry.references) expect(reference).toMatch(/^(?:RFC \d+(?: §[\d.]+)?|Microsoft)/);
  });

  it('says which data modes a code speaks for, and "all" speaks for no mode in particular', () => {
    expect(modesOf('EPSV_BLOCKED')).toEqual(['epsv']);
    expect(modesOf('ACTIVE_INBOUND_BLOCKED')).toEqual(['port', 'eprt']);
    expect(modesOf('CONTROL_UNREACHABLE')).toEqual(['epsv', 'pasv', 'port', 'eprt']);
    expect(modesOf('SWEEP_SAMPLED')).toEqual([]);
    expect(speaksForMode('DATA_CHANNEL_BLOCKED', 'epsv')).toBe(true);
    expect(speaksForMode('DATA_CHANNEL_BLOCKED', 'port')).toBe(false);
    expect(speaksForMode('LOGIN_FAILED', 'pasv')).toBe(false);
  });

  it('knows its own codes and nothing else', () => {
    expect(isFindingCode('DATA_CHANNEL_BLOCKED')).toBe(true);
    expect(isFindingCode('TLS_CERTIFICATE_*')).toBe(false);
    expect(isFindingCode('toString')).toBe(false);
    expect(Object.keys(REGISTRY)).toEqual(FINDING_CODES);
  });
});
