/** FTP sessions out of TCP segments built in code (pure): control, commands, replies, data outcomes, provenance. */
import { describe, expect, it } from 'vitest';
import { CaptureAnalyzer } from '../../src/capture/analyze.js';
import type { ObservedDataConnection, ObservedEvent, ObservedSession } from '../../src/evidence/observed.js';
import { Capture, CLIENT, SERVER, login, pasvReply, type Conversation } from './conversation.js';

function analyse(capture: Capture, options: { controlPorts?: number[]; limits?: Record<string, number> } = {}): { sessions: ObservedSession[]; analyzer: CaptureAnalyzer } {
  const analyzer = new CaptureAnalyzer({ file: 'client.pcap', ...options });
  for (const item of capture.items) analyzer.push(item);
  return { sessions: analyzer.finish(), analyzer };
}

const lines = (session: ObservedSession | undefined): string[] =>
  (session?.events ?? []).flatMap((event) => (event.kind === 'command' ? [`> ${event.text}`] : event.kind === 'reply' ? [`< ${event.code} ${event.message}`] : []));
const dataOf = (session: ObservedSession | undefined): ObservedDataConnection[] => (session?.events ?? []).filter((event): event is ObservedDataConnection => event.kind === 'data');
const notes = (session: ObservedSession | undefined): string[] => (session?.events ?? []).flatMap((event) => (event.kind === 'note' ? [event.text] : []));

function controlWithPasv(capture: Capture, port: number, announcedHost = SERVER): Conversation {
  const control = capture.conversation({ host: CLIENT, port: 40000 }, { host: SERVER, port: 21 }).handshake();
  login(control);
  control.data('client', 'PASV\r\n');
  control.data('server', pasvReply(announcedHost, port));
  control.data('client', 'LIST\r\n');
  return control;
}

describe('FTP sessions from segments', () => {
  it('a passive LIST that works: commands, replies, the data connection connected with its bytes, provenance on each event', () => {
    const capture = new Capture();
    const control = controlWithPasv(capture, 50123);
    const data = capture.conversation({ host: CLIENT, port: 40001 }, { host: SERVER, port: 50123 }).handshake();
    control.data('server', '150 Here comes the directory listing.\r\n');
    data.data('server', 'x'.repeat(300));
    data.close();
    control.data('server', '226 Directory send OK.\r\n');
    control.close();
    const { sessions } = analyse(capture);
    expect(sessions).toHaveLength(1);
    const [session] = sessions;
    expect(session?.client).toEqual({ host: CLIENT, port: 40000 });
    expect(session?.server).toEqual({ host: SERVER, port: 21 });
    expect(lines(session)).toEqual([
      '< 220 (vsFTPd 3.0.5)',
      '> USER alice',
      '< 331 Please specify the password.',
      '> PASS ****',
      '< 230 Login successful.',
      '> PASV',
      '< 227 Entering Passive Mode (203,0,113,5,195,203).',
      '> LIST',
      '< 150 Here comes the directory listing.',
      '< 226 Directory send OK.',
    ]);
    expect(session?.events[0]).toMatchObject({ kind: 'control-connect', outcome: 'connected', at: { source: 'capture', file: 'client.pcap', frame: 1 } });
    const [transfer] = dataOf(session);
    expect(transfer).toMatchObject({ openedBy: 'client', from: { host: CLIENT, port: 40001 }, to: { host: SERVER, port: 50123 }, outcome: 'connected', ended: 'fin', bytes: 300 });
    expect(transfer?.at).toMatchObject({ source: 'capture', file: 'client.pcap', time: expect.stringMatching(/^2026-12-05T12:00:00\.00\dZ$/) });
    expect(JSON.stringify(sessions)).not.toContain('hunter22');
  });

  it('a passive SYN retransmitted and never answered: no-answer with the retransmits and how long it was watched', () => {
    const capture = new Capture();
    controlWithPasv(capture, 50123);
    const data = capture.conversation({ host: CLIENT, port: 40001 }, { host: SERVER, port: 50123 });
    data.syn();
    capture.wait(1000);
    data.synRetransmit();
    capture.wait(2000);
    data.synRetransmit();
    capture.wait(4000);
    const { sessions } = analyse(capture);
    const [transfer] = dataOf(sessions[0]);
    expect(transfer).toMatchObject({ outcome: 'no-answer', synRetransmits: 2 });
    expect(transfer?.waitedMs).toBeGreaterThanOrEqual(3000);
  });

  it('a passive port nothing listens on: refused, answered at the RST frame', () => {
    const capture = new Capture();
    controlWithPasv(capture, 50123);
    const data = capture.conversation({ host: CLIENT, port: 40001 }, { host: SERVER, port: 50123 }).refused();
    void data;
    const { sessions } = analyse(capture);
    const [transfer] = dataOf(sessions[0]);
    expect(transfer).toMatchObject({ outcome: 'refused' });
    expect(transfer?.answeredAt).toMatchObject({ frame: capture.frame });
  });

  it('ICMP unreachable for the data SYN: unreachable', () => {
    const capture = new Capture();
    controlWithPasv(capture, 50123);
    const data = capture.conversation({ host: CLIENT, port: 40001 }, { host: SERVER, port: 50123 });
    data.syn();
    capture.unreachable(data, '198.51.100.1');
    const { sessions } = analyse(capture);
    expect(dataOf(sessions[0])[0]).toMatchObject({ outcome: 'unreachable' });
  });

  it('a private 227 address the client ignores (dials the control address): still matched by port', () => {
    const capture = new Capture();
    controlWithPasv(capture, 50123, '10.0.0.5');
    capture.conversation({ host: CLIENT, port: 40001 }, { host: SERVER, port: 50123 }).handshake().close();
    const { sessions } = analyse(capture);
    expect(dataOf(sessions[0])[0]).toMatchObject({ outcome: 'connected', to: { host: SERVER, port: 50123 } });
  });

  it('a 227 nobody followed is a note; no data connection is invented', () => {
    const capture = new Capture();
    controlWithPasv(capture, 50123);
    const { sessions } = analyse(capture);
    expect(dataOf(sessions[0])).toEqual([]);
    expect(notes(sessions[0]).join('\n')).toContain('203.0.113.5:50123; no connection to it appears in this capture');
  });

  it('active mode: PORT announces the client end, the server dials it from port 20', () => {
    const capture = new Capture();
    const control = capture.conversation({ host: CLIENT, port: 40000 }, { host: SERVER, port: 21 }).handshake();
    login(control);
    control.data('client', 'PORT 192,168,1,10,156,64\r\n');
    control.data('server', '200 PORT command successful.\r\n');
    control.data('client', 'LIST\r\n');
    const data = capture.conversation({ host: SERVER, port: 20 }, { host: CLIENT, port: 40000 });
    data.syn();
    capture.wait(3000);
    data.synRetransmit();
    const { sessions } = analyse(capture);
    expect(dataOf(sessions[0])[0]).toMatchObject({ openedBy: 'server', outcome: 'no-answer', synRetransmits: 1, to: { host: CLIENT, port: 40000 } });
  });

  it('EPSV: the port from 229 at the control connection server address', () => {
    const capture = new Capture();
    const control = capture.conversation({ host: CLIENT, port: 40000 }, { host: SERVER, port: 21 }).handshake();
    login(control);
    control.data('client', 'EPSV\r\n');
    control.data('server', '229 Entering Extended Passive Mode (|||50200|)\r\n');
    capture.conversation({ host: CLIENT, port: 40002 }, { host: SERVER, port: 50200 }).handshake().close();
    const { sessions } = analyse(capture);
    expect(dataOf(sessions[0])[0]).toMatchObject({ openedBy: 'client', outcome: 'connected' });
  });

  it('control connection on an unusual port found by its greeting; another by a client command', () => {
    const capture = new Capture();
    const byGreeting = capture.conversation({ host: CLIENT, port: 40000 }, { host: SERVER, port: 2121 }).handshake();
    byGreeting.data('server', '220-Welcome\r\n220 ready\r\n');
    const byCommand = capture.conversation({ host: CLIENT, port: 40010 }, { host: SERVER, port: 8021 }).handshake();
    byCommand.data('client', 'USER bob\r\n');
    byCommand.data('server', '331 ok\r\n');
    const other = capture.conversation({ host: CLIENT, port: 40020 }, { host: SERVER, port: 443 }).handshake();
    other.data('client', '\x16\x03\x01 hello');
    const { sessions, analyzer } = analyse(capture);
    expect(sessions.map((session) => session.server?.port)).toEqual([2121, 8021]);
    expect(lines(sessions[0])).toEqual(['< 220 Welcome\nready']);
    expect(analyzer.counts.unrelated).toBe(1);
  });

  it('--port: a control port named by the user is control from its SYN (a SYN never answered is a session too)', () => {
    const capture = new Capture();
    const control = capture.conversation({ host: CLIENT, port: 40000 }, { host: SERVER, port: 2100 });
    control.syn();
    capture.wait(1000);
    control.synRetransmit();
    const { sessions } = analyse(capture, { controlPorts: [2100] });
    expect(sessions[0]?.events).toEqual([expect.objectContaining({ kind: 'control-connect', outcome: 'no-answer' })]);
  });

  it('IPv6: EPRT with an IPv6 address, the server dials it', () => {
    const capture = new Capture();
    const control = capture.conversation({ host: '2001:db8::10', port: 40000 }, { host: '2001:db8::5', port: 21 }).handshake();
    login(control);
    control.data('client', 'EPRT |2|2001:db8::10|40100|\r\n');
    control.data('server', '200 EPRT command successful.\r\n');
    control.data('client', 'LIST\r\n');
    capture.conversation({ host: '2001:db8::5', port: 20 }, { host: '2001:db8::10', port: 40100 }).refused();
    const { sessions } = analyse(capture);
    expect(dataOf(sessions[0])).toEqual([expect.objectContaining({ openedBy: 'server', outcome: 'refused', to: { host: '2001:db8::10', port: 40100 } })]);
  });

  it('a control SYN to 21 refused', () => {
    const capture = new Capture();
    capture.conversation({ host: CLIENT, port: 40000 }, { host: SERVER, port: 21 }).refused();
    const { sessions } = analyse(capture);
    expect(sessions[0]?.events[0]).toMatchObject({ kind: 'control-connect', outcome: 'refused' });
  });

  it('a 227 split across three segments, delivered out of order, with a retransmission: read once, whole', () => {
    const capture = new Capture();
    const control = capture.conversation({ host: CLIENT, port: 40000 }, { host: SERVER, port: 21 }).handshake();
    login(control);
    control.data('client', 'PASV\r\n');
    const start = control.serverSeq;
    const text = pasvReply(SERVER, 50123);
    const parts = [text.slice(0, 10), text.slice(10, 30), text.slice(30)];
    const offsets = [0, 10, 30];
    const send = (index: number): void => {
      control.data('server', parts[index] as string);
      control.serverSeq = start + text.length; // keep the next segment after the whole reply
    };
    // Third part first, then the first, the first again (retransmitted), then the second.
    for (const index of [2, 0, 0, 1]) {
      control.serverSeq = start + (offsets[index] as number);
      send(index);
    }
    const { sessions } = analyse(capture);
    const replies = lines(sessions[0]).filter((line) => line.startsWith('< 227'));
    expect(replies).toEqual(['< 227 Entering Passive Mode (203,0,113,5,195,203).']);
  });

  it('a gap in the server stream: said in a note, the next reply still read', () => {
    const capture = new Capture();
    const control = capture.conversation({ host: CLIENT, port: 40000 }, { host: SERVER, port: 21 }).handshake();
    control.data('server', '220 hi\r\n');
    control.serverSeq += 40; // 40 bytes the capture never saw
    control.data('server', 'tail of a lost line\r\n331 next\r\n');
    control.data('client', 'USER a\r\n'); // its ACK covers the lost bytes
    const { sessions } = analyse(capture);
    // The 331 keeps the frame it was captured in (before USER), though it was read only once the ACK showed the gap.
    expect(lines(sessions[0])).toEqual(['< 220 hi', '< 331 next', '> USER a']);
    expect(notes(sessions[0]).join('\n')).toMatch(/40 bytes of the server's control stream are missing/);
  });

  it('AUTH TLS answered 234: encrypted from there; data connections matched by addresses and said to be inferred', () => {
    const capture = new Capture();
    const control = capture.conversation({ host: CLIENT, port: 40000 }, { host: SERVER, port: 21 }).handshake();
    control.data('server', '220 hi\r\n');
    control.data('client', 'AUTH TLS\r\n');
    const accepted = control.data('server', '234 Proceed with negotiation.\r\n');
    control.data('client', Buffer.from([0x16, 0x03, 0x01, 0x00, 0x05, 1, 2, 3, 4, 5]));
    control.data('server', Buffer.from([0x16, 0x03, 0x03, 0x00, 0x02, 9, 9]));
    control.data('client', Buffer.from('\x17\x03\x03\x00\x05PASV\n', 'latin1'));
    const data = capture.conversation({ host: CLIENT, port: 40001 }, { host: SERVER, port: 50123 });
    data.syn();
    // Sent again a second later: a drop (a lone SYN at the very end of a capture has no outcome in it).
    capture.wait(1000);
    data.synRetransmit();
    const { sessions } = analyse(capture);
    const [session] = sessions;
    expect(session?.encryptedFrom).toMatchObject({ frame: accepted.frame });
    expect(lines(session)).toEqual(['< 220 hi', '> AUTH TLS', '< 234 Proceed with negotiation.']);
    expect(session?.events.some((event: ObservedEvent) => event.kind === 'tls' && event.channel === 'control')).toBe(true);
    expect(dataOf(session)[0]).toMatchObject({ outcome: 'no-answer', openedBy: 'client' });
    expect(notes(session).join('\n')).toContain('matched to the session by time and addresses');
  });

  it.each([
    ['application data follows: ok', 0x17, 'ok'],
    ['an alert before any data: failed', 0x15, 'failed'],
  ] as const)('TLS on a data connection — %s', (_name, next, handshake) => {
    const capture = new Capture();
    controlWithPasv(capture, 50123);
    const data = capture.conversation({ host: CLIENT, port: 40001 }, { host: SERVER, port: 50123 }).handshake();
    data.data('client', Buffer.from([0x16, 0x03, 0x01, 0x00, 0x01, 0x01]));
    data.data('server', Buffer.from([next, 0x03, 0x03, 0x00, 0x01, 0x02]));
    const { sessions } = analyse(capture);
    expect(sessions[0]?.events.filter((event) => event.kind === 'tls')).toEqual([expect.objectContaining({ channel: 'data', handshake })]);
  });

  it('a clear data connection has no TLS event', () => {
    const capture = new Capture();
    controlWithPasv(capture, 50123);
    capture.conversation({ host: CLIENT, port: 40001 }, { host: SERVER, port: 50123 }).handshake().data('server', 'drwxr-xr-x 2 a a 4096 x\r\n');
    const { sessions } = analyse(capture);
    expect(sessions[0]?.events.some((event) => event.kind === 'tls')).toBe(false);
  });

  it('CCC: after the TLS records (a close_notify in the same segment as the clear text), commands and replies are read again', () => {
    const record = (type: number, body: number): Buffer => Buffer.concat([Buffer.from([type, 0x03, 0x03, 0x00, body]), Buffer.alloc(body, 0xaa)]);
    const capture = new Capture();
    const control = capture.conversation({ host: CLIENT, port: 40000 }, { host: SERVER, port: 21 }).handshake();
    control.data('server', '220 hi\r\n');
    control.data('client', 'AUTH TLS\r\n');
    control.data('server', '234 Proceed.\r\n');
    control.data('client', record(0x16, 40));
    control.data('server', Buffer.concat([record(0x16, 60), record(0x17, 20)]));
    control.data('client', record(0x17, 20)); // CCC, encrypted
    control.data('server', Buffer.concat([record(0x17, 20), record(0x15, 2)])); // 200, close_notify
    control.data('client', Buffer.concat([record(0x15, 2), Buffer.from('PASV\r\n')]));
    control.data('server', pasvReply(SERVER, 50123));
    capture.conversation({ host: CLIENT, port: 40001 }, { host: SERVER, port: 50123 }).handshake().close();
    const { sessions } = analyse(capture);
    expect(lines(sessions[0])).toEqual(['< 220 hi', '> AUTH TLS', '< 234 Proceed.', '> PASV', '< 227 Entering Passive Mode (203,0,113,5,195,203).']);
    expect(dataOf(sessions[0])).toEqual([expect.objectContaining({ outcome: 'connected' })]);
    expect(notes(sessions[0]).some((text) => /matched to the session by time/.test(text))).toBe(false);
    expect(notes(sessions[0]).filter((text) => text.includes('clear text again'))).toHaveLength(2);
  });

  it('AUTH TLS refused (530): the channel stays readable', () => {
    const capture = new Capture();
    const control = capture.conversation({ host: CLIENT, port: 40000 }, { host: SERVER, port: 21 }).handshake();
    control.data('server', '220 hi\r\n');
    control.data('client', 'AUTH TLS\r\n');
    control.data('server', '530 Please login with USER and PASS.\r\n');
    control.data('client', 'USER a\r\n');
    const { sessions } = analyse(capture);
    expect(sessions[0]?.encryptedFrom).toBeUndefined();
    expect(lines(sessions[0])).toContain('> USER a');
  });

  it('implicit FTPS on 990: encrypted from the connection', () => {
    const capture = new Capture();
    const control = capture.conversation({ host: CLIENT, port: 40000 }, { host: SERVER, port: 990 }).handshake();
    control.data('client', Buffer.from([0x16, 0x03, 0x01, 0, 1, 0]));
    const { sessions } = analyse(capture);
    expect(sessions[0]?.encryptedFrom).toMatchObject({ frame: 1 });
  });

  it('a password echoed by the server in a reply does not survive', () => {
    const capture = new Capture();
    const control = capture.conversation({ host: CLIENT, port: 40000 }, { host: SERVER, port: 21 }).handshake();
    login(control, 'sw0rdfish!');
    control.data('server', '530 bad password sw0rdfish!\r\n');
    const { sessions } = analyse(capture);
    expect(JSON.stringify(sessions)).not.toContain('sw0rdfish');
  });

  it('sequence numbers that wrap during the session', () => {
    const capture = new Capture();
    const control = capture.conversation({ host: CLIENT, port: 40000 }, { host: SERVER, port: 21 }, { client: 0xfffffff0, server: 0xfffffffa }).handshake();
    login(control);
    const { sessions } = analyse(capture);
    expect(lines(sessions[0])).toHaveLength(5);
  });

  it('look-alikes are not FTP: an SMTP server greeting 220 on any port, POP3 USER/PASS on 110', () => {
    const capture = new Capture();
    const smtp = capture.conversation({ host: CLIENT, port: 40000 }, { host: SERVER, port: 2626 }).handshake();
    smtp.data('server', '220 mail.example.com ESMTP Postfix\r\n');
    smtp.data('client', 'EHLO me\r\n');
    const pop = capture.conversation({ host: CLIENT, port: 40001 }, { host: SERVER, port: 110 }).handshake();
    pop.data('client', 'USER alice\r\n');
    pop.data('client', 'PASS hunter22\r\n');
    const { sessions } = analyse(capture);
    expect(sessions).toEqual([]);
  });

  it('a capture that begins mid-session with the client on the lower port: the end that sends a command is the client', () => {
    const capture = new Capture();
    const control = capture.conversation({ host: CLIENT, port: 1500 }, { host: SERVER, port: 50021 });
    control.data('client', 'USER a\r\n');
    control.data('server', '331 ok\r\n');
    const { sessions } = analyse(capture);
    expect(sessions[0]?.server).toEqual({ host: SERVER, port: 50021 });
    expect(lines(sessions[0])).toEqual(['> USER a', '< 331 ok']);
  });

  it('a control connection idle for 20 minutes, then reset when it speaks again: still one session, the reset said', () => {
    const capture = new Capture();
    const control = capture.conversation({ host: CLIENT, port: 40000 }, { host: SERVER, port: 21 }).handshake();
    login(control);
    // Other traffic meanwhile, so the table's idle sweep runs.
    for (let index = 0; index < 5000; index += 1) {
      capture.wait(240);
      capture.conversation({ host: CLIENT, port: 1024 + index }, { host: '198.51.100.9', port: 443 }).syn();
    }
    control.data('client', 'NOOP\r\n');
    control.rst('server');
    const { sessions } = analyse(capture);
    expect(sessions).toHaveLength(1);
    expect(lines(sessions[0]).at(-1)).toBe('> NOOP');
    expect(sessions[0]?.events.at(-1)).toMatchObject({ kind: 'note', meaning: 'connection-lost', text: 'the server reset the control connection' });
  });

  it('a NOOP after a long idle time, retransmitted and never acknowledged: a control-timeout note (a NAT forgot the connection)', () => {
    const capture = new Capture();
    const control = capture.conversation({ host: CLIENT, port: 40000 }, { host: SERVER, port: 21 }).handshake();
    login(control);
    capture.wait(400_000);
    const start = control.clientSeq;
    for (let attempt = 0; attempt < 4; attempt += 1) {
      control.clientSeq = start;
      control.data('client', 'NOOP\r\n');
      capture.wait(2 ** attempt * 1000);
    }
    const { sessions } = analyse(capture);
    expect(sessions[0]?.events.at(-1)).toMatchObject({ kind: 'note', meaning: 'control-timeout' });
    expect(notes(sessions[0]).at(-1)).toMatch(/sent 4 times \(from frame \d+, after 400 s idle\) and never acknowledged/);
  });

  it('a command answered normally leaves no such note', () => {
    const capture = new Capture();
    const control = capture.conversation({ host: CLIENT, port: 40000 }, { host: SERVER, port: 21 }).handshake();
    login(control);
    control.close();
    const { sessions } = analyse(capture);
    expect(sessions[0]?.events.some((event) => event.kind === 'note' && event.meaning === 'control-timeout')).toBe(false);
  });

  it('a capture that begins mid-session: the end that greets or replies is the server', () => {
    const capture = new Capture();
    const control = capture.conversation({ host: CLIENT, port: 40000 }, { host: SERVER, port: 2121 });
    control.data('server', '220 hi\r\n');
    control.data('client', 'USER a\r\n');
    const { sessions } = analyse(capture);
    expect(sessions[0]?.server).toEqual({ host: SERVER, port: 2121 });
    expect(lines(sessions[0])).toEqual(['< 220 hi', '> USER a']);
  });
});

describe('bounds', () => {
  it('100k unrelated connections: the table stays bounded, and what was cut short is counted', () => {
    const capture = new Capture();
    const analyzer = new CaptureAnalyzer({ file: 'flood.pcap', limits: { maxConnections: 1000 } });
    for (let index = 0; index < 100_000; index += 1) {
      capture.items.length = 0;
      capture.conversation({ host: CLIENT, port: 1024 + (index % 60000) }, { host: `198.51.100.${index % 250}`, port: 80 }).syn();
      for (const item of capture.items) analyzer.push(item);
    }
    analyzer.finish();
    expect(analyzer.counts.connections).toBe(100_000);
    expect(analyzer.counts.evicted).toBeGreaterThan(90_000);
  });

  it('a control stream with a 10 MB line: one note, the session goes on', () => {
    const capture = new Capture();
    const control = capture.conversation({ host: CLIENT, port: 40000 }, { host: SERVER, port: 21 }).handshake();
    control.data('server', '220 hi\r\n');
    control.data('client', 'USER ');
    const chunk = 'A'.repeat(64 * 1024);
    for (let index = 0; index < 160; index += 1) control.data('client', chunk);
    control.data('client', '\r\nQUIT\r\n');
    const { sessions } = analyse(capture);
    expect(lines(sessions[0])).toEqual(['< 220 hi', '> QUIT']);
    expect(notes(sessions[0])).toEqual(['1 client control line(s) longer than the reader keeps were skipped']);
  });

  it('events of all sessions together are bounded: sessions past the budget say they were cut', () => {
    const capture = new Capture();
    for (let index = 0; index < 20; index += 1) {
      const control = capture.conversation({ host: CLIENT, port: 41000 + index }, { host: SERVER, port: 21 }).handshake();
      for (let line = 0; line < 10; line += 1) control.data('client', `NOOP\r\n`);
    }
    const { sessions } = analyse(capture, { limits: { maxEvents: 100 } });
    const kept = sessions.reduce((sum, session) => sum + session.events.filter((event) => event.kind === 'command').length, 0);
    expect(kept).toBeLessThanOrEqual(100);
    expect(notes(sessions.at(-1))).toEqual(["the capture's sessions hold more than the analysis keeps; later events of this session were not kept"]);
  });
});
