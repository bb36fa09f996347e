/** The exporter's config file: every problem names the file, the line and the field; passwords only by variable name. */
import { describe, expect, it } from 'vitest';
import { DataFileError } from '../../src/config/data-file-error.js';
import { parseExporterConfigText } from '../../src/exporter/config.js';
import { addressAllowed, decideTarget, parseAllowList } from '../../src/exporter/allow.js';
import { exporterConfigFromArguments, parseListen } from '../../src/cli/exporter.js';
import { UsageError } from '../../src/cli/errors.js';

const GOOD = `allow: [127.0.0.0/8, ftp.example.com, "::1"]
concurrency: 4
modules:
  default: {}
  edge:
    modes: [pasv, epsv]
    tls: explicit
    expectRange: 50000-50100
    expectAddress: 203.0.113.7
    user: monitor
    passwordEnv: FTP_MONITOR_PASSWORD
    timeouts: { connect: 2000, data: 3000, transfer: 9000, total: 15000 }
`;

describe('exporter config', () => {
  it('reads every module field', () => {
    const config = parseExporterConfigText(GOOD, 'exporter.yml', { FTP_MONITOR_PASSWORD: 'pw-for-monitor' });
    expect(config.concurrency).toBe(4);
    expect(config.modules.get('edge')).toEqual({
      name: 'edge',
      modes: ['epsv', 'pasv'],
      tls: 'explicit',
      expectRange: { from: 50000, to: 50100 },
      expectAddress: '203.0.113.7',
      user: 'monitor',
      passwordEnv: 'FTP_MONITOR_PASSWORD',
      strictTls: false,
      timeouts: { connectMs: 2000, dataMs: 3000, transferMs: 9000, totalMs: 15000 },
    });
    expect(config.modules.get('default')?.modes).toEqual(['epsv', 'pasv']);
    expect(config.passwords.get('edge')).toBe('pw-for-monitor');
    expect(config.allow?.entries).toEqual(['127.0.0.0/8', 'ftp.example.com', '::1']);
  });

  it.each([
    ['a bad mode, by line and field', 'modules:\n  m:\n    modes: [pasv, sftp]\n', /exporter\.yml: line 3, modules\.m\.modes\[1\] must be one of epsv, pasv, port, eprt/],
    ['a typo in a field', 'modules:\n  m:\n    expectRnage: 1-2\n', /line 3, modules\.m\.expectRnage unknown field/],
    ['a password in the file', 'modules:\n  m:\n    password: hunter2\n', /modules\.m\.password unknown field/],
    ['an inverted range', 'modules:\n  m:\n    expectRange: 9-1\n', /modules\.m\.expectRange must be a port/],
    ['a bad allow entry', 'allow: [10.0.0.0/99]\nmodules:\n  m: {}\n', /line 1, allow\[0\] "10\.0\.0\.0\/99" is not a CIDR block/],
    ['no modules', 'allow: []\n', /modules is required/],
    ['a timeout of zero', 'modules:\n  m:\n    timeouts: { data: 0 }\n', /modules\.m\.timeouts\.data must be a whole number from 1/],
    ['an unset password variable', 'modules:\n  m:\n    user: bob\n    passwordEnv: NOT_SET_HERE\n', /line 4, modules\.m\.passwordEnv names NOT_SET_HERE, which is not set/],
    ['a YAML syntax error', 'modules:\n  m: [\n', /exporter\.yml: line \d/],
  ])('%s is refused', (_name, text, message) => {
    expect(() => parseExporterConfigText(text, 'exporter.yml', {})).toThrow(DataFileError);
    expect(() => parseExporterConfigText(text, 'exporter.yml', {})).toThrow(message);
  });

  it('--allow adds to the file, --concurrency overrides it, bad entries are usage errors', async () => {
    const config = await exporterConfigFromArguments({ listen: '127.0.0.1:0', allow: ['127.0.0.1,192.0.2.0/24'], concurrency: 2, recent: 5 });
    expect(config.allow?.entries).toEqual(['127.0.0.1', '192.0.2.0/24']);
    expect(config.concurrency).toBe(2);
    await expect(exporterConfigFromArguments({ listen: '127.0.0.1:0', allow: ['not an entry!'], recent: 5 })).rejects.toThrow(UsageError);
  });

  it.each([
    ['127.0.0.1:9717', { host: '127.0.0.1', port: 9717 }],
    ['[::1]:0', { host: '::1', port: 0 }],
    [':9717', { host: '0.0.0.0', port: 9717 }],
  ])('--listen %s', (text, expected) => expect(parseListen(text)).toEqual(expected));

  it.each(['9717', 'host:99999', 'a:b:c'])('--listen %s is a usage error', (text) => expect(() => parseListen(text)).toThrow(UsageError));
});

describe('allow-list', () => {
  const { list } = parseAllowList(['127.0.0.0/8', 'ftp.example.com', '2001:db8::/32', '192.0.2.7']);

  it.each([
    ['127.0.0.1', true],
    ['::ffff:127.0.0.2', true],
    ['10.0.0.1', false],
    ['169.254.169.254', false],
    ['2001:db8::1', true],
    ['2001:db9::1', false],
    ['192.0.2.7', true],
    ['192.0.2.8', false],
  ])('address %s allowed: %s', (address, allowed) => expect(addressAllowed(list, address)).toBe(allowed));

  it('a listed name is allowed without a lookup; an unlisted one only when it resolves into a block', async () => {
    const lookups: string[] = [];
    const resolve = async (host: string): Promise<string> => {
      lookups.push(host);
      return host === 'inside.test' ? '127.0.0.9' : '10.1.2.3';
    };
    expect(await decideTarget(list, 'FTP.example.com.', resolve)).toEqual({ allowed: true });
    expect(lookups).toEqual([]);
    expect(await decideTarget(list, 'inside.test', resolve)).toEqual({ allowed: true, address: '127.0.0.9' });
    expect(await decideTarget(list, 'metadata.test', resolve)).toMatchObject({ allowed: false, reason: expect.stringMatching(/10\.1\.2\.3, which is not in the allow-list/) });
    expect(await decideTarget(list, '169.254.169.254', resolve)).toMatchObject({ allowed: false });
    expect(await decideTarget(undefined, '169.254.169.254', resolve)).toEqual({ allowed: true });
  });
});
