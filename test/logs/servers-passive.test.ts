/**
 * Server logs of a passive port handed out that nobody connected to (trial 5, #1 and #10): the
 * server's 227/229 (or serve's "passive port N opened"), then no data connection and no transfer
 * command before the client moved on or left. Clients connect before LIST/RETR, so a dropped data
 * connection leaves no 425 in the server's log: this silence is its server-side signature and must
 * not pass. Also serve's text log of failed logins and xferlog's completed transfers.
 * Fixtures: test/fixtures/logs/servers-passive/README.md.
 */
import { describe, expect, it } from 'vitest';
import { runExplain } from '../../src/explain/run.js';
import type { ExplainReport } from '../../src/report/model.js';
import { allEvents, fixture, readLog, scratchDirectory } from './helpers.js';

const passive = (name: string): string => fixture(`servers-passive/${name}`);
const codesById = (report: ExplainReport): Record<string, string[]> =>
  Object.fromEntries(report.sessions.map((session) => [session.id.replace(/^.*#/, ''), session.report.findings.map((finding) => `${finding.severity}:${finding.code}`)]));
const text = (report: ExplainReport): string => JSON.stringify(report);
const scratch = scratchDirectory('ftp-doctor-servers-passive-');

describe('a passive port handed out and never connected, seen in the server log', () => {
  it('vsftpd: the EPSV session that ends at its 229 fails (DATA_CHANNEL_BLOCKED, worded from the server side); the two that transferred pass', async () => {
    const report = await runExplain([passive('vsftpd-epsv-unanswered.log')]);
    expect(report.verdict).toBe('fail');
    expect(codesById(report)).toEqual({ 'pid 11424': [], 'pid 11435': ['error:DATA_CHANNEL_BLOCKED'], 'pid 11524': [] });
    const finding = report.sessions.find((session) => session.id.endsWith('pid 11435'))?.report.findings[0];
    expect(finding?.title).toMatch(/reached the server's passive port 50609 \(seen from the server's side\)/);
    expect(finding?.explanation).toMatch(/cannot tell a connection dropped on the way .* from one the client never sent/);
    expect(finding?.evidence.join('\n')).toMatch(/passive port 50609 handed out: no connection arrived .*not observed/);
    // The password the anonymous user typed is in no output.
    expect(text(report)).not.toContain('guest@example.org');
  });

  it('the observation is the listener\'s only: a data connection with no answer, listenerOnly, at the 229\'s line', async () => {
    const reading = await readLog(passive('vsftpd-epsv-unanswered.log'));
    const missed = allEvents(reading, 'data').filter((event) => event.outcome === 'no-answer');
    expect(missed).toHaveLength(1);
    expect(missed[0]).toMatchObject({ listenerOnly: true, openedBy: 'client', to: { port: 50609 }, at: { line: 36 } });
    // The session said nothing more: how long the client waited is not in the log.
    expect(missed[0]?.waitedMs).toBeUndefined();
  });

  it('a log cut right at the 229 (nothing after it at all) leaves the attempt unjudged', async () => {
    const lines = (await import('node:fs')).readFileSync(passive('vsftpd-epsv-unanswered.log'), 'utf8').split('\n').slice(0, 36).join('\n');
    const report = await runExplain([await scratch.write('cut-at-229.log', `${lines}\n`)]);
    expect(report.verdict).toBe('pass');
  });

  it('serve --log json: EPSV then PASV handed out, nothing came, the client closed: both missed, timed from the server\'s clock', async () => {
    const report = await runExplain([passive('serve-json-epsv-unanswered.log')]);
    expect(codesById(report)).toEqual({ 'C-i7Cn6t': ['error:DATA_CHANNEL_BLOCKED'] });
    const reading = await readLog(passive('serve-json-epsv-unanswered.log'));
    const missed = allEvents(reading, 'data');
    expect(missed.map((event) => [event.to.port, event.outcome, event.listenerOnly])).toEqual([
      [50208, 'no-answer', true],
      [50206, 'no-answer', true],
    ]);
    // EPSV's port was left 3.97 s later for PASV; PASV's 15 ms later when the client closed.
    expect(missed.map((event) => event.waitedMs)).toEqual([3972, 15]);
    const transcript = report.sessions[0]?.report.transcript.map((line) => line.text).join('\n') ?? '';
    expect(transcript).toMatch(/data connection to 127\.0\.0\.1:50206: no-answer — the server's passive port, nothing arrived \(seen from the server's side\)/);
    const connection = report.sessions[0]?.report.connections.find((event) => event.purpose === 'data');
    expect(connection?.decidedBy).toMatch(/never arrived at the server's listener .*not observed/);
  });

  it('serve --log text: a passive port opened, then the connection closed with no dial and no LIST', async () => {
    const report = await runExplain([passive('serve-text-pasv-unanswered.log')]);
    expect(codesById(report)).toEqual({ LTtNsjct: ['error:DATA_CHANNEL_BLOCKED'] });
    expect(report.sessions[0]?.report.findings[0]?.explanation).toMatch(/in the 4062 ms before the client moved on/);
  });

  it('a healthy session is untouched: serve text and JSON logs of transfers that worked still pass', async () => {
    for (const name of ['serve-text-ok.log', 'serve-json.log']) expect([name, (await runExplain([fixture(name)])).verdict]).toEqual([name, 'pass']);
  });
});

describe("serve's text log of failed logins", () => {
  it('each WARN failed login is the 530 serve answers: LOGIN_FAILED, as a capture of the same session', async () => {
    const report = await runExplain([passive('serve-text-failed-login.log')]);
    const codes = Object.values(codesById(report));
    expect(codes).toHaveLength(4);
    expect(codes.every((list) => list.includes('error:LOGIN_FAILED'))).toBe(true);
    expect(report.verdict).toBe('fail');
  });
});

describe('xferlog of completed transfers', () => {
  it('says the transfers it lists had data connections that completed, not "no data connection was seen"', async () => {
    const report = await runExplain([passive('xferlog-complete')]);
    expect(report.verdict).toBe('pass');
    expect(report.summary.join('\n')).not.toMatch(/No data connection was seen/);
    expect(report.summary.join('\n')).toMatch(/2 of 2 passive data connections completed/);
    expect(report.sessions[0]?.report.steps.filter((step) => step.result === 'ok')).toHaveLength(2);
    expect(report.inputs[0]?.limits.join('\n')).toMatch(/does not log the data mode nor the data address/);
    expect(text(report)).not.toContain('guest@example.org');
  });
});
