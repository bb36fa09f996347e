/**
 * Server configuration parsers, table-tested: each fact with its file:line, each line not
 * understood reported with its place (never dropped).
 */
import { describe, expect, it } from 'vitest';
import type { InputFacts, ServerFacts } from '../../src/preflight/model.js';
import { parseFileZillaSettings } from '../../src/preflight/servers/filezilla.js';
import { parseApplicationHostConfig, parseAppcmd } from '../../src/preflight/servers/iis.js';
import { parseProftpdConf } from '../../src/preflight/servers/proftpd.js';
import { parsePureFtpdConf, parsePureFtpdOptionFile } from '../../src/preflight/servers/pure-ftpd.js';
import { parseServeCommands } from '../../src/preflight/servers/serve-flags.js';
import { parseVsftpdConf } from '../../src/preflight/servers/vsftpd.js';

/** The server's settings as "value @line", for compact expectations. */
function summary(facts: InputFacts, index = 0): Record<string, string> {
  const server = facts.servers[index] as ServerFacts;
  const out: Record<string, string> = { product: server.product };
  for (const key of ['controlPort', 'passiveRange', 'advertisedAddress', 'tls', 'tlsRequired', 'passiveDisabled', 'pasvRefused'] as const) {
    const fact = server[key] as { value: unknown; at: { line: number } } | undefined;
    if (!fact) continue;
    const value = typeof fact.value === 'object' ? `${(fact.value as { from: number }).from}-${(fact.value as { to: number }).to}` : String(fact.value);
    out[key] = `${value} @${fact.at.line}`;
  }
  return out;
}

const complaints = (facts: InputFacts): string[] => facts.notUnderstood.map((item) => `${item.at.file}:${item.at.line} ${item.reason}`);

describe('vsftpd.conf', () => {
  const cases: [string, string, Record<string, string>, RegExp[]][] = [
    ['range, address, TLS required by default', 'listen=YES\n# comment\npasv_min_port=50000\npasv_max_port=50100\npasv_address=203.0.113.7\nssl_enable=YES\n', { product: 'vsftpd', passiveRange: '50000-50100 @4', advertisedAddress: '203.0.113.7 @5', tls: 'explicit @6', tlsRequired: 'true @6' }, []],
    ['the last value of a key wins', 'pasv_min_port=1\npasv_max_port=2\npasv_min_port=40000\npasv_max_port=40009\n', { product: 'vsftpd', passiveRange: '40000-40009 @4' }, []],
    ['implicit TLS, logins not forced', 'ssl_enable=YES\nimplicit_ssl=YES\nforce_local_logins_ssl=NO\nlisten_port=990\n', { product: 'vsftpd', controlPort: '990 @4', tls: 'implicit @2', tlsRequired: 'false @3' }, []],
    ['passive switched off', 'pasv_enable=NO\n', { product: 'vsftpd', passiveDisabled: 'true @1' }, []],
    ['spaces around = are what vsftpd refuses', 'pasv_min_port = 50000\n', { product: 'vsftpd' }, [/vsftpd\.conf:1 vsftpd allows no spaces/]],
    ['a bad port and a bad flag are named', 'pasv_min_port=abc\npasv_max_port=50100\nssl_enable=maybe\n', { product: 'vsftpd', passiveRange: '1024-50100 @2' }, [/:1 pasv_min_port must be a port/, /:3 ssl_enable must be YES or NO/]],
    ['an inverted range', 'pasv_min_port=6000\npasv_max_port=5000\n', { product: 'vsftpd' }, [/:2 pasv_max_port 5000 is below pasv_min_port 6000/]],
    // vsftpd 3.0.3 in the kernel test: "500 OOPS: invalid pasv_address" on PASV.
    ['a name as pasv_address without pasv_addr_resolve: PASV fails', 'pasv_address=ftp.example.com\n', { product: 'vsftpd', advertisedAddress: 'ftp.example.com @1', pasvRefused: 'pasv_address is not an IPv4 address and pasv_addr_resolve is not YES: vsftpd answers PASV with "500 OOPS: invalid pasv_address" and ends the session @1' }, []],
    ['a name with pasv_addr_resolve=YES: resolved at start-up', 'pasv_address=ftp.example.com\npasv_addr_resolve=YES\n', { product: 'vsftpd', advertisedAddress: 'ftp.example.com @1' }, []],
  ];
  it.each(cases)('%s', (_name, text, expected, problems) => {
    const facts = parseVsftpdConf('vsftpd.conf', text);
    expect(summary(facts)).toEqual(expected);
    expect(complaints(facts)).toHaveLength(problems.length);
    problems.forEach((problem, index) => expect(complaints(facts)[index]).toMatch(problem));
  });
});

describe('proftpd.conf', () => {
  it('reads <Global>, <IfModule>, Include and keeps <VirtualHost> apart', () => {
    const main = ['ServerType standalone', 'Port 2121', 'Include conf.d/passive.conf', '<IfModule mod_tls.c>', '  TLSEngine on', '  TLSRequired on', '</IfModule>', '<IfModule !mod_tls.c>', '  Port 9999', '</IfModule>', '<Global>', '  MasqueradeAddress 203.0.113.9', '</Global>', '<VirtualHost 192.0.2.1>', '  PassivePorts 60000 60010', '</VirtualHost>'].join('\n');
    const includes: Record<string, string> = { 'conf.d/passive.conf': 'PassivePorts 49152 49200\n' };
    const facts = parseProftpdConf('proftpd.conf', main, (pattern) => (includes[pattern] !== undefined ? [{ file: `/etc/proftpd/${pattern}`, text: includes[pattern] as string }] : 'not found'));
    expect(summary(facts)).toEqual({ product: 'ProFTPD', controlPort: '2121 @2', passiveRange: '49152-49200 @1', advertisedAddress: '203.0.113.9 @12', tls: 'explicit @5', tlsRequired: 'true @6' });
    expect(facts.servers[0]?.passiveRange?.at.file).toBe('/etc/proftpd/conf.d/passive.conf');
    expect(summary(facts, 1)).toMatchObject({ passiveRange: '60000-60010 @15', advertisedAddress: '203.0.113.9 @12' });
    expect(facts.notes.join('\n')).toMatch(/proftpd\.conf:14: a <VirtualHost> of its own/);
    expect(complaints(facts)).toEqual([]);
  });
  it.each([
    ['an Include that cannot be read', 'Include /nope/*.conf\n', /proftpd\.conf:1 Include \/nope\/\*\.conf: not found/],
    ['a section never closed', '<Global>\nPort 21\n', /proftpd\.conf:1 <Global> is never closed/],
    ['a wrong closing tag', '<Global>\n</Anonymous>\n', /:2 closes <Anonymous> but <Global> \(line 1\) is open/],
    ['PassivePorts with one port', 'PassivePorts 5000\n', /:1 PassivePorts takes two port numbers/],
    ['an unknown TLSRequired value', 'TLSEngine on\nTLSRequired sometimes\n', /:2 TLSRequired sometimes is not a value/],
    ['<IfDefine> cannot be decided', '<IfDefine TLS>\nTLSEngine on\n</IfDefine>\n', /:1 cannot tell whether TLS is defined/],
  ])('%s is reported with its line', (_name, text, problem) => {
    const facts = parseProftpdConf('proftpd.conf', text, () => 'not found');
    expect(complaints(facts).join('\n')).toMatch(problem);
  });
});

describe('Pure-FTPd', () => {
  it.each([
    ['/etc/pure-ftpd/conf/PassivePortRange', '30000 30009\n', { product: 'Pure-FTPd', passiveRange: '30000-30009 @1' }],
    ['/etc/pure-ftpd/conf/ForcePassiveIP', '203.0.113.4\n', { product: 'Pure-FTPd', advertisedAddress: '203.0.113.4 @1' }],
    ['/etc/pure-ftpd/conf/TLS', '2\n', { product: 'Pure-FTPd', tls: 'explicit @1', tlsRequired: 'true @1' }],
    ['/etc/pure-ftpd/conf/Bind', ',2121\n', { product: 'Pure-FTPd', controlPort: '2121 @1' }],
  ])('one-value file %s', (file, text, expected) => {
    expect(summary(parsePureFtpdOptionFile(file, text))).toEqual(expected);
  });
  it('pure-ftpd.conf lines, a bad TLS level named', () => {
    const facts = parsePureFtpdConf('pure-ftpd.conf', 'PassivePortRange 30000 30009   # range\nForcePassiveIP 203.0.113.4\nTLS 7\n');
    expect(summary(facts)).toEqual({ product: 'Pure-FTPd', passiveRange: '30000-30009 @1', advertisedAddress: '203.0.113.4 @2' });
    expect(complaints(facts)).toEqual(['pure-ftpd.conf:3 TLS must be 0, 1, 2 or 3']);
  });
  it('a second line in a one-value file is said', () => {
    expect(complaints(parsePureFtpdOptionFile('conf/TLS', '1\n2\n'))).toEqual(['conf/TLS:2 a /etc/pure-ftpd/conf file holds one value; the wrapper reads the first line only']);
  });
});

describe('IIS', () => {
  const config = `<?xml version="1.0" encoding="UTF-8"?>
<configuration>
  <system.applicationHost>
    <sites>
      <site name="Default Web Site" id="1">
        <bindings><binding protocol="http" bindingInformation="*:80:" /></bindings>
      </site>
      <site name="FTP" id="2">
        <bindings>
          <binding protocol="ftp" bindingInformation="*:21:" />
        </bindings>
        <ftpServer>
          <security>
            <ssl controlChannelPolicy="SslRequire" dataChannelPolicy="SslRequire" />
          </security>
          <firewallSupport externalIp4Address="203.0.113.5" />
        </ftpServer>
      </site>
      <siteDefaults><ftpServer><firewallSupport externalIp4Address="198.51.100.99" /></ftpServer></siteDefaults>
    </sites>
  </system.applicationHost>
  <system.ftpServer>
    <firewallSupport lowDataChannelPort="5000" highDataChannelPort="5100" />
  </system.ftpServer>
</configuration>
`;
  it('applicationHost.config: server range, the FTP site\'s address, binding and TLS policy', () => {
    const facts = parseApplicationHostConfig('applicationHost.config', config);
    expect(summary(facts)).toEqual({ product: 'IIS', controlPort: '21 @10', passiveRange: '5000-5100 @23', advertisedAddress: '203.0.113.5 @16', tls: 'explicit @14', tlsRequired: 'true @14' });
    expect(complaints(facts)).toEqual([]);
  });
  it('no server-level range: the Windows dynamic range, said', () => {
    const facts = parseApplicationHostConfig('applicationHost.config', config.replace(/<system\.ftpServer>[\s\S]*<\/system\.ftpServer>/, ''));
    expect(summary(facts).passiveRange).toBe('49152-65535 @1');
    expect(facts.notes.join('\n')).toMatch(/dynamic range/);
  });
  it('a broken tag is reported with its line', () => {
    const facts = parseApplicationHostConfig('applicationHost.config', '<configuration>\n<system.ftpServer>\n</configuration>\n');
    expect(complaints(facts).join('\n')).toMatch(/applicationHost\.config:3 <\/configuration> does not close <system\.ftpServer> \(line 2\)/);
  });
  it('appcmd commands from Microsoft\'s documents', () => {
    const text = [
      'rem IIS FTP firewall settings',
      '%windir%\\system32\\inetsrv\\appcmd set config /section:system.ftpServer/firewallSupport /lowDataChannelPort:5000 /highDataChannelPort:5100',
      '%windir%\\system32\\inetsrv\\appcmd set config -section:system.applicationHost/sites /siteDefaults.ftpServer.firewallSupport.externalIp4Address:"203.0.113.5" /commit:apphost',
      'appcmd list sites',
    ].join('\n');
    const facts = parseAppcmd('setup.cmd', text);
    expect(summary(facts)).toEqual({ product: 'IIS', passiveRange: '5000-5100 @2', advertisedAddress: '203.0.113.5 @3' });
    expect(complaints(facts)).toEqual(['setup.cmd:4 an appcmd command that sets none of the FTP firewall, address or TLS settings preflight reads']);
  });
});

describe('FileZilla Server', () => {
  it('0.9 FileZilla Server.xml items', () => {
    const text = ['<FileZillaServer>', '<Settings>', '<Item name="Serverports" type="string">21</Item>', '<Item name="Use custom PASV ports" type="numeric">1</Item>', '<Item name="Custom PASV min port" type="numeric">50000</Item>', '<Item name="Custom PASV max port" type="numeric">50100</Item>', '<Item name="Custom PASV IP type" type="numeric">1</Item>', '<Item name="Custom PASV IP" type="string">203.0.113.8</Item>', '</Settings>', '</FileZillaServer>'].join('\n');
    expect(summary(parseFileZillaSettings('FileZilla Server.xml', text))).toEqual({ product: 'FileZilla Server', controlPort: '21 @3', passiveRange: '50000-50100 @6', advertisedAddress: '203.0.113.8 @8' });
  });
  it('1.x settings.xml passive_mode and listener', () => {
    const text = ['<filezilla>', '<ftp_server>', '<listener><address>0.0.0.0</address><port>21</port><tls_mode>1</tls_mode></listener>', '<passive_mode>', '<port_range><min>55000</min><max>55099</max></port_range>', '<host_override>ftp.example.com</host_override>', '</passive_mode>', '</ftp_server>', '</filezilla>'].join('\n');
    expect(summary(parseFileZillaSettings('settings.xml', text))).toEqual({ product: 'FileZilla Server', controlPort: '21 @3', passiveRange: '55000-55099 @5', advertisedAddress: 'ftp.example.com @6', tls: 'explicit @3', tlsRequired: 'true @3' });
  });
  it('a passive address retrieved at run time is unknown, said', () => {
    const text = '<FileZillaServer><Settings>\n<Item name="Custom PASV IP type" type="numeric">2</Item>\n</Settings></FileZillaServer>';
    expect(complaints(parseFileZillaSettings('fz.xml', text)).join('\n')).toMatch(/fz\.xml:2 the passive address is retrieved from a URL at run time/);
  });
});

describe('ftp-doctor serve command lines', () => {
  it('reads the flags of a serve line', () => {
    const facts = parseServeCommands('run.sh', '#!/bin/sh\nexec ftp-doctor serve --pasv-range 40000-40009 \\\n  --external-ip=203.0.113.2 --tls explicit --require-tls\n');
    expect(summary(facts)).toEqual({ product: 'ftp-doctor', controlPort: '21 @2', passiveRange: '40000-40009 @2', advertisedAddress: '203.0.113.2 @2', tls: 'explicit @2', tlsRequired: 'true @2' });
  });
});
