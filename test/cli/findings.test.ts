/** `ftp-doctor findings [CODE]`: the list, one code, JSON, and an unknown code (exit 2, did you mean). */
import { describe, expect, it } from 'vitest';
import { FINDING_CODES } from '../../src/findings/registry.js';
import { ftpDoctor as runCli } from '../setup/run-cli.js';

const ftpDoctor = (args: string[]): ReturnType<typeof runCli> => runCli(args, 60_000);

describe('ftp-doctor findings', { timeout: 120_000 }, () => {
  it('lists every code', async () => {
    const result = await ftpDoctor(['findings']);
    expect(result.code).toBe(0);
    for (const code of FINDING_CODES) expect(result.stdout).toContain(code);
  });

  it('--json lists them as data', async () => {
    const result = await ftpDoctor(['findings', '--json']);
    expect(result.code).toBe(0);
    expect((JSON.parse(result.stdout) as { code: string }[]).map((entry) => entry.code)).toEqual(FINDING_CODES);
  });

  it('explains one code, written any case', async () => {
    const result = await ftpDoctor(['findings', 'data_channel_blocked']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^DATA_CHANNEL_BLOCKED: /);
    expect(result.stdout).toContain('Usual causes:');
    expect(result.stdout).toContain('nftables');
    const json = JSON.parse((await ftpDoctor(['findings', 'DATA_CHANNEL_BLOCKED', '--json'])).stdout) as { code: string; remedies: unknown[] };
    expect(json.code).toBe('DATA_CHANNEL_BLOCKED');
    expect(json.remedies.length).toBeGreaterThan(0);
  });

  it('an unknown code exits 2 with the nearest codes', async () => {
    const result = await ftpDoctor(['findings', 'DATA_CHANEL_BLOKED']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^ftp-doctor: "DATA_CHANEL_BLOKED" is not a finding code\. Did you mean DATA_CHANNEL_BLOCKED/);
    expect(result.stderr).not.toContain('internal error');
  });
});
