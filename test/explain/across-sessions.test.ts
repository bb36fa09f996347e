/**
 * Conclusions drawn across the sessions of one capture (sessions built in code with the capture
 * tests' Conversation helper, run through the real capture analysis and explain):
 * - TLS_BREAKS_INSPECTION only when the evidence separates TLS from plain: no TLS data connection
 *   got through and no plain one failed on the same path. A trial's capture had the passive range
 *   dropped halfway (sessions 1-2 worked, 3-5 failed whatever their TLS) and was told "plain works,
 *   TLS fails"; now it is told that everything after a moment failed.
 * - The remedies' "the ports seen" hold every port seen, those TLS hid included (50306 was missing).
 */
import { describe, expect, it } from 'vitest';
import type { ExplainReport } from '../../src/report/model.js';
import { Capture, CLIENT, SERVER, login, pasvReply } from '../capture/conversation.js';
import { explainCapture, tlsRecord } from './capture-reader.js';


/** One session; each takes its own client ports (`base`, `base + 1` for data). */
function session(capture: Capture, base: number, tls: boolean, dataPort: number, works: boolean, client = CLIENT): void {
  const control = capture.conversation({ host: client, port: base }, { host: SERVER, port: 21 }).handshake();
  if (tls) {
    control.data('server', '220 (vsFTPd 3.0.5)\r\n');
    control.data('client', 'AUTH TLS\r\n');
    control.data('server', '234 Proceed with negotiation.\r\n');
    control.data('client', tlsRecord(0x16, 40));
    control.data('server', tlsRecord(0x16, 60));
    for (let exchange = 0; exchange < 6; exchange += 1) {
      control.data('client', tlsRecord(0x17, 20));
      control.data('server', tlsRecord(0x17, 30));
    }
  } else {
    login(control);
    control.data('client', 'PASV\r\n');
    control.data('server', pasvReply(SERVER, dataPort));
  }
  const data = capture.conversation({ host: client, port: base + 1 }, { host: SERVER, port: dataPort });
  if (works) {
    data.handshake();
    if (!tls) control.data('client', 'LIST\r\n');
    if (!tls) control.data('server', '150 Here comes the directory listing.\r\n');
    if (tls) data.data('client', tlsRecord(0x16, 40));
    if (tls) data.data('server', tlsRecord(0x16, 40));
    data.data('server', tls ? tlsRecord(0x17, 300) : 'x'.repeat(100));
    data.close();
    control.data('server', tls ? tlsRecord(0x17, 30) : '226 Directory send OK.\r\n');
  } else {
    data.syn();
    capture.wait(1000);
    data.synRetransmit();
    capture.wait(2000);
    data.synRetransmit();
    capture.wait(3000);
    if (!tls) control.data('client', 'LIST\r\n');
  }
  control.close();
  capture.wait(1000);
}

const codes = (report: ExplainReport): string[] => report.findings.map((finding) => finding.code);

describe('explain across sessions: TLS_BREAKS_INSPECTION needs evidence that separates TLS from plain', () => {
  it('the passive range dropped halfway (TLS ok, plain ok, then TLS and plain fail): no TLS finding, the moment everything began to fail instead', async () => {
    const capture = new Capture();
    session(capture, 40000, true, 50309, true);
    session(capture, 40010, false, 50301, true);
    capture.wait(60_000);
    session(capture, 40020, true, 50306, false);
    session(capture, 40030, true, 50303, false);
    session(capture, 40040, false, 50304, false);
    const report = await explainCapture(capture);
    expect(report.sessions).toHaveLength(5);
    expect(codes(report)).not.toContain('TLS_BREAKS_INSPECTION');
    expect(JSON.stringify(report)).not.toMatch(/work in plain FTP but fail under TLS/);
    const summary = report.summary.join('\n');
    expect(summary).toMatch(/Every data connection from 12:01:\d\d\.\d+ on failed, TLS or not \(all 3 of them; the last one that got through was at 12:00:\d\d\.\d+\)/);
    // The failed sessions keep their own findings: the drop is still the error.
    expect(report.verdict).toBe('fail');
    expect(report.sessions.filter((entry) => entry.report.findings.some((finding) => finding.code === 'DATA_CHANNEL_BLOCKED'))).toHaveLength(3);
  });

  it('a TLS data connection that got through after the TLS one that failed: no TLS finding, and the summary says why', async () => {
    const capture = new Capture();
    session(capture, 40000, false, 50301, true);
    session(capture, 40010, true, 50302, false);
    session(capture, 40020, true, 50303, true);
    const report = await explainCapture(capture);
    expect(codes(report)).not.toContain('TLS_BREAKS_INSPECTION');
    expect(report.summary.join('\n')).toMatch(/Data connections failed under TLS, but a TLS data connection got through on the same path: TLS is not what separates/);
  });

  it('a TLS data connection that got through from another client (another path) does not rule out the inspection on this one', async () => {
    const capture = new Capture();
    session(capture, 40000, false, 50301, true);
    session(capture, 40010, true, 50302, false);
    session(capture, 40020, true, 50303, true, '198.51.100.7');
    const report = await explainCapture(capture);
    expect(codes(report), JSON.stringify(report.summary)).toContain('TLS_BREAKS_INSPECTION');
  });

  it('plain works and TLS fails, nothing contradicting: the finding stands, its remedies cover every port seen (those TLS hid too)', async () => {
    const capture = new Capture();
    session(capture, 40000, false, 50301, true);
    session(capture, 40010, false, 50304, true);
    session(capture, 40020, true, 50306, false);
    session(capture, 40030, true, 50303, false);
    const report = await explainCapture(capture);
    const finding = report.findings.find((candidate) => candidate.code === 'TLS_BREAKS_INSPECTION');
    expect(finding, JSON.stringify(codes(report))).toBeDefined();
    const remedies = JSON.stringify(finding?.remedies);
    expect(remedies).toMatch(/50301-50306 \(the ports seen/);
    expect(remedies).not.toMatch(/50301-50304\b/);
    expect(report.summary.join('\n')).not.toMatch(/TLS or not|TLS is not what separates/);
  });
});
