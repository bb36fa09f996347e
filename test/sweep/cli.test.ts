import { describe, expect, it } from 'vitest';
import { bar, sweepCommandMain, sweepOptionsFromArguments, type SweepArguments } from '../../src/cli/sweep.js';
import { UsageError } from '../../src/cli/errors.js';
import { createSimulation } from '../../src/net/sim/index.js';
import type { SweepReport } from '../../src/report/model.js';
import { startServer } from '../../src/server/index.js';

const base: SweepArguments = { url: 'ftp://user@10.0.0.5/', range: '5500-5509', concurrency: 4, sample: 0, dataTls: true, method: 'auto', connectTimeout: 2000, dataTimeout: 200, strictTls: false, json: true };

describe('sweep arguments', () => {
  it.each([
    [{ range: undefined }, /--range A-B is required/],
    [{ range: '5509-5500' }, /impossible port range/],
    [{ range: 'lots' }, /not a port range/],
    [{ concurrency: 0 }, /--concurrency must be a whole number/],
    [{ sample: -1 }, /--sample must be a whole number/],
    [{ dataTimeout: 0.5 }, /--data-timeout/],
    [{ url: 'http://host/' }, /unsupported scheme/],
  ] as [Partial<SweepArguments>, RegExp][])('%o is a usage error', (change, message) => {
    expect(() => sweepOptionsFromArguments({ ...base, ...change } as SweepArguments, {})).toThrow(UsageError);
    expect(() => sweepOptionsFromArguments({ ...base, ...change } as SweepArguments, {})).toThrow(message);
  });

  it('takes the password from FTP_PASSWORD and the rest from the flags', () => {
    const options = sweepOptionsFromArguments({ ...base, sample: 3, tls: 'explicit', dataTls: false }, { FTP_PASSWORD: 'secret' });
    expect(options).toMatchObject({ range: { from: 5500, to: 5509 }, concurrency: 4, sample: 3, password: 'secret', tls: 'explicit', protectData: false, dataTimeoutMs: 200 });
  });

  it('draws a progress bar', () => {
    expect(bar(0, 10)).toBe(`[${'.'.repeat(24)}]`);
    expect(bar(5, 10)).toBe(`[${'#'.repeat(12)}${'.'.repeat(12)}]`);
    expect(bar(10, 10)).toBe(`[${'#'.repeat(24)}]`);
  });
});

describe('sweep command', () => {
  it('exits 1 when a port fails, 0 when all pass, and hands the report to the output', async () => {
    const sim = createSimulation({
      firewalls: [{ name: 'edge', at: 'edge', policy: 'drop', rules: [{ state: ['established'], action: 'accept' }, { dport: 21, action: 'accept' }, { dport: '5500-5508', action: 'accept' }] }],
    });
    const server = await startServer({ host: '0.0.0.0', port: 21, anonymous: true, log: 'none', allowSweep: true, pasvRange: { from: 5500, to: 5509 } }, sim.network('server'));
    try {
      const emitted: SweepReport[] = [];
      const dependencies = { network: sim.network('client'), env: {}, emit: async (report: SweepReport) => void emitted.push(report) };
      expect(await sweepCommandMain({ ...base, url: 'ftp://10.0.0.5/' }, dependencies)).toBe(1);
      expect(emitted[0]?.spans).toEqual([{ from: 5500, to: 5508, state: 'open' }, { from: 5509, to: 5509, state: 'dropped' }]);
      expect(await sweepCommandMain({ ...base, url: 'ftp://10.0.0.5/', range: '5500-5508' }, dependencies)).toBe(0);
      expect(emitted[1]?.verdict).toBe('pass');
    } finally {
      sim.close();
      await server.close();
    }
  });
});
