/** Pure parts of the log readers: masking, the session builder, times, FileZilla's structure, firewall prefixes, matching. */
import { afterEach, describe, expect, it } from 'vitest';
import type { ObservedSession } from '../../src/evidence/observed.js';
import type { SourceReading } from '../../src/evidence/source.js';
import { FILEZILLA_LINE } from '../../src/logs/clients/filezilla.js';
import { firewallMeaning, firewallPrefix } from '../../src/logs/firewall.js';
import { dataAddressOf, setBounded } from '../../src/logs/items.js';
import { longestCommonSubsequence, matchSessions } from '../../src/logs/match.js';
import { redactCommand, redactText } from '../../src/logs/redact.js';
import { SessionBuilder } from '../../src/logs/session-builder.js';
import { parseClfTime, parseCtime, parseIsoLike, parseSyslogTime } from '../../src/logs/time.js';
import { forgetSecrets, redactSecrets } from '../../src/report/secrets.js';
import { events } from './helpers.js';

afterEach(() => forgetSecrets());

describe('passwords', () => {
  it.each([
    ['PASS hunter2', 'PASS ****'],
    ['pass  hunter2 with spaces', 'PASS ****'],
    ['PASS', 'PASS'],
    ['PASS ********', 'PASS ****'],
    ['ACCT secretacct', 'ACCT ****'],
    ['USER bob', 'USER bob'],
  ])('%s → %s', (line, stored) => {
    expect(redactCommand(line)).toBe(stored);
  });

  it('a PASS seen is remembered: the server quoting it back later is redacted, in the log and in any other output', () => {
    redactCommand('PASS s3cret-pw');
    expect(redactText('530 Login incorrect for password s3cret-pw')).not.toContain('s3cret-pw');
    expect(redactSecrets('echo s3cret-pw')).not.toContain('s3cret-pw');
  });

  it('a password in an ftp:// URL is masked and remembered', () => {
    expect(redactText('curl ftp://bob:pa55word@ftp.example.com/x')).toBe('curl ftp://bob:****@ftp.example.com/x');
    expect(redactSecrets('pa55word')).not.toContain('pa55word');
  });

  it('the builder masks a PASS and a later echo of it (the raw line is never stored)', () => {
    const builder = new SessionBuilder('x.log', 'x.log');
    builder.add({ items: [{ type: 'command', text: 'PASS tiger-lily' }] }, 1);
    builder.add({ items: [{ type: 'reply-line', text: '530 bad password tiger-lily' }] }, 2);
    const text = JSON.stringify(builder.finish());
    expect(text).not.toContain('tiger-lily');
    expect(text).toContain('PASS ****');
  });
});

describe('session builder', () => {
  function build(lines: Parameters<SessionBuilder['add']>[0][]): ObservedSession[] {
    const builder = new SessionBuilder('c.log', 'c.log');
    lines.forEach((line, index) => builder.add(line, index + 1));
    return builder.finish();
  }

  it('joins a multi-line reply and gives it the line of its first line', () => {
    const [session] = build([
      { items: [{ type: 'reply-line', text: '211-Features:' }] },
      { items: [{ type: 'reply-line', text: ' EPSV' }] },
      { items: [{ type: 'reply-line', text: '211 End' }] },
    ]);
    expect(events(session, 'reply')).toMatchObject([{ code: 211, message: 'Features:\n EPSV\nEnd', at: { line: 1 } }]);
  });

  it('a connect before any command is the control connection, after one a data connection; one attempt logged twice is one', () => {
    const [session] = build([
      { items: [{ type: 'connect', to: { host: '10.0.0.5', port: 21 } }] },
      { items: [{ type: 'reply-line', text: '220 hi' }] },
      { items: [{ type: 'command', text: 'PASV' }] },
      { items: [{ type: 'reply-line', text: '227 Entering Passive Mode (10,0,0,5,4,1)' }] },
      { items: [{ type: 'connect', role: 'data', to: { host: '10.0.0.5', port: 1025 } }] },
      { items: [{ type: 'connect', to: { host: '10.0.0.5', port: 1025 } }] },
      { items: [{ type: 'note', meaning: 'data-timeout', text: 'Connection timed out after 20000 milliseconds' }] },
    ]);
    expect(events(session, 'control-connect')).toMatchObject([{ outcome: 'connected', server: { port: 21 } }]);
    expect(events(session, 'data')).toMatchObject([{ to: { port: 1025 }, outcome: 'no-answer', at: { line: 5 } }]);
  });

  it('a transfer that completed had its data connection; a new control connection starts a new session', () => {
    const sessions = build([
      { items: [{ type: 'connect', to: { host: 'h', port: 21 } }] },
      { items: [{ type: 'reply-line', text: '220 hi' }] },
      { items: [{ type: 'connect', role: 'data', to: { host: 'h', port: 2000 } }] },
      { items: [{ type: 'command', text: 'LIST' }] },
      { items: [{ type: 'reply-line', text: '150 here' }] },
      { items: [{ type: 'reply-line', text: '226 done' }] },
      { items: [{ type: 'connect', role: 'control', to: { host: 'h', port: 21 } }] },
      { items: [{ type: 'reply-line', text: '220 again' }] },
    ]);
    expect(sessions).toHaveLength(2);
    expect(events(sessions[0], 'data')[0]?.outcome).toBe('connected');
    expect(sessions.map((s) => s.id)).toEqual(['c.log#1', 'c.log#2']);
  });

  it('times become ms since the session began and ISO times in the provenance', () => {
    const t0 = parseIsoLike('2024-01-05 10:11:12.000')!;
    const t1 = parseIsoLike('2024-01-05 10:11:32.500')!;
    const [session] = build([
      { time: t0, items: [{ type: 'command', text: 'MLSD' }] },
      { time: t1, items: [{ type: 'note', meaning: 'data-timeout', text: 'timed out' }] },
    ]);
    expect(session?.events.map((e) => e.t)).toEqual([0, 20500]);
    expect(session?.events[1]?.at).toEqual({ source: 'log', file: 'c.log', line: 2, time: '2024-01-05T10:11:32.500' });
  });
});

describe('times', () => {
  it.each([
    [parseCtime('Sat Dec  5 04:59:56 2026 [pid 1]'), '2026-12-05T04:59:56'],
    [parseSyslogTime('Dec  5 10:20:02 host kernel:', 2026), '2026-12-05T10:20:02'],
    [parseSyslogTime('2026-12-05T10:20:06.123456+00:00 host kernel:', 2026), '2026-12-05T10:20:06.123'],
    [parseClfTime('1.2.3.4 UNKNOWN - [05/Dec/2026:10:20:01 +0000] "USER x"'), '2026-12-05T10:20:01'],
    [parseIsoLike('2024-01-05 10:11:12', true), '2024-01-05T10:11:12Z'],
  ])('%o → %s', (time, iso) => {
    expect(time?.iso).toBe(iso);
  });

  it('impossible dates are no time', () => {
    expect(parseIsoLike('2024-13-45 99:99:99')).toBeUndefined();
  });
});

describe('FileZilla: the structure of a line in any language', () => {
  it.each([
    ['Status:\tConnecting to 1.2.3.4:21...', 'Status', 'Connecting to 1.2.3.4:21...'],
    ['Statut :\tConnexion à 1.2.3.4:21...', 'Statut', 'Connexion à 1.2.3.4:21...'],
    ['状态:\t正在连接 1.2.3.4:21...', '状态', '正在连接 1.2.3.4:21...'],
    ['命令：PASV', '命令', 'PASV'],
    ['Команда:\tPASV', 'Команда', 'PASV'],
    ['2024-03-11 14:02:02 4188 1 Response: 227 Entering Passive Mode (10,0,0,5,195,80).', 'Response', '227 Entering Passive Mode (10,0,0,5,195,80).'],
    ['14:02:02\tAntwort:\t227 Entering Passive Mode (10,0,0,5,195,80).', 'Antwort', '227 Entering Passive Mode (10,0,0,5,195,80).'],
  ])('%s', (line, label, content) => {
    const m = FILEZILLA_LINE.exec(line);
    expect([m?.[3], m?.[4]?.trim()]).toEqual([label, content]);
  });
});

describe('firewall prefixes', () => {
  it.each([
    ['Dec  5 10:20:02 h kernel: [18233.551230] [UFW BLOCK] IN=eth0 OUT= SRC=1.2.3.4', '[UFW BLOCK]', 'firewall-drop'],
    ['Dec  5 10:20:02 h kernel: [UFW ALLOW] IN=eth0 OUT= SRC=1.2.3.4', '[UFW ALLOW]', undefined],
    ['Dec  5 10:20:02 h kernel: FINAL_REJECT: IN=eth0 OUT= SRC=1.2.3.4', 'FINAL_REJECT:', 'firewall-reject'],
    ['Dec  5 10:20:02 h kernel: filter_IN_public_DROP: IN=eth0 OUT= SRC=1.2.3.4', 'filter_IN_public_DROP:', 'firewall-drop'],
    ['[ 1234.5] IN=eth0 OUT= SRC=1.2.3.4', '', 'firewall-drop'],
  ])('%s', (line, prefix, meaning) => {
    expect(firewallPrefix(line)).toBe(prefix);
    expect(firewallMeaning(firewallPrefix(line))).toBe(meaning);
  });
});

describe('bounded parser state', () => {
  it('setBounded forgets the oldest key past the limit, and a key set again is young', () => {
    const map = new Map<string, number>();
    for (let i = 0; i < 5; i += 1) setBounded(map, `k${i}`, i, 3);
    expect([...map.keys()]).toEqual(['k2', 'k3', 'k4']);
    setBounded(map, 'k2', 9, 3);
    setBounded(map, 'k5', 5, 3);
    expect([...map.entries()]).toEqual([['k4', 4], ['k2', 9], ['k5', 5]]);
  });
});

describe('data addresses', () => {
  it.each([
    ['227 Entering Passive Mode (10,0,0,5,195,80).', { host: '10.0.0.5', port: 50000 }],
    ['229 Entering Extended Passive Mode (|||50001|)', { host: '', port: 50001 }],
    ['PORT 192,168,2,33,201,17', { host: '192.168.2.33', port: 51473 }],
    ['EPRT |1|192.168.2.33|51473|', { host: '192.168.2.33', port: 51473 }],
    ['200 ok', undefined],
  ])('%s', (text, address) => {
    expect(dataAddressOf(text)).toEqual(address);
  });
});

describe('matchSessions', () => {
  const session = (id: string, verbs: string[], extra: Partial<ObservedSession> = {}, time?: (i: number) => string): ObservedSession => ({
    id,
    events: verbs.map((text, i) => ({ kind: 'command', text, at: { source: 'log', file: id, line: i + 1, ...(time ? { time: time(i) } : {}) } })),
    ...extra,
  });
  const reading = (file: string, sessions: ObservedSession[]): SourceReading => ({
    file,
    format: 'x',
    source: { kind: 'log', label: file, vantage: 'client', controlledExperiment: false, referenceServerProof: false, packets: false, timings: false, actedItself: false },
    sessions,
    limits: [],
  });

  it('1,000 × 1,000 sessions: at most MAX_PAIRS_COMPARED pairs are compared, and the first sessions still pair', () => {
    const many = (file: string) => reading(file, Array.from({ length: 1000 }, (_, i) => session(`${file}#${i}`, ['USER', 'PASS', i % 2 ? 'PASV' : 'EPSV', 'LIST'])));
    const groups = matchSessions([many('a.log'), many('b.log')]);
    expect(groups.length).toBeGreaterThan(0);
    expect(groups.length).toBeLessThanOrEqual(1000);
  });

  it('LCS counts commands in order', () => {
    expect(longestCommonSubsequence(['USER', 'PASS', 'PASV', 'LIST'], ['FEAT', 'USER', 'PASS', 'EPSV', 'PASV', 'LIST'])).toBe(4);
  });

  it('pairs the client session with the server session of the same commands, not the other one', () => {
    const client = reading('client.log', [session('c#1', ['USER', 'PASS', 'PWD', 'PASV', 'MLSD'])]);
    const server = reading('server.log', [
      session('s#a', ['USER', 'PASS', 'SYST', 'QUIT']),
      session('s#b', ['USER', 'PASS', 'PWD', 'PASV', 'MLSD']),
    ]);
    expect(matchSessions([client, server])).toMatchObject([{ sessions: [{ file: 'client.log', id: 'c#1' }, { file: 'server.log', id: 's#b' }] }]);
  });

  it('times far apart keep identical command lists apart; the same client port brings them together', () => {
    const at = (base: number) => (i: number) => new Date(Date.UTC(2024, 0, 5, 10, base, i)).toISOString().slice(0, 19);
    const verbs = ['USER', 'PASS', 'PASV', 'LIST'];
    const client = reading('client.log', [session('c#1', verbs, {}, at(0))]);
    const early = reading('server.log', [session('s#1', verbs, {}, at(37))]);
    expect(matchSessions([client, early])).toEqual([]);
    const withPort = reading('client.log', [session('c#1', verbs, { client: { host: '192.168.1.5', port: 50512 } }, at(0))]);
    const serverPort = reading('server.log', [session('s#1', verbs, { client: { host: '203.0.113.9', port: 50512 } }, at(37))]);
    expect(matchSessions([withPort, serverPort])).toHaveLength(1);
  });

  it('a server an hour off by its time zone is still at the same time', () => {
    const at = (base: number) => (i: number) => new Date(Date.UTC(2024, 0, 5, 10, base, i)).toISOString().slice(0, 19);
    const verbs = ['USER', 'PASS', 'PASV', 'LIST'];
    const [match] = matchSessions([reading('client.log', [session('c#1', verbs, {}, at(0))]), reading('server.log', [session('s#1', verbs, {}, at(60))])]);
    expect(match?.why).toContain("at the same time, 1 h apart by the hosts' time zones");
  });
});
