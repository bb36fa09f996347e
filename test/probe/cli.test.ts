import { afterEach, describe, expect, it } from 'vitest';
import { realNetwork } from '../../src/net/real.js';
import { startServer, type RunningServer } from '../../src/server/index.js';
import { probeCommandMain, probeOptionsFromArguments, type ProbeArguments } from '../../src/cli/probe.js';
import { UsageError } from '../../src/cli/errors.js';
import { renderJson } from '../../src/report/json.js';
import { renderProbeTable } from '../../src/report/table.js';
import type { ProbeReport } from '../../src/report/model.js';

const defaults: ProbeArguments = {
  url: 'ftp://127.0.0.1/',
  modes: 'epsv,pasv',
  samples: 0,
  connectTimeout: 2000,
  dataTimeout: 300,
  useAdvertisedAddress: false,
  strictTls: false,
  ccc: false,
  json: true,
  reportDir: 'none',
};

let server: RunningServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('probe command options', () => {
  it.each([
    [{ url: 'http://host/' }, /unsupported scheme/],
    [{ modes: 'pasv,bogus' }, /unknown data mode/],
    [{ expectRange: '9-1' }, /impossible port range/],
    [{ expectAddress: 'not-an-ip' }, /--expect-address/],
    [{ samples: -1 }, /--samples/],
    [{ dataTimeout: 0 }, /--data-timeout/],
  ])('%o is a usage error', (override, message) => {
    expect(() => probeOptionsFromArguments({ ...defaults, ...override }, {})).toThrow(UsageError);
    expect(() => probeOptionsFromArguments({ ...defaults, ...override }, {})).toThrow(message);
  });

  it('takes the password from FTP_PASSWORD when --password is absent', () => {
    expect(probeOptionsFromArguments({ ...defaults, user: 'bob' }, { FTP_PASSWORD: 'from-env' }).password).toBe('from-env');
    expect(probeOptionsFromArguments({ ...defaults, password: 'flag' }, { FTP_PASSWORD: 'from-env' }).password).toBe('flag');
  });

  it('maps every contract option', () => {
    const options = probeOptionsFromArguments({ ...defaults, modes: 'all', tls: 'explicit', expectRange: '50000-50010', expectAddress: '203.0.113.7', samples: 5, useAdvertisedAddress: true, strictTls: true, retrieve: '/big.bin' }, {});
    expect(options).toMatchObject({ modes: ['epsv', 'pasv', 'port', 'eprt'], tls: 'explicit', expectRange: { from: 50000, to: 50010 }, expectAddress: '203.0.113.7', samples: 5, useAdvertisedAddress: true, strictTls: true, retrieve: '/big.bin', connectTimeoutMs: 2000, dataTimeoutMs: 300 });
  });
});

describe('probe command run', () => {
  it('exits 0 on pass, and the password from the environment appears in no output', async () => {
    server = await startServer({ host: '127.0.0.1', port: 0, users: [{ name: 'bob', password: 'EnvSecret42' }], log: 'none' }, realNetwork);
    let captured: ProbeReport | undefined;
    const code = await probeCommandMain(
      { ...defaults, url: `ftp://bob@127.0.0.1:${server.port}/` },
      { env: { FTP_PASSWORD: 'EnvSecret42' }, emit: async (report) => void (captured = report) },
    );
    expect(code).toBe(0);
    expect(captured?.verdict).toBe('pass');
    if (!captured) return;
    for (const output of [renderJson(captured), renderProbeTable(captured, { color: false })]) expect(output).not.toContain('EnvSecret42');
  });

  it('exits 1 when the verdict is fail (nothing listens)', async () => {
    const gone = await startServer({ host: '127.0.0.1', port: 0, anonymous: true, log: 'none' }, realNetwork);
    const port = gone.port;
    await gone.close();
    const code = await probeCommandMain({ ...defaults, url: `ftp://127.0.0.1:${port}/` }, { env: {}, emit: async () => {} });
    expect(code).toBe(1);
  });
});
