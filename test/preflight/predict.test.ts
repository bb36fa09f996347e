/**
 * The prediction from files: static findings with file:line evidence, the simulated probe of the
 * same site agreeing with them, unknowns said with their place, the scenario written for
 * `scenarios run` loading with the scenario loader.
 */
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { fixtureIn, predict, readFiles } from './predict-files.js';
import { parseScenarioText } from '../../src/scenarios/load.js';

const FIXTURES = 'test/fixtures/preflight';

const fixture = fixtureIn(FIXTURES);

const VSFTPD_PUBLIC = ['vsftpd.conf', 'listen=YES\npasv_min_port=50000\npasv_max_port=50100\npasv_address=203.0.113.7\n'] as [string, string];

describe('preflight: server, publishing and firewall files to findings', () => {
  it('a passive range wider than what compose publishes: PASV_PORT_OUT_OF_RANGE naming both lines', async () => {
    const { report } = await predict([fixture('vsftpd.conf'), fixture('compose.yml')], { simulate: false });
    expect(report.verdict).toBe('fail');
    const finding = report.findings.find((candidate) => candidate.code === 'PASV_PORT_OUT_OF_RANGE');
    expect(finding?.severity).toBe('error');
    expect(finding?.evidence[0]).toBe('vsftpd.conf:6 pasv_max_port=50100 but compose.yml:8 publishes 50000-50050');
    expect(report.passive.map((span) => `${span.ports.from}-${span.ports.to} ${span.outcome}`)).toEqual(['50000-50050 open', '50051-50100 refused']);
    // vsftpd's remedy is shown (the server read), IIS's is not.
    expect(finding?.remedies.find((remedy) => remedy.product === 'vsftpd')?.shown).not.toBe(false);
    expect(finding?.remedies.find((remedy) => remedy.product === 'IIS')?.shown).toBe(false);
  });

  it('the same range published and a public pasv_address: pass, and the simulated probe passes too', async () => {
    const { report } = await predict([VSFTPD_PUBLIC, fixture('compose-matching.yml')]);
    expect(report.findings.filter((finding) => finding.severity === 'error')).toEqual([]);
    expect(report.verdict).toBe('pass');
    expect(report.simulation?.verdict).toBe('pass');
  });

  it('no pasv_address behind Docker NAT: PASV_ADDRESS_PRIVATE from the files and from the simulated probe', async () => {
    const { report } = await predict([['vsftpd.conf', 'pasv_min_port=50000\npasv_max_port=50100\n'], fixture('compose-matching.yml')]);
    const finding = report.findings.find((candidate) => candidate.code === 'PASV_ADDRESS_PRIVATE');
    expect(finding?.severity).toBe('warning');
    expect(finding?.explanation).toMatch(/curl, FileZilla/);
    expect(report.simulation?.codes).toContain('PASV_ADDRESS_PRIVATE');
    expect(finding?.evidence.some((line) => line.startsWith('simulated: '))).toBe(true);
  });

  it('an inside client does not cross the NAT: no address finding', async () => {
    const { report } = await predict([['vsftpd.conf', 'pasv_min_port=50000\npasv_max_port=50100\n'], fixture('compose-matching.yml')], { client: 'inside', simulate: false });
    expect(report.findings.map((finding) => finding.code)).not.toContain('PASV_ADDRESS_PRIVATE');
  });

  it('an inside client does not cross the edge firewall of a Docker host', async () => {
    const edge = 'table inet filter {\n\tchain forward {\n\t\ttype filter hook forward priority filter; policy drop;\n\t\ttcp dport 21 accept\n\t}\n}\n';
    const files: [string, string][] = [VSFTPD_PUBLIC, fixture('compose-matching.yml'), ['docker-host.nft', edge]];
    const outside = await predict(files, { simulate: false });
    expect(outside.report.passive.map((span) => span.outcome)).toEqual(['blocked']);
    const inside = await predict(files, { simulate: false, client: 'inside' });
    expect(inside.report.passive.map((span) => span.outcome)).toEqual(['open']);
  });

  it('pasv_address=0.0.0.0 is an error; another public address than --public-address a mismatch', async () => {
    const zero = await predict([['vsftpd.conf', 'pasv_min_port=50000\npasv_max_port=50100\npasv_address=0.0.0.0\n'], fixture('compose-matching.yml')], { simulate: false });
    expect(zero.report.findings.find((finding) => finding.code === 'PASV_ADDRESS_PRIVATE')?.severity).toBe('error');
    const other = await predict([VSFTPD_PUBLIC, fixture('compose-matching.yml')], { simulate: false, publicAddress: '198.51.100.200' });
    expect(other.report.findings.find((finding) => finding.code === 'PASV_ADDRESS_MISMATCH')?.evidence).toEqual(['vsftpd.conf:4 pasv_address=203.0.113.7', '--public-address 198.51.100.200']);
  });

  it('a passive range opened only by the FTP helper: plain FTP passes, FTPS is TLS_BREAKS_INSPECTION', async () => {
    const plain = await predict([['vsftpd.conf', 'pasv_min_port=50000\npasv_max_port=50100\n'], fixture('helper-only.nft')]);
    expect(plain.report.verdict).toBe('pass');
    expect(plain.report.simulation?.verdict).toBe('pass');
    const tls = await predict([['vsftpd.conf', 'pasv_min_port=50000\npasv_max_port=50100\nssl_enable=YES\n'], fixture('helper-only.nft')]);
    const finding = tls.report.findings.find((candidate) => candidate.code === 'TLS_BREAKS_INSPECTION');
    expect(finding?.evidence.slice(0, 2)).toEqual(['vsftpd.conf:3 ssl_enable=YES', expect.stringMatching(/^helper-only\.nft:11 \(chain input\) policy drop new connections; only helper-only\.nft:9 tcp dport 21 ct helper set "ftp-standard"/)]);
    expect(tls.report.simulation?.verdict).toBe('fail');
    expect(tls.report.findings.map((candidate) => candidate.code)).not.toContain('TLS_CERTIFICATE_SELF_SIGNED');
  });

  it('half the range open on the server host: the dropped half named with the policy line', async () => {
    const { report } = await predict([['vsftpd.conf', 'pasv_min_port=50000\npasv_max_port=50100\n'], fixture('half-range.nft')], { simulate: false });
    const finding = report.findings.find((candidate) => candidate.code === 'PASV_PORT_OUT_OF_RANGE');
    expect(finding?.evidence).toEqual(['vsftpd.conf:2 pasv_max_port=50100 but 50051-50100 are dropped on the way', '50051-50100: half-range.nft:3 (chain input) policy drop']);
  });

  it('a rule on a set filled at run time makes those ports unknown, said with its line', async () => {
    const nft = 'table inet filter {\n\tset ftp_clients {\n\t\ttype ipv4_addr\n\t}\n\tchain input {\n\t\ttype filter hook input priority filter; policy drop;\n\t\ttcp dport 21 accept\n\t\tip saddr @ftp_clients tcp dport 50000-50100 accept\n\t}\n}\n';
    const { report } = await predict([['vsftpd.conf', 'pasv_min_port=50000\npasv_max_port=50100\n'], ['fw.nft', nft]], { simulate: false });
    expect(report.passive[0]?.outcome).toBe('unknown');
    expect(report.unknown.join('\n')).toMatch(/ports 50000-50100: fw\.nft:8 /);
    expect(report.verdict).toBe('pass');
  });

  it('a DNAT rule in an nftables file publishes like Docker does: unforwarded passive ports refused', async () => {
    const nft = 'table ip nat {\n\tchain prerouting {\n\t\ttype nat hook prerouting priority dstnat; policy accept;\n\t\ttcp dport { 21, 50000-50050 } dnat to 10.0.0.5\n\t}\n}\n';
    const { report } = await predict([['vsftpd.conf', 'pasv_min_port=50000\npasv_max_port=50100\npasv_address=203.0.113.7\n'], ['nat.nft', nft]]);
    expect(report.passive.map((span) => `${span.ports.from}-${span.ports.to} ${span.outcome}`)).toEqual(['50000-50050 open', '50051-50100 refused']);
    expect(report.findings.find((finding) => finding.code === 'PASV_PORT_OUT_OF_RANGE')?.evidence[0]).toBe('vsftpd.conf:2 pasv_max_port=50100 but nat.nft:4 publishes 50000-50050');
    expect(report.control.outcome).toBe('open');
  });

  it('a Kubernetes Service listing two of ten passive ports: the other eight refused, and why a Service falls short', async () => {
    const manifest = [
      'apiVersion: v1',
      'kind: Service',
      'spec:',
      '  type: LoadBalancer',
      '  ports:',
      '    - { port: 21, targetPort: 21 }',
      '    - { port: 30100, targetPort: 30100 }',
      '    - { port: 30101, targetPort: 30101 }',
      '---',
      'apiVersion: v1',
      'kind: Pod',
      'spec:',
      '  containers:',
      '    - image: delfer/alpine-ftp-server',
      '      env:',
      '        - { name: ADDRESS, value: 203.0.113.12 }',
      '        - { name: MIN_PORT, value: "30100" }',
      '        - { name: MAX_PORT, value: "30109" }',
    ].join('\n');
    const { report } = await predict([['ftp.yaml', manifest]], { simulate: false });
    expect(report.passive.map((span) => `${span.ports.from}-${span.ports.to} ${span.outcome}`)).toEqual(['30100-30101 open', '30102-30109 refused']);
    const finding = report.findings.find((candidate) => candidate.code === 'PASV_PORT_OUT_OF_RANGE');
    expect(finding?.evidence[0]).toBe('ftp.yaml:18 - { name: MAX_PORT, value: "30109" } but ftp.yaml:8 publishes 30101');
    expect(finding?.evidence.at(-1)).toMatch(/^ftp\.yaml:6: a Kubernetes Service has no port ranges/);
  });

  it('garethflowers/ftp-server run as its README shows, without PUBLIC_IP: the 227 carries 0.0.0.0 (error), the range is published', async () => {
    const script = 'docker run \\\n\t--detach \\\n\t--env FTP_PASS=123456 \\\n\t--env FTP_USER=user \\\n\t--publish 20-21:20-21/tcp \\\n\t--publish 40000-40009:40000-40009/tcp \\\n\tgarethflowers/ftp-server\n';
    const { report } = await predict([['run.sh', script]]);
    const finding = report.findings.find((candidate) => candidate.code === 'PASV_ADDRESS_PRIVATE');
    expect(finding?.severity).toBe('error');
    expect(finding?.evidence[0]).toBe('run.sh:7 garethflowers/ftp-server without PUBLIC_IP keeps pasv_address=0.0.0.0');
    expect(report.passive.map((span) => span.outcome)).toEqual(['open']);
    expect(JSON.stringify(report)).not.toContain('123456');
  });

  it('the scenario it writes loads with the scenario loader', async () => {
    const { scenario } = await predict([fixture('vsftpd.conf'), fixture('compose.yml'), fixture('half-range.nft')], { simulate: false });
    const loaded = parseScenarioText(stringify(scenario), 'written.yaml');
    expect(loaded.topology.nat?.forward).toEqual(['21', '50000-50050']);
    expect(loaded.topology.server?.pasvRange).toBe('50000-50100');
  });
});
