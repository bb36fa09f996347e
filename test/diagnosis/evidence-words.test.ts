/**
 * Findings that say what the evidence shows, from fixtures: a private PORT/EPRT address (a client
 * behind its own NAT), servers' own words for "no TLS here" and "TLS first", and what --samples
 * asked for against what was seen.
 */
import { describe, expect, it } from 'vitest';
import { diagnose } from '../../src/diagnosis/index.js';
import { active, find, passive, probe, reply } from './fixtures.js';

const allText = (finding: { title: string; explanation: string; remedies: { text: string; commands?: string[] }[] }): string =>
  [finding.title, finding.explanation, ...finding.remedies.flatMap((remedy) => [remedy.text, ...(remedy.commands ?? [])])].join('\n');

describe('a PORT/EPRT carrying a private address the server cannot reach', () => {
  it('ACTIVE_INBOUND_BLOCKED names the private address and does not ask the server for active mode', () => {
    const finding = find(diagnose(probe({ attempts: [active('port', { listen: '192.168.1.20:40001', arrived: false })] })).findings, 'ACTIVE_INBOUND_BLOCKED');
    expect(finding.title).toContain('private address 192.168.1.20');
    expect(finding.explanation).toMatch(/behind NAT/);
    expect(finding.evidence.join('\n')).toContain('* PORT address sent: 192.168.1.20 (private)');
    const text = allText(finding);
    expect(text).not.toMatch(/port_enable|connect_from_port_20|AllowForeignAddress|Allow active mode/);
    expect(text).toMatch(/passive mode/i);
  });

  it('ACTIVE_REJECTED names it too, and its remedies are the client\'s, not "allow active mode"', () => {
    const finding = find(diagnose(probe({ attempts: [active('eprt', { listen: '10.9.8.7:40001', modeReply: [500, 'Illegal EPRT command.'] })] })).findings, 'ACTIVE_REJECTED');
    expect(finding.title).toContain('private address 10.9.8.7');
    expect(allText(finding)).not.toMatch(/port_enable=YES|Allow active mode/);
  });

  it('a private address on the server\'s own LAN is not called a NAT problem', () => {
    const evidence = probe({ host: '192.168.1.5', attempts: [active('port', { listen: '192.168.1.20:40001', arrived: false })] });
    const finding = find(diagnose(evidence).findings, 'ACTIVE_INBOUND_BLOCKED');
    expect(finding.title).not.toMatch(/private/);
  });
});

describe('servers\' own words', () => {
  it('Pure-FTPd "500 This security scheme is not implemented" is Pure-FTPd without TLS, with its remedy', () => {
    const evidence = probe({ tlsMode: 'explicit', greeting: reply(220, 'FTP'), authTls: { reply: reply(500, 'This security scheme is not implemented'), handshake: 'not-attempted' }, login: undefined, attempts: [] });
    const finding = find(diagnose(evidence).findings, 'TLS_NEGOTIATION_BLOCKED');
    expect(finding.title).toMatch(/Pure-FTPd running without TLS/);
    expect(finding.explanation).toMatch(/not a firewall/);
    expect(finding.remedies.find((remedy) => remedy.product === 'Pure-FTPd')?.commands?.join(' ')).toMatch(/--tls=1/);
    expect(finding.remedies.map((remedy) => remedy.product)).not.toContain('Windows Firewall');
  });

  it.each([
    ['vsftpd', '530 Non-anonymous sessions must use encryption.', 'vsftpd'],
    ['IIS', '534 Policy requires SSL.', 'IIS'],
    ['ProFTPD', '550 SSL/TLS required on the control channel', 'ProFTPD'],
  ])('%s refusing a clear-text login says use ftpes://', (_name, text, product) => {
    const [code, ...words] = text.split(' ');
    const evidence = probe({ login: { userReply: reply(Number(code), words.join(' ')), ok: false }, attempts: [] });
    const finding = find(diagnose(evidence).findings, 'LOGIN_FAILED');
    expect(finding.title).toMatch(/requires TLS before login/);
    expect(finding.remedies[0]?.text).toMatch(/ftpes:\/\//);
    expect(finding.remedies.map((remedy) => remedy.product)).toContain(product);
  });
});

describe('--samples: what was asked and what was seen', () => {
  it('says 10 asked of EPSV and PASV, 20 replies, and 2 more from the data sessions — not "22 samples"', () => {
    const sampled = Array.from({ length: 20 }, (_, index) => 40000 + index);
    const attempts = [passive('pasv', { advertised: '203.0.113.10:40020', connect: 'timeout' }), passive('epsv', { advertised: '203.0.113.10:40021', connect: 'timeout' })];
    const evidence = probe({
      options: { expectRange: { from: 5500, to: 5525 } },
      attempts,
      passivePorts: [...sampled, 40020, 40021],
      samples: { asked: 10, modes: ['epsv', 'pasv'], replies: 20 },
    });
    const finding = find(diagnose(evidence).findings, 'PASV_PORT_OUT_OF_RANGE');
    const text = allText(finding);
    expect(text).toContain('22 passive replies (--samples 10: 20 replies to EPSV and PASV, plus 2 from the data sessions)');
    expect(text).not.toMatch(/22 samples/);
  });
});

describe('TLS remedies follow the scheme that was used', () => {
  it('a failed implicit handshake does not advise "try implicit TLS (ftps://)"', () => {
    const evidence = probe({ tlsMode: 'implicit', port: 990, greeting: undefined, authTls: { handshake: 'reset', error: 'ECONNRESET' }, login: undefined, attempts: [] });
    const finding = find(diagnose(evidence).findings, 'TLS_NEGOTIATION_BLOCKED');
    const client = finding.remedies.find((remedy) => remedy.product === 'Client');
    expect(client?.text).toMatch(/ftpes:\/\//);
    expect(client?.text).not.toMatch(/try implicit TLS/);
  });
});
