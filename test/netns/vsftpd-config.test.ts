/** ServerSettings → vsftpd.conf: pure, table-tested. */
import { describe, expect, it } from 'vitest';
import type { ServerSettings } from '../../src/topology/model.js';
import { vsftpdConfig } from '../../src/netns/vsftpd-config.js';

const PATHS = { root: '/srv/root', emptyDir: '/srv/empty', certFile: '/srv/cert.pem', keyFile: '/srv/key.pem' };

function settingsOf(settings: ServerSettings): Record<string, string> {
  const { config } = vsftpdConfig(settings, '10.0.0.5', PATHS);
  return Object.fromEntries(config.trim().split('\n').map((line) => line.split('=') as [string, string]));
}

describe('vsftpdConfig', () => {
  it('defaults: anonymous read-only, foreground, no seccomp, listening on the given address', () => {
    expect(settingsOf({})).toMatchObject({
      listen: 'YES', listen_address: '10.0.0.5', listen_port: '21', background: 'NO', seccomp_sandbox: 'NO',
      anonymous_enable: 'YES', anon_root: '/srv/root', write_enable: 'NO', secure_chroot_dir: '/srv/empty',
      pasv_promiscuous: 'NO', connect_from_port_20: 'NO',
    });
    expect(settingsOf({})).not.toHaveProperty('ssl_enable');
  });

  it.each([
    [{ pasvRange: '5500-5525' }, { pasv_min_port: '5500', pasv_max_port: '5525' }],
    [{ pasvRange: '5500-5525', misbehave: { outOfRangePorts: '49152-49160' } }, { pasv_min_port: '49152', pasv_max_port: '49160' }],
    [{ externalIp: '203.0.113.7' }, { pasv_address: '203.0.113.7', pasv_addr_resolve: 'NO' }],
    [{ externalIp: '203.0.113.7', misbehave: { advertiseAddress: '192.168.1.5' } }, { pasv_address: '192.168.1.5' }],
    [{ port: 2121 }, { listen_port: '2121' }],
    [{ tls: 'implicit' }, { listen_port: '990', implicit_ssl: 'YES', ssl_enable: 'YES' }],
    [{ activeSourcePort: 20 }, { connect_from_port_20: 'YES' }],
    [{ activeSourcePort: 2020 }, { connect_from_port_20: 'YES', ftp_data_port: '2020' }],
    [{ misbehave: { refusePort: true } }, { port_enable: 'NO' }],
    [{ throttleBytesPerSecond: 65536.7 }, { anon_max_rate: '65536' }],
    [{ tls: 'explicit' }, { ssl_enable: 'YES', implicit_ssl: 'NO', allow_anon_ssl: 'YES', require_ssl_reuse: 'NO',
      force_anon_logins_ssl: 'NO', rsa_cert_file: '/srv/cert.pem', rsa_private_key_file: '/srv/key.pem' }],
    [{ tls: 'explicit', requireTls: true, requireSessionReuse: true },
      { force_anon_logins_ssl: 'YES', force_anon_data_ssl: 'YES', require_ssl_reuse: 'YES' }],
  ] as [ServerSettings, Record<string, string>][])('%o', (settings, expected) => {
    expect(settingsOf(settings)).toMatchObject(expected);
  });

  it.each([
    [{ allowCcc: true }, /CCC/],
    [{ misbehave: { refuseEpsv: true } }, /EPSV/],
    [{ misbehave: { coalesceReplies: true } }, /coalesce/],
    [{ requireTls: true }, /need tls/],
  ] as [ServerSettings, RegExp][])('unsupported: %o', (settings, reason) => {
    const { unsupported } = vsftpdConfig(settings, '10.0.0.5', PATHS);
    expect(unsupported).toHaveLength(1);
    expect(unsupported[0]).toMatch(reason);
  });

  it('TLS without certificate paths is a programming error', () => {
    expect(() => vsftpdConfig({ tls: 'explicit' }, '10.0.0.5', { root: '/r', emptyDir: '/e' })).toThrow(/certFile/);
  });

  it('rejects an invalid passive range', () => {
    expect(() => vsftpdConfig({ pasvRange: '9-1' }, '10.0.0.5', PATHS)).toThrow();
  });
});
