/**
 * explain on real client logs of blocked data channels (trial 5, made in a private network
 * namespace with nft dropping the data ports): what each client wrote decides the finding, and
 * what it did not write (how long it waited, how the attempt ended) is said to be unknown, never
 * "0 ms", never a refusal, never a pass.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runExplain } from '../../../src/explain/run.js';
import type { ExplainReport } from '../../../src/report/model.js';

const clientFixture = (name: string): string => join(import.meta.dirname, '..', '..', 'fixtures', 'logs', 'clients', name);
const codes = (report: ExplainReport): string[][] => report.sessions.map((session) => session.report.findings.map((finding) => `${finding.severity}:${finding.code}`));
const text = (report: ExplainReport): string => JSON.stringify(report);
const explain = (name: string): Promise<ExplainReport> => runExplain([clientFixture(name)]);

describe('client logs: timeouts are drops, with the time the client waited (#5, #13)', () => {
  it('curl --connect-timeout ("ipv4 connect timeout after 1974ms, move on!", "Failed to connect … port 21 …: Couldn\'t connect", curl: (28)) is BLOCKED after 1974 ms, not REFUSED', async () => {
    const report = await explain('curl-connect-timeout.log');
    expect(codes(report)).toEqual([['error:DATA_CHANNEL_BLOCKED']]);
    const blocked = report.sessions[0]?.report.findings[0];
    expect(blocked?.explanation).toMatch(/after 1974 ms/);
    expect(text(report)).not.toMatch(/DATA_CHANNEL_REFUSED|after 0 ms/);
  });

  it('curl EPSV then PASV in one session: both attempts shown — EPSV blocked, the PASV curl gave up on before dialling unknown', async () => {
    const report = await explain('curl-epsv-pasv-fallback.log');
    expect(codes(report)).toEqual([['error:DATA_CHANNEL_BLOCKED', 'warning:DATA_TRANSFER_FAILED']]);
    const steps = report.sessions[0]?.report.steps.filter((step) => step.mode !== undefined).map((step) => `${step.mode}:${step.result}`);
    expect(steps).toEqual(['epsv:fail', 'pasv:warn']);
    expect(report.sessions[0]?.report.findings[1]?.explanation).toMatch(/gave up before dialling 127\.0\.0\.1:50206/);
  });

  it('lftp debug -t: the wait is the log\'s own times (3 s between the data connect and "Timeout"), not 0 ms', async () => {
    const report = await explain('lftp-timed.log');
    expect(text(report)).toMatch(/timed out after 3000 ms/);
    expect(text(report)).not.toMatch(/after 0 ms/);
  });

  it('lftp -d without times: the wait is said to be not in the log, never "after 0 ms"', async () => {
    const report = await explain('lftp-untimed.log');
    expect(codes(report)[0]).toContain('error:DATA_CHANNEL_BLOCKED');
    expect(text(report)).toMatch(/after how long is not in the log/);
    expect(text(report)).not.toMatch(/after 0 ms|within 0 ms/);
  });
});

describe('client logs that end after the passive reply (#8, #9)', () => {
  it.each(['ftplib-ends-after-227.log', 'ftp-d-ends-after-227.log'])('%s: unknown (a warning that the transfer never started), neither REFUSED nor a clean pass', async (name) => {
    const report = await explain(name);
    expect(codes(report)).toEqual([['warning:DATA_TRANSFER_FAILED']]);
    const finding = report.sessions[0]?.report.findings[0];
    expect(finding?.explanation).toMatch(/log ends after the 227 reply with no data connection or transfer seen: the transfer never started/);
    expect(finding?.remedies).toEqual([]);
    expect(report.sessions[0]?.report.steps.find((step) => step.mode === 'pasv')?.result).toBe('warn');
  });
});

describe('active mode blocked, from the client (#3)', () => {
  it.each([
    ['curl-active-blocked.log', /within 8001 ms/],
    ['ftp-d-active-blocked.log', /while the client waited \(the log does not say how long\)/],
    ['lftp-active-blocked.log', /while the client waited \(the log does not say how long\)/],
  ])('%s: EPRT/PORT → 200, LIST, no 150: the server\'s connection back never arrived (ACTIVE_INBOUND_BLOCKED), no security-weakening remedies', async (name, waited) => {
    const report = await explain(name);
    // (lftp's opportunistic AUTH TLS refused adds the LOGIN_IN_CLEAR_TEXT warning)
    expect(codes(report)[0]?.filter((code) => !code.endsWith(':LOGIN_IN_CLEAR_TEXT'))).toEqual(['error:ACTIVE_INBOUND_BLOCKED']);
    const finding = report.sessions[0]?.report.findings[0];
    expect(finding?.explanation).toMatch(waited);
    expect(text(report)).not.toMatch(/pasv_promiscuous|AllowForeignAddress|permit_foreign_addresses|persistent/);
  });
});

describe('what the client did itself is not the network (#19)', () => {
  it('lftp sends ABOR after its own local error ("get: …: File exists"): the client aborted, a warning with no network remedies; its opportunistic AUTH TLS refused with 502 is no failed step', async () => {
    const report = await explain('lftp-local-error-abor.log');
    const [session] = report.sessions;
    expect(codes(report)).toEqual([['warning:DATA_TRANSFER_FAILED', 'warning:LOGIN_IN_CLEAR_TEXT']]);
    const aborted = session?.report.findings[0];
    expect(aborted?.title).toMatch(/\(RETR README\.txt\) was aborted by the client/);
    expect(aborted?.explanation).toMatch(/sent ABOR after the server's 150/);
    expect(aborted?.remedies).toEqual([]);
    expect(text(report)).not.toMatch(/persistent|pasv_promiscuous|AllowForeignAddress/);
    expect(session?.report.steps.find((step) => step.id === 'auth-tls')?.result).toBe('warn');
    expect(session?.report.steps.filter((step) => step.mode === 'pasv').map((step) => step.result)).toEqual(['ok', 'warn']);
    expect(report.verdict).toBe('pass');
  });
});

describe('concatenated curl -v logs (#18)', () => {
  it('`cat a.log b.log a.log`: one session per curl run ("Trying host:21..." not announced as data), no data connection to the control port', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fd-curl-cat-'));
    try {
      const ok = await readFile(join(import.meta.dirname, '..', '..', 'fixtures', 'logs', 'curl-epsv-ok.log'));
      const blocked = await readFile(clientFixture('curl-epsv-pasv-fallback.log'));
      const file = join(dir, 'three.log');
      await writeFile(file, Buffer.concat([ok, blocked, ok]));
      const report = await runExplain([file]);
      expect(report.sessions).toHaveLength(3);
      expect(codes(report)).toEqual([[], ['error:DATA_CHANNEL_BLOCKED', 'warning:DATA_TRANSFER_FAILED'], []]);
      expect(report.summary.join(' ')).not.toMatch(/connections? to (?:21|2121)\b|\b21, /);
      const dataPorts = report.sessions.flatMap((session) => session.report.connections.filter((c) => c.purpose === 'data').map((c) => c.to));
      expect(dataPorts.filter((to) => /:21$/.test(to))).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('FileZilla message log saved as Latin-1 (#24)', () => {
  it('German "Zeitüberschreitung" in Latin-1 bytes (not valid UTF-8) is still the data timeout after MLSD: BLOCKED, as its UTF-8 copy', async () => {
    const report = await explain('filezilla-de-latin1.log');
    expect(codes(report)[0]).toContain('error:DATA_CHANNEL_BLOCKED');
    expect(codes(report)[0]).not.toContain('error:DATA_TRANSFER_FAILED');
  });

  it('FileZilla says how long it waited ("nach 20 Sekunden Inaktivität"): the drop is "after 20000 ms" (#13)', async () => {
    const report = await explain('filezilla-de-latin1.log');
    const blocked = report.sessions[0]?.report.findings.find((finding) => finding.code === 'DATA_CHANNEL_BLOCKED');
    expect(blocked?.explanation).toMatch(/timed out after 20000 ms/);
  });
});
