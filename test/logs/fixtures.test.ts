/**
 * Every committed log fixture (test/fixtures/logs/README.md says where each came from) is detected
 * as its format and read into the sessions and events that matter to the diagnosis.
 */
import { describe, expect, it } from 'vitest';
import { allEvents, detectFormat, events, fixture, lineOf, readLog } from './helpers.js';

describe('detection: each fixture is recognised as its own format, above the generic transcript', () => {
  it.each([
    ['curl-epsv-ok.log', 'curl'],
    ['curl-pasv-refused.log', 'curl'],
    ['lftp-private-fixed.log', 'lftp'],
    ['ftplib-ok.log', 'ftplib'],
    ['pyftpdlib-debug.log', 'pyftpdlib'],
    ['vsftpd-protocol.log', 'vsftpd'],
    ['vsftpd-xferlog', 'xferlog'],
    ['filezilla-en-unroutable.log', 'filezilla'],
    ['filezilla-debug-ok.log', 'filezilla'],
    ['filezilla-fr-message-log.txt', 'filezilla'],
    ['filezilla-zh-message-log.txt', 'filezilla'],
    ['filezilla-ru-message-log.txt', 'filezilla'],
    ['winscp-timeout.log', 'winscp'],
    ['iis-ftp-u_ex240105.log', 'iis'],
    ['filezilla-server-0.9.log', 'filezilla-server'],
    ['filezilla-server-1.x.log', 'filezilla-server'],
    ['proftpd-syslog.log', 'proftpd'],
    ['proftpd-system-real.log', 'proftpd'],
    ['proftpd-extended.log', 'proftpd'],
    ['pure-ftpd-syslog.log', 'pure-ftpd'],
    ['fluentftp.log', 'fluentftp'],
    ['fluentftp-masked.log', 'fluentftp'],
    ['windows-ftp-d.log', 'ftp-d'],
    ['ufw-kern.log', 'firewall'],
    ['serve-json.log', 'json-lines'],
    ['curl-epsv-timeout.log', 'curl'],
    // serve's default text log is no JSON: its own format, never labelled json-lines.
    ['serve-text-epsv-dropped.log', 'serve-text'],
    ['serve-text-ok.log', 'serve-text'],
  ])('%s → %s', (name, format) => {
    expect(detectFormat(fixture(name)).format).toBe(format);
  });
});

describe('client logs (real producers)', () => {
  it('curl -v, PASV to a port nothing listens on: the data attempt to that port, refused; PASS masked', async () => {
    const reading = await readLog(fixture('curl-pasv-refused.log'));
    expect(reading.source.vantage).toBe('client');
    const [session] = reading.sessions;
    expect(events(session, 'control-connect')[0]).toMatchObject({ outcome: 'connected', server: { host: '127.0.0.1', port: 2131 } });
    expect(events(session, 'command').map((c) => c.text)).toEqual(['USER bob', 'PASS ****', 'PWD', 'PASV']);
    const [data] = events(session, 'data');
    expect(data).toMatchObject({ to: { host: '127.0.0.1', port: 55199 }, outcome: 'refused', openedBy: 'client' });
    expect(lineOf(data!)).toBe(17); // "Trying 127.0.0.1:55199...": where curl dials (line 16 only announces it)
    expect(JSON.stringify(reading)).not.toContain('pw123456');
  });

  it('curl -v --connect-timeout 5, EPSV port dropped: one attempt, no-answer after 5000 ms; the PASV port curl announced but never dialled is no attempt', async () => {
    const reading = await readLog(fixture('curl-epsv-timeout.log'));
    const [session] = reading.sessions;
    expect(events(session, 'data')).toMatchObject([{ to: { host: '127.0.0.1', port: 42031 }, outcome: 'no-answer', waitedMs: 5000, openedBy: 'client' }]);
    expect(events(session, 'note').map((n) => n.meaning)).toEqual(['data-timeout', 'other', 'other']);
    expect(events(session, 'note').at(-1)?.text).toMatch(/gave up before dialling 127\.0\.0\.1:42032/);
  });

  it('curl -v, EPSV download: control and data connections connected, the progress meter cut off', async () => {
    const reading = await readLog(fixture('curl-epsv-ok.log'));
    const [session] = reading.sessions;
    expect(events(session, 'control-connect')[0]?.outcome).toBe('connected');
    expect(events(session, 'data')).toMatchObject([{ to: { host: '127.0.0.1', port: 44667 }, outcome: 'connected' }]);
    expect(events(session, 'reply').map((r) => r.code)).toEqual([220, 331, 230, 257, 229, 200, 213, 125, 226]);
    expect(JSON.stringify(reading)).not.toContain('s3cretpw');
  });

  it('lftp debug, a private 227 address: the 227, lftp replacing the address, the attempt to the replacement refused', async () => {
    const reading = await readLog(fixture('lftp-private-fixed.log'));
    const [session] = reading.sessions;
    expect(events(session, 'reply').find((r) => r.code === 227)?.message).toContain('10,255,255,1');
    expect(events(session, 'note').map((n) => n.meaning)).toContain('unroutable-replaced');
    expect(events(session, 'data')).toMatchObject([{ to: { host: '127.0.0.1', port: 50000 }, outcome: 'refused' }]);
  });

  it('ftplib set_debuglevel(2): *cmd*/*resp* read once (not *put*/*get*), the data connection after the 227 connected', async () => {
    const reading = await readLog(fixture('ftplib-ok.log'));
    const [session] = reading.sessions;
    expect(events(session, 'command').map((c) => c.text)).toEqual(['USER alice', 'PASS ****', 'TYPE A', 'PASV', 'LIST', 'QUIT']);
    expect(events(session, 'data')).toMatchObject([{ to: { host: '127.0.0.1', port: 46939 }, outcome: 'connected' }]);
  });
});

describe('client logs (written from documented formats)', () => {
  it.each(['filezilla-en-unroutable.log', 'filezilla-fr-message-log.txt', 'filezilla-zh-message-log.txt', 'filezilla-ru-message-log.txt'])(
    'FileZilla %s: commands and replies by structure in any language, the unroutable-address message and the timeout after MLSD',
    async (name) => {
      const reading = await readLog(fixture(name));
      expect(reading.sessions).toHaveLength(1);
      const [session] = reading.sessions;
      const commands = events(session, 'command').map((c) => c.text);
      expect(commands).toContain('PASV');
      expect(commands.at(-1)).toBe('MLSD');
      expect(commands.filter((c) => c.startsWith('PASS'))).toEqual(['PASS ****']);
      expect(events(session, 'reply').find((r) => r.code === 227)).toBeDefined();
      expect(events(session, 'control-connect')[0]?.server?.port).toBe(21);
      const notes = events(session, 'note');
      expect(notes.map((n) => n.meaning)).toEqual(['unroutable-replaced', 'data-timeout']);
    },
  );

  it('FileZilla debug log: the data connection from its Trace lines, connected; Trace lines are neither commands nor replies', async () => {
    const reading = await readLog(fixture('filezilla-debug-ok.log'));
    const [session] = reading.sessions;
    expect(events(session, 'command').map((c) => c.text)).toEqual(['USER martin', 'PASS ****', 'PWD', 'TYPE I', 'PASV', 'MLSD']);
    expect(events(session, 'data')).toMatchObject([{ to: { host: '203.0.113.5', port: 40000 }, outcome: 'connected', at: { line: 23 } }]);
    expect(events(session, 'note')).toEqual([]);
  });

  it('a generic transcript: a timeout after a transfer command is the data connection\'s', async () => {
    const { genericTranscriptReader } = await import('../../src/logs/clients/generic.js');
    const { writeFile, mkdtemp, rm } = await import('node:fs/promises');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const directory = await mkdtemp(join(tmpdir(), 'ftp-doctor-generic-'));
    try {
      const file = join(directory, 'paste.txt');
      await writeFile(file, ['C: USER bob', 'S: 331 ok', 'C: PASV', 'S: 227 Entering Passive Mode (10,0,0,5,195,80)', 'C: LIST', 'ftp: connection timed out'].join('\n'));
      const reading = await genericTranscriptReader.read(file, {});
      expect(reading.sessions[0]?.events.map((e) => (e.kind === 'note' ? e.meaning : e.kind))).toEqual(['command', 'reply', 'command', 'reply', 'command', 'data-timeout']);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it('WinSCP: the data connection to the host address, timed out, and the replacement note', async () => {
    const reading = await readLog(fixture('winscp-timeout.log'));
    const [session] = reading.sessions;
    expect(events(session, 'data')).toMatchObject([{ to: { host: '198.51.100.20', port: 10000 }, outcome: 'no-answer', at: { line: 33, time: '2024-05-02T09:15:31.483' } }]);
    expect(events(session, 'note').map((n) => n.meaning)).toEqual(['unroutable-replaced', 'data-timeout']);
    expect(events(session, 'reply').find((r) => r.code === 211)?.message).toBe('Features:\n EPRT\n EPSV\n MDTM\n PASV\nEnd');
  });

  it('FluentFTP: the EPSV data connection timed out', async () => {
    const reading = await readLog(fixture('fluentftp.log'));
    expect(allEvents(reading, 'data')).toMatchObject([{ to: { host: '203.0.113.80', port: 5005 }, outcome: 'no-answer' }]);
    // The host names are in this log: no limit says they are masked.
    expect(reading.limits.join('\n')).not.toContain('***');
  });

  it('FluentFTP with LogHost off: the limit says the host names are masked (only then)', async () => {
    const reading = await readLog(fixture('fluentftp-masked.log'));
    expect(reading.limits.join('\n')).toMatch(/masked the host names in this log as \*\*\*/);
  });

  it('Windows ftp.exe -d: PORT with a private address, then 425; the password typed is masked', async () => {
    const reading = await readLog(fixture('windows-ftp-d.log'));
    const [session] = reading.sessions;
    expect(events(session, 'command').map((c) => c.text)).toEqual(['USER jan', 'PASS ****', 'PORT 192,168,2,33,201,17', 'NLST', 'QUIT']);
    expect(events(session, 'reply').map((r) => r.code)).toEqual([220, 200, 331, 230, 200, 425, 221]);
    expect(JSON.stringify(reading)).not.toContain('s3cr3t-jan');
  });
});

describe('server logs', () => {
  it('vsftpd log_ftp_protocol (real): a session joined across its pre- and post-login processes; a 425 after the private 227', async () => {
    const reading = await readLog(fixture('vsftpd-protocol.log'));
    expect(reading.source.vantage).toBe('server');
    expect(reading.limits.join(' ')).toMatch(/cannot know the address the client dialled/);
    const failed = reading.sessions.find((s) => s.id.endsWith('#pid 26849'));
    expect(events(failed, 'command').map((c) => c.text)).toEqual(['USER anonymous', 'PWD', 'PASV', 'TYPE I', 'SIZE hello.txt', 'RETR hello.txt']);
    expect(events(failed, 'reply').map((r) => r.code)).toEqual([220, 230, 257, 227, 200, 213, 425]);
    expect(events(failed, 'data')).toEqual([]);
    const ok = reading.sessions.find((s) => s.id.endsWith('#pid 27000'));
    expect(events(ok, 'data')).toMatchObject([{ to: { port: 53965 }, outcome: 'connected', bytes: 18, ended: 'fin' }]);
    expect(events(ok, 'data')[0]?.at).toMatchObject({ line: 32, time: '2026-12-05T05:00:01' });
    const refused = reading.sessions.find((s) => s.id.endsWith('#pid 27009'));
    expect(events(refused, 'reply').at(-1)?.code).toBe(530);
  });

  it('pyftpdlib -D (real): one session per client port, PASS masked, the telnet bytes before ABOR dropped', async () => {
    const reading = await readLog(fixture('pyftpdlib-debug.log'));
    expect(reading.sessions.map((s) => s.client?.port)).toEqual([44900, 44904, 44912]);
    const second = reading.sessions[1];
    expect(events(second, 'command').map((c) => c.text)).toContain('ABOR');
    expect(events(second, 'data')).toMatchObject([{ to: { host: '127.0.0.1', port: 47963 }, bytes: 3, ended: 'fin' }]);
  });

  it('xferlog (real vsftpd): one transfer per line, complete or not (the second: the RETR that got its 425)', async () => {
    const reading = await readLog(fixture('vsftpd-xferlog'));
    expect(allEvents(reading, 'note').map((n) => n.text)).toEqual(['download of /hello.txt (18 bytes, 1 s) complete', 'download of /hello.txt (0 bytes, 60 s) incomplete']);
    expect(allEvents(reading, 'data')).toEqual([]);
    // Each is a transfer the diagnosis can read (the mode, not logged, read as passive: said in a limit): the complete one its 226,
    // the incomplete one its transfer command and a data timeout.
    expect(allEvents(reading, 'command').map((c) => c.text)).toEqual(['PASV', 'RETR /hello.txt', 'PASV', 'RETR /hello.txt']);
    expect(allEvents(reading, 'reply').map((r) => r.code)).toEqual([150, 226]);
    expect(allEvents(reading, 'note').map((n) => n.meaning)).toEqual(['other', 'data-timeout']);
    expect(reading.limits.join('\n')).toMatch(/xferlog does not log the data mode/);
  });

  it('IIS W3C: sessions by x-session, reply codes, 10060 on LIST as a data timeout, DataChannelOpened as a connected data connection, UTC times', async () => {
    const reading = await readLog(fixture('iis-ftp-u_ex240105.log'));
    expect(reading.sessions).toHaveLength(2);
    const [first, second] = reading.sessions;
    expect(first?.client).toEqual({ host: '203.0.113.9', port: 50512 });
    // The 227's text is not in IIS's log: a note says so instead of a reply that would read as malformed.
    expect(events(first, 'reply').map((r) => r.code)).toEqual([331, 230, 257, 425, 221]);
    expect(events(first, 'note')).toMatchObject([{ meaning: 'other', text: expect.stringMatching(/^227 \(IIS does not log/) }, { meaning: 'data-timeout', at: { line: 10, time: '2024-01-05T10:11:33Z' } }]);
    expect(events(second, 'data')).toMatchObject([{ from: { host: '198.51.100.20', port: 61002 }, to: { host: '10.0.0.5', port: 5001 }, outcome: 'connected' }]);
    expect(events(second, 'note').map((n) => n.meaning)).toEqual(['other', 'connection-lost']);
  });

  it('FileZilla Server 0.9 and 1.x: commands, replies, the password of 0.9 masked', async () => {
    const old = await readLog(fixture('filezilla-server-0.9.log'));
    expect(events(old.sessions[0], 'command').map((c) => c.text)).toEqual(['USER bob', 'PASS ****', 'PASV', 'MLSD']);
    expect(events(old.sessions[0], 'reply').at(-1)?.code).toBe(426);
    expect(JSON.stringify(old)).not.toContain('hunter2pw');
    const current = await readLog(fixture('filezilla-server-1.x.log'));
    expect(current.sessions[0]?.client).toEqual({ host: '198.51.100.23', port: 52011 });
    expect(events(current.sessions[0], 'reply').map((r) => r.code)).toEqual([220, 331, 230, 229, 425]);
  });

  it("ProFTPD SystemLog (real): one session per process (the first is the launcher's readiness check), opened, logged in, closed; the startup lines belong to none", async () => {
    const reading = await readLog(fixture('proftpd-system-real.log'));
    expect(reading.sessions.map((s) => s.id.replace(/^.*#/, ''))).toEqual(['pid 28643', 'pid 28647', 'pid 28650']);
    expect(reading.sessions.map((s) => s.client?.host)).toEqual(['127.0.0.1', '127.0.0.1', '127.0.0.1']);
    expect(events(reading.sessions[1], 'note').map((n) => n.text)).toEqual(['ANON nobody: Login successful.']);
    expect(events(reading.sessions[1], 'control-connect')[0]?.at).toMatchObject({ time: '2026-12-05T05:26:31.399' });
  });

  it('ProFTPD system log and ExtendedLog, Pure-FTPd syslog', async () => {
    const system = await readLog(fixture('proftpd-syslog.log'));
    expect(allEvents(system, 'note').map((n) => n.meaning)).toContain('data-timeout');
    const extended = await readLog(fixture('proftpd-extended.log'));
    expect(allEvents(extended, 'reply').map((r) => r.code)).toEqual([331, 230, 425, 221]);
    // The ExtendedLog's limit is said of an ExtendedLog, not of a syslog file.
    expect(extended.limits.join('\n')).toContain('ExtendedLog keys sessions');
    expect(system.limits.join('\n')).not.toContain('ExtendedLog');
    expect(system.limits.join('\n')).toContain('Passive data transfer failed');
    const pure = await readLog(fixture('pure-ftpd-syslog.log'));
    expect(allEvents(pure, 'command').map((c) => c.text)).toEqual(['USER sofia', 'PASS ****', 'PASV', 'LIST']);
    expect(allEvents(pure, 'reply').map((r) => r.code)).toEqual([227]);
  });
});

describe('JSON-lines server logs', () => {
  it("ftp-doctor serve --log json (real): commands, replies, the data connection to the 227's address from the client's port", async () => {
    const reading = await readLog(fixture('serve-json.log'));
    const [session] = reading.sessions;
    expect(session?.client).toEqual({ host: '127.0.0.1', port: 59186 });
    expect(events(session, 'command').map((c) => c.text)).toEqual(['USER alice', 'PASS ****', 'PWD', 'PASV', 'TYPE A', 'LIST', 'QUIT']);
    expect(events(session, 'data')).toMatchObject([{ from: { host: '127.0.0.1', port: 47518 }, to: { host: '127.0.0.1', port: 40583 }, outcome: 'connected' }]);
  });

  it('SFTPGo/ftpserverlib and ftp-srv field names (written from their documented fields)', async () => {
    const { jsonLinesReader } = await import('../../src/logs/servers/json-lines.js');
    const { writeFile, mkdtemp, rm } = await import('node:fs/promises');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const directory = await mkdtemp(join(tmpdir(), 'ftp-doctor-json-'));
    try {
      const lines = [
        { level: 'debug', time: '2024-02-01T09:00:00.100Z', sender: 'ftpserver', connection_id: 'FTP_abc', remote_address: '198.51.100.9:50100', message: 'Received line', line: 'PASV' },
        { level: 'debug', time: '2024-02-01T09:00:00.101Z', sender: 'ftpserver', connection_id: 'FTP_abc', remote_address: '198.51.100.9:50100', message: 'Sending answer', answer: '227 Entering Passive Mode (10,0,0,7,195,80)' },
        { name: 'ftp-srv', id: 'conn-7', ip: '::ffff:198.51.100.10', directive: 'PASS', args: 'hunter22', time: '2024-02-01T09:00:01.000Z', msg: '' },
      ];
      const file = join(directory, 'json.log');
      await writeFile(file, lines.map((line) => JSON.stringify(line)).join('\n'));
      expect(jsonLinesReader.detect(Buffer.from(lines.map((line) => JSON.stringify(line)).join('\n')), file)).toBeGreaterThan(0);
      const reading = await jsonLinesReader.read(file, {});
      expect(reading.sessions.map((s) => [s.client, s.events.map((e) => (e.kind === 'command' ? e.text : e.kind === 'reply' ? e.code : e.kind))])).toEqual([
        [{ host: '198.51.100.9', port: 50100 }, ['PASV', 227]],
        [{ host: '198.51.100.10', port: 0 }, ['PASS ****']],
      ]);
      expect(JSON.stringify(reading)).not.toContain('hunter22');
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});

describe('firewall logs', () => {
  it('ufw BLOCK, firewalld FINAL_REJECT and a custom nftables prefix are path events; ALLOW lines are not', async () => {
    const reading = await readLog(fixture('ufw-kern.log'));
    expect(reading.sessions).toEqual([]);
    expect(reading.pathEvents?.map((e) => (e.kind === 'note' ? [e.meaning, e.to?.port, e.from?.port, lineOf(e)] : []))).toEqual([
      ['firewall-drop', 40123, 51544, 1],
      ['firewall-reject', 40124, 51546, 3],
      ['firewall-drop', 40125, 51547, 4],
    ]);
  });
});
