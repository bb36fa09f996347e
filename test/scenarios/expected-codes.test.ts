/**
 * A scenario's expected (and absent) findings must be codes of the registry: a misspelt code in
 * `expect.findings` could never be met, and in `expect.absent` it would always hold. The validator
 * names the field and the nearest codes.
 */
import { describe, expect, it } from 'vitest';
import { validateScenario } from '../../src/scenarios/validate.js';

function problems(expectation: Record<string, unknown>): string[] {
  const result = validateScenario({ id: 'mine', title: 'Mine', description: 'Mine.', source: 'RFC 959', topology: {}, client: {}, expect: { verdict: 'fail', ...expectation } });
  return result.ok ? [] : result.problems.map((problem) => `${problem.path}: ${problem.message}`);
}

describe('expected finding codes', () => {
  it('accepts codes of the registry', () => {
    expect(problems({ findings: ['DATA_CHANNEL_BLOCKED'], absent: ['TLS_CERTIFICATE_EXPIRED'] })).toEqual([]);
  });

  it('rejects a misspelt code, with the nearest', () => {
    expect(problems({ findings: ['DATA_CHANEL_BLOCKED'] })).toEqual(['expect.findings[0]: must be a finding code like DATA_CHANNEL_BLOCKED (got "DATA_CHANEL_BLOCKED"); did you mean DATA_CHANNEL_BLOCKED, DATA_CHANNEL_REFUSED?']);
  });

  it('rejects a code that looks right but does not exist, in absent too', () => {
    expect(problems({ absent: ['CERTIFICATE_SELF_SIGNED'] })[0]).toMatch(/^expect\.absent\[0\]: must be a finding code .*did you mean TLS_CERTIFICATE_SELF_SIGNED/);
    expect(problems({ absent: ['NOTHING_LIKE_IT_AT_ALL_XYZ'] })[0]).toMatch(/`ftp-doctor findings` lists them\)$/);
  });
});
