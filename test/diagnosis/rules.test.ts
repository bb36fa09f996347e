import { describe, expect, it } from 'vitest';
import { diagnose, RULES } from '../../src/diagnosis/index.js';
import { active, codes, find, passive, probe, reply, SERVER } from './fixtures.js';

const refusedWith = (code: number, message: string, extra: Parameters<typeof passive>[1] = {}) =>
  passive('pasv', { replies: [[code, message]], outcome: 'refused-by-server', bytes: 0, ...extra });

describe('rule order', () => {
  it('has unique ids, control first, the catch-all last', () => {
    const ids = RULES.map((rule) => rule.id);
    expect(new Set(ids).size).toBe(ids.length);
    // Nothing is sent without a password; then name resolution, then the connect.
    expect(ids.slice(0, 3)).toEqual(['password-missing', 'control-resolve-failed', 'control-unreachable']);
    expect(ids[ids.length - 1]).toBe('data-transfer-failed');
  });

  it('CONTROL_UNREACHABLE suppresses every data finding', () => {
    const evidence = probe({
      control: { outcome: 'timeout', durationMs: 300 },
      options: { expectRange: { from: 5500, to: 5525 } },
      attempts: [passive('pasv', { connect: 'timeout' }), passive('epsv', { connect: 'refused' })],
    });
    const result = diagnose(evidence);
    expect(codes(result.findings)).toEqual(['CONTROL_UNREACHABLE']);
    const finding = find(result.findings, 'CONTROL_UNREACHABLE');
    expect(finding.title).toContain('Filtered');
    expect(finding.title).toContain(`${SERVER}:21`);
    expect(finding.explanation).toContain('300 ms');
  });

  it('a refused control connection is reported as closed', () => {
    const result = diagnose(probe({ control: { outcome: 'refused', durationMs: 1 }, attempts: [] }));
    expect(find(result.findings, 'CONTROL_UNREACHABLE').title).toMatch(/^Closed/);
  });

  it('TLS_NEGOTIATION_BLOCKED does not hide what the plain twins found', () => {
    const result = diagnose(
      probe({
        tlsMode: 'explicit',
        authTls: { reply: reply(500, 'AUTH not understood'), handshake: 'not-attempted' },
        login: undefined,
        attempts: [passive('pasv', { connect: 'timeout' })],
      }),
    );
    expect(codes(result.findings)).toEqual(['TLS_NEGOTIATION_BLOCKED', 'DATA_CHANNEL_BLOCKED']);
  });

  it('LOGIN_FAILED says when the server wants TLS first', () => {
    const result = diagnose(probe({ login: { passReply: reply(530, 'Non-anonymous sessions must use encryption.'), ok: false }, attempts: [] }));
    expect(find(result.findings, 'LOGIN_FAILED').title).toContain('requires TLS');
  });

  it('a 421 greeting ends the diagnosis', () => {
    const result = diagnose(probe({ greeting: reply(421, 'Too many connections'), attempts: [passive('pasv', { connect: 'timeout' })] }));
    expect(codes(result.findings)).toEqual(['CONTROL_GREETING_FAILED']);
  });
});

describe('DATA_SOURCE_REJECTED recognises each server by its words', () => {
  const table: [string, number, string][] = [
    ['vsftpd', 425, 'Security: Bad IP connecting.'],
    ['pyftpdlib', 425, 'Rejected data connection from foreign address 198.51.100.12:40001.'],
    ['ftp-srv', 550, 'Remote addresses do not match'],
    ['ftp-doctor serve', 425, 'Data connection from another address (198.51.100.12) refused'],
  ];
  for (const [server, code, message] of table) {
    it(`${server}: "${code} ${message}"`, () => {
      // Our reference server marks connections with tokens; a refused one carries none, which is not misrouting.
      const attempt = refusedWith(code, message, { patch: { token: { expected: { port: 50123 }, matches: false } } });
      const result = diagnose(probe({ referenceServer: true, attempts: [attempt] }));
      expect(codes(result.findings)).toEqual(['DATA_SOURCE_REJECTED']);
      const finding = find(result.findings, 'DATA_SOURCE_REJECTED');
      expect(finding.explanation).toContain(server === 'ftp-doctor serve' ? 'ftp-doctor serve' : server);
      expect(finding.evidence).toContain(`< ${code} ${message}`);
    });
  }

  it('is not also reported as DATA_CHANNEL_REFUSED, and an unrelated 425 is not it', () => {
    const result = diagnose(probe({ attempts: [refusedWith(425, "Can't open data connection.")] }));
    expect(codes(result.findings)).toEqual(['DATA_TRANSFER_FAILED']);
  });

  it('ProFTPD/Pure-FTPd silent close is explained, without claiming certainty', () => {
    const result = diagnose(probe({ attempts: [passive('pasv', { replies: [], outcome: 'closed-early', bytes: 0 })] }));
    const finding = find(result.findings, 'DATA_TRANSFER_FAILED');
    expect(finding.explanation).toContain('ProFTPD');
    expect(finding.severity).toBe('error');
  });
});

describe('TLS_SESSION_REUSE_REQUIRED', () => {
  const tls = { tls: true };
  const cases: [string, ReturnType<typeof passive>][] = [
    ['vsftpd 522', refusedWith(522, 'SSL connection failed: session reuse required', tls)],
    ['FileZilla Server 425', refusedWith(425, 'Unable to build data connection: TLS session of data connection not resumed.', tls)],
    [
      'ProFTPD generic 425 after a handshake that did not resume',
      refusedWith(425, 'Unable to build data connection: Operation not permitted', { ...tls, patch: { dataTls: { handshake: 'ok', resumed: false } } }),
    ],
  ];
  for (const [name, attempt] of cases) {
    it(name, () => {
      const result = diagnose(probe({ tlsMode: 'explicit', authTls: { handshake: 'ok' }, attempts: [attempt] }));
      expect(codes(result.findings)).toEqual(['TLS_SESSION_REUSE_REQUIRED']);
    });
  }
  it('a generic refusal after a resumed handshake is not blamed on resumption', () => {
    const attempt = refusedWith(425, 'Unable to build data connection: Operation not permitted', { tls: true });
    const result = diagnose(probe({ tlsMode: 'explicit', authTls: { handshake: 'ok' }, attempts: [attempt] }));
    expect(codes(result.findings)).not.toContain('TLS_SESSION_REUSE_REQUIRED');
  });
});

describe('passive range', () => {
  const range = { from: 5500, to: 5525 };
  it('partial overlap is intermittent and gives the share', () => {
    const evidence = probe({
      options: { expectRange: range },
      passivePorts: [5501, 5502, 50123, 5503, 50200, 5504, 5505, 50300],
      attempts: [passive('pasv', { advertised: `${SERVER}:5501` }), passive('epsv', { advertised: `${SERVER}:50200`, connect: 'timeout' })],
    });
    const result = diagnose(evidence);
    const finding = find(result.findings, 'PASV_PORT_OUT_OF_RANGE');
    expect(finding.severity).toBe('error');
    expect(finding.title).toContain('Intermittent');
    expect(finding.title).toContain('3 of 8');
    expect(finding.title).toContain('38%');
    expect(find(result.findings, 'DATA_CHANNEL_BLOCKED').title).toContain('outside the range the firewall allows (5500-5525)');
  });

  it('ports outside the declared range that got through are a warning', () => {
    const result = diagnose(probe({ options: { expectRange: range }, attempts: [passive('pasv', { advertised: `${SERVER}:6000` })] }));
    expect(result.verdict).toBe('pass');
    expect(find(result.findings, 'PASV_PORT_OUT_OF_RANGE').severity).toBe('warning');
  });

  it('a blocked port inside the expected range blames the firewall rule, not the server', () => {
    const result = diagnose(probe({ options: { expectRange: range }, attempts: [passive('pasv', { advertised: `${SERVER}:5510`, connect: 'timeout' })] }));
    expect(codes(result.findings)).toEqual(['DATA_CHANNEL_BLOCKED']);
    expect(find(result.findings, 'DATA_CHANNEL_BLOCKED').explanation).toContain('inside 5500-5525');
  });

  it('remedies carry the actual range and address', () => {
    const result = diagnose(probe({ options: { expectRange: range }, attempts: [passive('pasv', { advertised: `${SERVER}:50123`, connect: 'timeout' })] }));
    const commands = find(result.findings, 'PASV_PORT_OUT_OF_RANGE').remedies.flatMap((remedy) => remedy.commands ?? []);
    expect(commands.some((command) => command.includes('/lowDataChannelPort:"5500" /highDataChannelPort:"5525"'))).toBe(true);
    expect(commands).toContain('pasv_min_port=5500');
    expect(commands).toContain('PassivePorts 5500 5525');
    expect(commands).toContain('nft insert rule inet filter input tcp dport 5500-5525 accept');
    expect(commands).toContain('iptables -I INPUT -p tcp --dport 5500:5525 -j ACCEPT');
  });
});

describe('passive address', () => {
  it('blocked under the control-peer policy: the explanation says the private address is not the cause', () => {
    const result = diagnose(probe({ attempts: [passive('pasv', { advertised: '10.0.0.5:50123', connect: 'timeout' })] }));
    const blocked = find(result.findings, 'DATA_CHANNEL_BLOCKED');
    expect(blocked.explanation).toContain('10.0.0.5');
    expect(blocked.explanation).toContain('not why');
    expect(find(result.findings, 'PASV_ADDRESS_PRIVATE').severity).toBe('warning');
  });

  it('--expect-address catches a LAN test of a server meant to sit behind NAT', () => {
    const evidence = probe({
      host: '10.0.0.5',
      options: { expectAddress: SERVER },
      attempts: [passive('pasv', { peer: '10.0.0.5' })],
    });
    const finding = find(diagnose(evidence).findings, 'PASV_ADDRESS_PRIVATE');
    expect(finding.severity).toBe('error');
    expect(finding.remedies.flatMap((remedy) => remedy.commands ?? [])).toContain(`pasv_address=${SERVER}`);
  });

  it('a LAN client reaching a NAT server inside, which advertises its public address, is no alarm', () => {
    const result = diagnose(probe({ host: '10.0.0.5', attempts: [passive('pasv', { peer: '10.0.0.5', advertised: `${SERVER}:5500` })] }));
    expect(result.verdict).toBe('pass');
    expect(result.findings.filter((finding) => finding.severity !== 'info')).toEqual([]);
  });

  it('a stale external address against --expect-address is an error even when the control-peer policy hid it', () => {
    const result = diagnose(probe({ options: { expectAddress: SERVER }, attempts: [passive('pasv', { advertised: '198.51.100.77:5500' })] }));
    expect(find(result.findings, 'PASV_ADDRESS_MISMATCH').severity).toBe('error');
  });

  it('titles and evidence name the concrete address and port', () => {
    const result = diagnose(probe({ attempts: [passive('pasv', { advertised: '10.0.0.5:50000', connect: 'timeout' })] }));
    const blocked = find(result.findings, 'DATA_CHANNEL_BLOCKED');
    expect(blocked.title).toContain(`${SERVER}:50000`);
    expect(blocked.evidence).toContain('< 227 Entering Passive Mode (10,0,0,5,195,80)');
    expect(blocked.evidence).toContain(`* connect ${SERVER}:50000: timeout after 300 ms`);
  });
});

describe('mode comparisons', () => {
  it('EPSV refused by the server while PASV works is only a warning', () => {
    const epsv = passive('epsv', { patch: { modeReply: reply(500, "'EPSV': command not understood"), advertised: undefined, dialed: undefined, connect: undefined, transferCommand: undefined, preliminaryReply: undefined, finalReply: undefined, transfer: { outcome: 'not-started', bytes: 0, durationMs: 0 } } });
    const result = diagnose(probe({ attempts: [epsv, passive('pasv')] }));
    expect(result.verdict).toBe('pass');
    expect(find(result.findings, 'EPSV_BLOCKED').severity).toBe('warning');
  });

  it('EPSV dropped on one port while PASV works on another: without --expect-range a partly open range is named as the other explanation', () => {
    const attempts = [passive('epsv', { connect: 'timeout' }), passive('pasv')];
    const unsure = find(diagnose(probe({ attempts })).findings, 'EPSV_BLOCKED');
    expect(unsure.severity).toBe('error');
    expect(unsure.explanation).toMatch(/different ports.*only part of the passive range.*sweep/);
    // Both ports inside the range the user says the firewall allows: the range does not explain it.
    const sure = find(diagnose(probe({ options: { expectRange: { from: 50000, to: 50200 } }, attempts })).findings, 'EPSV_BLOCKED');
    expect(sure.explanation).not.toMatch(/part of the passive range/);
  });

  it('active mode over TLS failing where plain PORT works is TLS_BREAKS_INSPECTION', () => {
    const result = diagnose(probe({ tlsMode: 'explicit', authTls: { handshake: 'ok' }, attempts: [active('port'), active('port', { tls: true, arrived: false })] }));
    expect(codes(result.findings)).toEqual(['TLS_BREAKS_INSPECTION']);
  });

  it('ACTIVE_REJECTED explains a client behind NAT', () => {
    const result = diagnose(probe({ attempts: [active('port', { listen: '192.168.1.20:40001', modeReply: [500, 'Illegal PORT command.'] })] }));
    const finding = find(result.findings, 'ACTIVE_REJECTED');
    expect(finding.explanation).toContain('192.168.1.20');
    expect(finding.explanation).toContain('behind NAT');
  });

  it('ACTIVE_INBOUND_BLOCKED names where we listened', () => {
    const finding = find(diagnose(probe({ attempts: [active('eprt', { arrived: false })] })).findings, 'ACTIVE_INBOUND_BLOCKED');
    expect(finding.title).toContain('198.51.100.10:40001');
    expect(finding.evidence).toContain('* no inbound connection on 198.51.100.10:40001 within 300 ms');
  });
});

describe('reference-server evidence', () => {
  it('a NAT helper rewriting the address of a working connection is only information', () => {
    const attempt = passive('pasv', { advertised: `${SERVER}:5500`, patch: { sentByServer: { host: '10.0.0.5', port: 5500 } } });
    const result = diagnose(probe({ referenceServer: true, attempts: [attempt] }));
    expect(result.verdict).toBe('pass');
    expect(find(result.findings, 'PASV_REWRITTEN_IN_TRANSIT').severity).toBe('info');
  });

  it('rewrite evidence is ignored unless our reference server is the peer', () => {
    const attempt = passive('pasv', { advertised: `${SERVER}:5599`, connect: 'timeout', patch: { sentByServer: { host: SERVER, port: 5500 } } });
    expect(codes(diagnose(probe({ attempts: [attempt] })).findings)).toEqual(['DATA_CHANNEL_BLOCKED']);
  });

  it('an unusable 227 is reported on its own', () => {
    const attempt = passive('pasv', { patch: { modeReply: reply(227, 'Entering Passive Mode (10,0,0,5,300,1)'), parseError: '227 reply: value over 255 in 10,0,0,5,300,1', advertised: undefined, dialed: undefined, connect: undefined, transferCommand: undefined, preliminaryReply: undefined, finalReply: undefined, transfer: { outcome: 'not-started', bytes: 0, durationMs: 0 } } });
    expect(codes(diagnose(probe({ attempts: [attempt] })).findings)).toEqual(['PASSIVE_REPLY_UNUSABLE']);
  });
});

describe('certificates', () => {
  const table: [string, string][] = [
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'TLS_CERTIFICATE_SELF_SIGNED'],
    ['SELF_SIGNED_CERT_IN_CHAIN', 'TLS_CERTIFICATE_SELF_SIGNED'],
    ['CERT_HAS_EXPIRED', 'TLS_CERTIFICATE_EXPIRED'],
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'TLS_CERTIFICATE_NAME_MISMATCH'],
    ['UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'TLS_CERTIFICATE_UNTRUSTED'],
  ];
  for (const [verifyError, code] of table) {
    it(`${verifyError} → ${code}: a warning, an error under strict verification`, () => {
      const evidence = (strictTls: boolean) =>
        probe({ tlsMode: 'explicit', options: { strictTls }, authTls: { handshake: 'ok', certificate: { selfSigned: false, verifyError } }, attempts: [passive('pasv', { tls: true })] });
      expect(find(diagnose(evidence(false)).findings, code).severity).toBe('warning');
      expect(find(diagnose(evidence(true)).findings, code).severity).toBe('error');
    });
  }
  it('a handshake that failed on verification is a certificate error, not a blocked negotiation', () => {
    const result = diagnose(probe({ tlsMode: 'explicit', authTls: { handshake: 'failed', error: 'certificate has expired' }, login: undefined, attempts: [] }));
    expect(codes(result.findings)).toEqual(['TLS_CERTIFICATE_EXPIRED']);
    expect(result.verdict).toBe('fail');
  });
});
