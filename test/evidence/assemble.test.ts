/**
 * The assembler and the rules on passive evidence: sessions written as a log or a capture would
 * see them, with no live-probe fields at all, must get the same finding codes a probe gets.
 */
import { describe, expect, it } from 'vitest';
import { assembleEvidence } from '../../src/evidence/assemble.js';
import type { Endpoint, ObservedEvent, ObservedSession } from '../../src/evidence/observed.js';
import type { SourceDeclaration } from '../../src/evidence/source.js';
import { diagnose } from '../../src/diagnosis/index.js';

const LOG: SourceDeclaration = {
  kind: 'log',
  label: 'client log test.log',
  vantage: 'client',
  controlledExperiment: false,
  referenceServerProof: false,
  packets: false,
  timings: true,
  actedItself: false,
};

const SERVER: Endpoint = { host: '203.0.113.5', port: 21 };

/** Lines of a tiny script: '> CMD', '< 227 text', 'data HOST:PORT OUTCOME', 'note MEANING'. */
function session(...script: string[]): ObservedSession {
  const events: ObservedEvent[] = [{ kind: 'control-connect', at: { source: 'log', file: 'test.log', line: 1 }, server: SERVER, outcome: 'connected' }];
  script.forEach((line, index) => {
    const at = { source: 'log' as const, file: 'test.log', line: index + 2 };
    const t = index * 10;
    if (line.startsWith('> ')) events.push({ kind: 'command', at, t, text: line.slice(2) });
    else if (line.startsWith('< ')) events.push({ kind: 'reply', at, t, code: Number(line.slice(2, 5)), message: line.slice(6) });
    else if (line.startsWith('data ')) {
      const [, target = '', outcome = 'connected'] = line.split(' ');
      const colon = target.lastIndexOf(':');
      events.push({ kind: 'data', at, t, openedBy: 'client', to: { host: target.slice(0, colon), port: Number(target.slice(colon + 1)) }, outcome: outcome as 'connected', waitedMs: 20_000 });
    } else if (line.startsWith('note ')) events.push({ kind: 'note', at, t, text: line, meaning: line.slice(5) as 'data-timeout' });
    else if (line === 'tls control') events.push({ kind: 'tls', at, t, channel: 'control', handshake: 'seen' });
    else if (line.startsWith('from ')) {
      // 'from HOST:PORT to HOST:PORT OUTCOME': a data connection whose opener the source did not say.
      const [, from = '', , to = '', outcome = 'connected'] = line.split(' ');
      const split = (text: string): Endpoint => ({ host: text.slice(0, text.lastIndexOf(':')), port: Number(text.slice(text.lastIndexOf(':') + 1)) });
      events.push({ kind: 'data', at, t, from: split(from), to: split(to), outcome: outcome as 'connected', ended: 'fin' });
    }
  });
  return { id: 'test.log#1', client: { host: '198.51.100.7', port: 40000 }, server: SERVER, events };
}

const LOGIN = ['< 220 ready', '> USER bob', '< 331 password please', '> PASS ****', '< 230 logged in'];
const codes = (s: ObservedSession): string[] => diagnose(assembleEvidence(s, LOG)).findings.map((finding) => finding.code);
const verdict = (s: ObservedSession): string => diagnose(assembleEvidence(s, LOG)).verdict;

describe('assembleEvidence + diagnose on a log-like session', () => {
  it('a healthy passive listing passes', () => {
    const s = session(...LOGIN, '> PASV', '< 227 Entering Passive Mode (203,0,113,5,195,80)', 'data 203.0.113.5:50000 connected', '> LIST', '< 150 here', '< 226 done');
    expect(verdict(s)).toBe('pass');
    const evidence = assembleEvidence(s, LOG);
    expect(evidence.attempts).toHaveLength(1);
    expect(evidence.attempts[0]?.transfer.outcome).toBe('complete');
    expect(evidence.attempts[0]?.seenAt?.command).toEqual({ source: 'log', file: 'test.log', line: 7 });
    expect(evidence.options).toBeUndefined();
    expect(evidence.control?.outcome).toBe('connected');
  });

  it('an unanswered data SYN to the advertised public address is DATA_CHANNEL_BLOCKED', () => {
    const s = session(...LOGIN, '> PASV', '< 227 Entering Passive Mode (203,0,113,5,195,80)', 'data 203.0.113.5:50000 no-answer', '> LIST', 'note data-timeout');
    expect(codes(s)).toContain('DATA_CHANNEL_BLOCKED');
    expect(verdict(s)).toBe('fail');
  });

  it('a reset data connection is DATA_CHANNEL_REFUSED', () => {
    expect(codes(session(...LOGIN, '> EPSV', '< 229 Entering Extended Passive Mode (|||50000|)', 'data 203.0.113.5:50000 refused', '> LIST'))).toContain('DATA_CHANNEL_REFUSED');
  });

  it('a private 227 address unlike the control peer is PASV_ADDRESS_PRIVATE', () => {
    const s = session(...LOGIN, '> PASV', '< 227 Entering Passive Mode (192,168,1,10,195,80)', 'data 192.168.1.10:50000 no-answer', '> MLSD', 'note data-timeout');
    expect(codes(s)).toContain('PASV_ADDRESS_PRIVATE');
  });

  it('a refused login is LOGIN_FAILED, not a data-channel fault', () => {
    const s = session('< 220 ready', '> USER bob', '< 331 password please', '> PASS ****', '< 530 Login incorrect.');
    expect(codes(s)).toContain('LOGIN_FAILED');
    expect(codes(s).some((code) => code.startsWith('DATA_'))).toBe(false);
  });

  it("vsftpd's 425 Security: Bad IP connecting is DATA_SOURCE_REJECTED", () => {
    const s = session(...LOGIN, '> PASV', '< 227 Entering Passive Mode (203,0,113,5,195,80)', 'data 203.0.113.5:50000 connected', '> LIST', '< 425 Security: Bad IP connecting.');
    expect(codes(s)).toContain('DATA_SOURCE_REJECTED');
  });

  it('522 session reuse required over TLS is TLS_SESSION_REUSE_REQUIRED', () => {
    const s = session('< 220 ready', '> AUTH TLS', '< 234 go', ...LOGIN.slice(1), '> PBSZ 0', '< 200 ok', '> PROT P', '< 200 ok', '> PASV', '< 227 Entering Passive Mode (203,0,113,5,195,80)', 'data 203.0.113.5:50000 connected', '> LIST', '< 150 here', '< 522 SSL connection failed: session reuse required');
    expect(codes(s)).toContain('TLS_SESSION_REUSE_REQUIRED');
  });

  it('a client log that ends after a 227 keeps the attempt as unfinished: not observed is neither failed nor a silent pass (a warning)', () => {
    const s = session(...LOGIN, '> PASV', '< 227 Entering Passive Mode (203,0,113,5,195,80)');
    const attempts = assembleEvidence(s, LOG).attempts;
    expect(attempts.map((attempt) => attempt.unfinished?.what)).toEqual(['never started in what the log shows']);
    expect(attempts[0]?.connect).toBeUndefined();
    expect(verdict(s)).toBe('pass');
  });

  it('AUTH TLS refused, then AUTH SSL accepted (FileZilla, curl): a TLS session, no clear-text fallback', () => {
    const evidence = assembleEvidence(session('< 220 ready', '> AUTH TLS', '< 500 unknown', '> AUTH SSL', '< 234 go', ...LOGIN.slice(1)), LOG);
    expect(evidence.tlsMode).toBe('explicit');
    expect(evidence.authTls?.handshake).toBe('ok');
  });

  it('AUTH TLS refused and the client went on to log in in clear text: a clear-text session whatever the login did; one that quit keeps the refusal', () => {
    expect(assembleEvidence(session('< 220 ready', '> AUTH TLS', '< 530 no', '> USER bob', '< 331 pw', '> PASS ****', '< 530 Login incorrect.'), LOG).tlsMode).toBe('none');
    expect(assembleEvidence(session('< 220 ready', '> AUTH TLS', '< 502 no', '> USER bob', '< 421 bye'), LOG).tlsMode).toBe('none');
    expect(assembleEvidence(session('< 220 ready', '> AUTH TLS', '< 502 no', '> QUIT', '< 221 bye'), LOG).tlsMode).toBe('explicit');
    // FEAT before giving up is no fallback: a client that requires TLS may ask it first.
    expect(assembleEvidence(session('< 220 ready', '> AUTH TLS', '< 502 no', '> FEAT', '< 211 end', '> QUIT', '< 221 bye'), LOG).tlsMode).toBe('explicit');
  });

  it('encrypted control: the data connection names no mode command, only the direction it took and why', () => {
    const [passive, active] = assembleEvidence(
      session('< 220 ready', '> AUTH TLS', '< 234 go', 'tls control', 'from 198.51.100.7:40001 to 203.0.113.5:50000 connected', 'from 203.0.113.5:20 to 198.51.100.7:40002 connected'),
      LOG,
    ).attempts;
    expect(passive).toMatchObject({ mode: 'pasv', modeHiddenByTls: { inferred: 'passive', why: "the client opened it to the server's port 50000" }, dialed: { host: '203.0.113.5', port: 50000 } });
    expect(passive?.advertised).toBeUndefined();
    expect(active).toMatchObject({ mode: 'port', modeHiddenByTls: { inferred: 'active', why: 'the server opened it from its port 20' } });
    expect(passive?.command).not.toMatch(/PASV|EPSV/);
  });

  it('the rules run on a hand-built record with no live-probe fields at all', () => {
    const evidence = { source: LOG, attempts: [] };
    expect(diagnose(evidence)).toEqual({ verdict: 'pass', findings: [] });
  });
});
