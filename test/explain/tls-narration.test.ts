/**
 * How explain narrates TLS on the control channel, from a capture (sessions built in code with the
 * capture tests' Conversation helper, run through the real capture analysis):
 * - AUTH TLS accepted: the capture cannot see PASV/EPSV/PORT/EPRT or the 227/229, so the data mode
 *   and ports are hidden; only the connection's direction says passive-like or active-like, and the
 *   advice is the one for a blind FTP helper (a fixed passive range opened on the firewall, or CCC).
 * - AUTH TLS refused and the client went on in clear text: the refusal is information, not the
 *   failure; a warning says the credentials crossed the network in clear text; the verdict comes
 *   from what happened afterwards.
 */
import { describe, expect, it } from 'vitest';
import { renderTable } from '../../src/report/table.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import type { ExplainReport } from '../../src/report/model.js';
import { Capture, CLIENT, SERVER, type Conversation } from '../capture/conversation.js';
import { explainCapture, tlsRecord } from './capture-reader.js';


/** Greeting, AUTH TLS accepted, handshake and a few encrypted exchanges (USER, PASS, PBSZ, PROT, PASV…). */
function encryptedControl(capture: Capture): Conversation {
  const control = capture.conversation({ host: CLIENT, port: 40000 }, { host: SERVER, port: 21 }).handshake();
  control.data('server', '220 (vsFTPd 3.0.5)\r\n');
  control.data('client', 'AUTH TLS\r\n');
  control.data('server', '234 Proceed with negotiation.\r\n');
  control.data('client', tlsRecord(0x16, 40));
  control.data('server', tlsRecord(0x16, 60));
  for (let exchange = 0; exchange < 6; exchange += 1) {
    control.data('client', tlsRecord(0x17, 20));
    control.data('server', tlsRecord(0x17, 30));
  }
  return control;
}

const texts = (report: ExplainReport): string => JSON.stringify(report);
const rendered = (report: ExplainReport): string => `${renderTable(report, { color: false, width: 120 })}\n${renderMarkdown(report)}`;

describe('explain: AUTH TLS accepted, so the capture cannot see the data mode', () => {
  it('a dropped data connection from the client to a high server port: passive inferred from its direction, the blind FTP helper as the cause', async () => {
    const capture = new Capture();
    const control = encryptedControl(capture);
    const data = capture.conversation({ host: CLIENT, port: 40001 }, { host: SERVER, port: 50123 });
    data.syn();
    capture.wait(1000);
    data.synRetransmit();
    capture.wait(2000);
    data.synRetransmit();
    capture.wait(20_000);
    control.data('server', tlsRecord(0x17, 30));
    const report = await explainCapture(capture);
    const session = report.sessions[0]?.report;
    expect(report.verdict).toBe('fail');
    // Nothing may name PASV (or EPSV) as the mode used: the command was never seen.
    expect(texts(report)).not.toMatch(/PASV over TLS|EPSV over TLS|PASV or EPSV|"mode":"pasv"/);
    expect(rendered(report)).not.toMatch(/PASV over TLS|pasv\+tls|PASV or EPSV/);
    const step = session?.steps.find((candidate) => candidate.id.startsWith('data:'));
    expect(step).toMatchObject({ name: "passive (inferred from the connection's direction)", inferredMode: 'passive', tls: true, result: 'fail' });
    expect(step?.mode).toBeUndefined();
    // The finding: a silent drop, its cause the FTP helper that cannot read the encrypted ports, the remedy a fixed range (or CCC).
    const finding = session?.findings.find((candidate) => candidate.code === 'DATA_CHANNEL_BLOCKED');
    expect(finding, JSON.stringify(session?.findings.map((candidate) => candidate.code))).toBeDefined();
    expect(finding?.explanation).toMatch(/hidden by TLS/);
    expect(finding?.explanation).toMatch(/passive \(inferred from the connection's direction: the client opened it to the server's port 50123\)/);
    expect(finding?.explanation).toMatch(/FTP helper or ALG cannot see the ports/);
    expect(finding?.explanation).toMatch(/fixed passive range/);
    expect(finding?.explanation).toMatch(/CCC/);
    expect(finding?.evidence[0]).toMatch(/^\* the mode command and its reply are hidden by TLS/);
    expect(finding?.remedies.map((remedy) => remedy.product)).toEqual(expect.arrayContaining(['nftables', 'Client']));
    // The summary says what was inferred and why.
    expect(report.summary.join('\n')).toMatch(/hidden by TLS/);
    expect(report.summary.join('\n')).toMatch(/inferred from the connection's direction/);
  });

  it("a data connection the server opens from its port 20 to the client: active inferred, and said why", async () => {
    const capture = new Capture();
    const control = encryptedControl(capture);
    const data = capture.conversation({ host: SERVER, port: 20 }, { host: CLIENT, port: 41234 }).handshake();
    data.data('client', tlsRecord(0x16, 40));
    data.data('server', tlsRecord(0x16, 40));
    data.data('client', tlsRecord(0x17, 200));
    data.close();
    control.data('server', tlsRecord(0x17, 30));
    const report = await explainCapture(capture);
    expect(texts(report)).not.toMatch(/PORT over TLS|PORT or EPRT/);
    const step = report.sessions[0]?.report.steps.find((candidate) => candidate.id.startsWith('data:'));
    expect(step).toMatchObject({ name: "active (inferred from the connection's direction)", inferredMode: 'active', result: 'ok' });
    expect(report.summary.join('\n')).toMatch(/active \(inferred from the connection's direction: the server opened it from its port 20\)/);
  });

  it("a server-side capture: the server's connection from port 20 to the client gets no answer — not 'the server accepted PORT'", async () => {
    const capture = new Capture();
    const control = encryptedControl(capture);
    const data = capture.conversation({ host: SERVER, port: 20 }, { host: CLIENT, port: 41234 });
    data.syn();
    capture.wait(3000);
    data.synRetransmit();
    capture.wait(20_000);
    control.data('server', tlsRecord(0x17, 30));
    const report = await explainCapture(capture);
    const finding = report.sessions[0]?.report.findings[0];
    expect(finding?.code).toBe('ACTIVE_INBOUND_BLOCKED');
    expect(`${finding?.title} ${finding?.explanation}`).not.toMatch(/accepted PORT|said so with PORT|PORT over TLS/);
    expect(finding?.explanation).toMatch(/active \(inferred from the connection's direction: the server opened it from its port 20\); the PORT or EPRT that named the port was hidden by TLS/);
    expect(finding?.explanation).toMatch(/client-side FTP helper or NAT cannot see the port in PORT\/EPRT either/);
  });

  it('a hidden passive connection answered with a reset: DATA_CHANNEL_REFUSED names no mode command', async () => {
    const capture = new Capture();
    const control = encryptedControl(capture);
    capture.conversation({ host: CLIENT, port: 40001 }, { host: SERVER, port: 50123 }).refused();
    control.data('server', tlsRecord(0x17, 30));
    const report = await explainCapture(capture);
    const finding = report.sessions[0]?.report.findings[0];
    expect(finding?.code).toBe('DATA_CHANNEL_REFUSED');
    expect(finding?.explanation).toMatch(/the client's data connect \(passive, mode hidden by TLS\) to 203\.0\.113\.5:50123 was answered with a reset/);
    expect(JSON.stringify(report)).not.toMatch(/PASV over TLS|PASV or EPSV/);
  });

  it('implicit FTPS (TLS from the connection on, no AUTH TLS sent): said as implicit TLS, not as an AUTH TLS step', async () => {
    const capture = new Capture();
    const control = capture.conversation({ host: CLIENT, port: 40000 }, { host: SERVER, port: 990 }).handshake();
    control.data('client', tlsRecord(0x16, 40));
    control.data('server', tlsRecord(0x16, 60));
    const data = capture.conversation({ host: CLIENT, port: 40001 }, { host: SERVER, port: 50123 });
    data.syn();
    capture.wait(20_000);
    control.data('server', tlsRecord(0x17, 30));
    const report = await explainCapture(capture);
    const steps = report.sessions[0]?.report.steps ?? [];
    expect(steps.find((step) => step.id === 'auth-tls')).toMatchObject({ name: 'Implicit TLS', result: 'ok', detail: 'ok: the control channel is encrypted from the start' });
    expect(steps.find((step) => step.id.startsWith('data:'))).toMatchObject({ inferredMode: 'passive' });
    expect(report.sessions[0]?.report.findings[0]?.explanation).toMatch(/FTP helper or ALG cannot see the ports/);
  });

  it('a completed hidden transfer passes and is not said to have failed', async () => {
    const capture = new Capture();
    const control = encryptedControl(capture);
    const data = capture.conversation({ host: CLIENT, port: 40001 }, { host: SERVER, port: 50200 }).handshake();
    data.data('client', tlsRecord(0x16, 40));
    data.data('server', tlsRecord(0x16, 40));
    data.data('server', tlsRecord(0x17, 300));
    data.close();
    control.data('server', tlsRecord(0x17, 30));
    const report = await explainCapture(capture);
    expect(report.verdict).toBe('pass');
    expect(report.summary.join('\n')).toMatch(/1 of 1 data connection .*completed/);
  });
});

describe('explain: sessions to one server compared, plain PASV working and an encrypted one dropped', () => {
  it('TLS_BREAKS_INSPECTION compares the hidden connection with plain passive ones, without naming its mode', async () => {
    const capture = new Capture();
    const plain = capture.conversation({ host: CLIENT, port: 39000 }, { host: SERVER, port: 21 }).handshake();
    plain.data('server', '220 (vsFTPd 3.0.5)\r\n');
    plain.data('client', 'USER alice\r\n');
    plain.data('server', '230 Login successful.\r\n');
    plain.data('client', 'EPSV\r\n');
    plain.data('server', '229 Entering Extended Passive Mode (|||50100|)\r\n');
    const data = capture.conversation({ host: CLIENT, port: 39001 }, { host: SERVER, port: 50100 }).handshake();
    plain.data('client', 'LIST\r\n');
    plain.data('server', '150 Here comes the directory listing.\r\n');
    data.data('server', 'x'.repeat(100));
    data.close();
    plain.data('server', '226 Directory send OK.\r\n');
    plain.close();
    const control = encryptedControl(capture);
    const dropped = capture.conversation({ host: CLIENT, port: 40001 }, { host: SERVER, port: 50123 });
    dropped.syn();
    capture.wait(3000);
    dropped.synRetransmit();
    capture.wait(20_000);
    control.data('server', tlsRecord(0x17, 30));
    const report = await explainCapture(capture);
    const across = report.findings.find((finding) => finding.code === 'TLS_BREAKS_INSPECTION');
    expect(across, JSON.stringify(report.findings.map((finding) => finding.code))).toBeDefined();
    expect(`${across?.title} ${across?.explanation}`).not.toMatch(/PASV over TLS|the same mode/);
    expect(across?.explanation).toMatch(/In plain FTP the EPSV data connection to 203\.0\.113\.5:50100 completed; under TLS the passive \(inferred from the connection's direction\) connect to 203\.0\.113\.5:50123/);
  });
});

/** Greeting, AUTH TLS refused with `refusal`, then (when `then` is given) the client carries on in clear text. */
function refusedAuth(capture: Capture, refusal: string, then: 'login' | 'bad-login' | 'quit'): Conversation {
  const control = capture.conversation({ host: CLIENT, port: 40000 }, { host: SERVER, port: 21 }).handshake();
  control.data('server', '220 (vsFTPd 3.0.5)\r\n');
  control.data('client', 'AUTH TLS\r\n');
  control.data('server', `${refusal}\r\n`);
  if (then === 'quit') {
    control.data('client', 'QUIT\r\n');
    control.data('server', '221 Goodbye.\r\n');
    control.close();
    return control;
  }
  control.data('client', 'USER alice\r\n');
  control.data('server', '331 Please specify the password.\r\n');
  control.data('client', 'PASS hunter22\r\n');
  control.data('server', then === 'login' ? '230 Login successful.\r\n' : '530 Login incorrect.\r\n');
  return control;
}

function passiveList(capture: Capture, control: Conversation, dropped: boolean): void {
  control.data('client', 'PASV\r\n');
  control.data('server', '227 Entering Passive Mode (203,0,113,5,195,203).\r\n');
  const data = capture.conversation({ host: CLIENT, port: 40001 }, { host: SERVER, port: 50123 });
  if (dropped) {
    data.syn();
    capture.wait(3000);
    data.synRetransmit();
    control.data('client', 'LIST\r\n');
    capture.wait(20_000);
    return;
  }
  data.handshake();
  control.data('client', 'LIST\r\n');
  control.data('server', '150 Here comes the directory listing.\r\n');
  data.data('server', 'x'.repeat(100));
  data.close();
  control.data('server', '226 Directory send OK.\r\n');
}

describe('explain: AUTH TLS refused and the session went on in clear text', () => {
  it.each(['500 AUTH not understood.', '502 Command not implemented.', '530 Please login with USER and PASS.', '534 Request denied for policy reasons.'])(
    '%s, then a working listing: the refusal is information, a warning for the clear-text login, verdict pass',
    async (refusal) => {
      const capture = new Capture();
      passiveList(capture, refusedAuth(capture, refusal, 'login'), false);
      const report = await explainCapture(capture);
      const session = report.sessions[0]?.report;
      expect(report.verdict).toBe('pass');
      const auth = session?.steps.find((step) => step.id === 'auth-tls');
      expect(auth?.result).not.toBe('fail');
      expect(auth?.detail).toMatch(/TLS not offered by the server/);
      expect(auth?.detail).toContain(refusal.slice(0, 3));
      expect(auth?.detail).toMatch(/login and data went in clear text/);
      const warning = session?.findings.find((finding) => finding.code === 'LOGIN_IN_CLEAR_TEXT');
      expect(warning?.severity).toBe('warning');
      expect(warning?.title).toMatch(/clear text/);
      expect(texts(report)).not.toContain('hunter22');
      expect(session?.findings.map((finding) => finding.code)).not.toContain('TLS_NEGOTIATION_BLOCKED');
      expect(rendered(report)).toMatch(/LOGIN_IN_CLEAR_TEXT/);
    },
  );

  it('then a dropped data connection: the verdict is the data channel, the refusal stays information', async () => {
    const capture = new Capture();
    passiveList(capture, refusedAuth(capture, '530 Please login with USER and PASS.', 'login'), true);
    const report = await explainCapture(capture);
    const codes = report.sessions[0]?.report.findings.map((finding) => finding.code);
    expect(report.verdict).toBe('fail');
    expect(codes?.[0]).toBe('DATA_CHANNEL_BLOCKED');
    expect(codes).toContain('LOGIN_IN_CLEAR_TEXT');
    expect(codes).not.toContain('TLS_NEGOTIATION_BLOCKED');
    expect(report.sessions[0]?.report.steps.find((step) => step.id === 'auth-tls')?.result).not.toBe('fail');
  });

  it('then a refused login: the failure is the login, not TLS', async () => {
    const capture = new Capture();
    refusedAuth(capture, '500 AUTH not understood.', 'bad-login');
    const report = await explainCapture(capture);
    const codes = report.sessions[0]?.report.findings.map((finding) => finding.code);
    expect(codes?.[0]).toBe('LOGIN_FAILED');
    expect(codes).not.toContain('TLS_NEGOTIATION_BLOCKED');
  });

  it('then only FEAT and QUIT: the client gave up (FEAT is no fallback), the refusal is the failure', async () => {
    const capture = new Capture();
    const control = capture.conversation({ host: CLIENT, port: 40000 }, { host: SERVER, port: 21 }).handshake();
    control.data('server', '220 (vsFTPd 3.0.5)\r\n');
    control.data('client', 'AUTH TLS\r\n');
    control.data('server', '502 Command not implemented.\r\n');
    control.data('client', 'FEAT\r\n');
    control.data('server', '211-Features:\r\n PASV\r\n211 End\r\n');
    control.data('client', 'QUIT\r\n');
    control.data('server', '221 Goodbye.\r\n');
    control.close();
    const report = await explainCapture(capture);
    const session = report.sessions[0]?.report;
    expect(session?.steps.find((step) => step.id === 'auth-tls')?.result).toBe('fail');
    expect(session?.findings.map((finding) => finding.code)).toEqual(['TLS_NEGOTIATION_BLOCKED']);
  });

  it('the client gave up instead (it required TLS): then the refusal is the failure', async () => {
    const capture = new Capture();
    refusedAuth(capture, '500 AUTH not understood.', 'quit');
    const report = await explainCapture(capture);
    expect(report.verdict).toBe('fail');
    expect(report.sessions[0]?.report.findings.map((finding) => finding.code)).toContain('TLS_NEGOTIATION_BLOCKED');
    expect(report.sessions[0]?.report.findings.map((finding) => finding.code)).not.toContain('LOGIN_IN_CLEAR_TEXT');
    expect(report.sessions[0]?.report.steps.find((step) => step.id === 'auth-tls')?.result).toBe('fail');
  });
});
