/**
 * The TLS narrations on real captures: curl and lftp against ftp-doctor's own server on 127.0.0.1
 * while tcpdump captures lo, the pcap read back by `explain` with its real readers.
 * - explicit TLS accepted: the capture cannot see EPSV/PASV or the 229/227, so the data
 *   connection is "passive (inferred from the connection's direction)", never "EPSV over TLS";
 * - the server without TLS and clients that use it only if offered (curl --ssl, lftp's default):
 *   AUTH refused is a warn step and LOGIN_IN_CLEAR_TEXT, the listing that worked makes it a pass.
 * Skips with its reason when tcpdump or root is missing.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runExplain } from '../../src/explain/run.js';
import type { ExplainReport } from '../../src/report/model.js';
import { hasCurl, hasLftp, run, serve } from '../server/helpers.js';
import { captureSkipReason, startCapture } from '../capture/tcpdump.js';

/** This file's passive band (test/port-bands.ts). */
const PASSIVE = { from: 24100, to: 24119 };
const USER = { name: 'alice', password: 'tls-narration-secret-4' };

describe.skipIf(captureSkipReason)(`explain on real captures of TLS sessions${captureSkipReason ? ` (skipped: ${captureSkipReason})` : ''}`, () => {
  let directory: string;
  beforeAll(async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), 'ftp-doctor-tls-narration-'));
  });
  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  /** Captures lo while `client` runs against a fresh server, then explains the capture. */
  async function explained(name: string, tls: 'explicit' | 'none', range: { from: number; to: number }, client: (port: number) => Promise<void>): Promise<ExplainReport> {
    const server = await serve({ pasvRange: range, users: [USER], anonymous: false, ...(tls === 'none' ? {} : { tls }) });
    const file = path.join(directory, name);
    try {
      const capture = await startCapture(file, `tcp and host 127.0.0.1 and (port ${server.port} or portrange ${PASSIVE.from}-${PASSIVE.to})`);
      try {
        await client(server.port);
      } finally {
        await capture.stop();
      }
    } finally {
      await server.close();
    }
    return runExplain([file]);
  }

  it.skipIf(!hasCurl)('curl --ssl-reqd: the data connection is passive inferred from its direction, not "EPSV over TLS"', async () => {
    const report = await explained('tls.pcap', 'explicit', { from: 24100, to: 24109 }, async (port) => {
      const result = await run('curl', ['-sS', '-k', '--ssl-reqd', '--max-time', '30', `ftp://${USER.name}:${USER.password}@127.0.0.1:${port}/`]);
      expect(result.code, result.stderr).toBe(0);
    });
    expect(report.verdict).toBe('pass');
    const steps = report.sessions[0]?.report.steps ?? [];
    expect(steps.find((step) => step.id === 'auth-tls')).toMatchObject({ result: 'ok' });
    expect(steps.find((step) => step.id.startsWith('data:'))).toMatchObject({ id: 'data:passive:tls', name: "passive (inferred from the connection's direction)", inferredMode: 'passive', result: 'ok' });
    expect(JSON.stringify(report)).not.toMatch(/(?:EPSV|PASV) over TLS|"mode":"(?:epsv|pasv)"/);
    expect(report.summary.join('\n')).toMatch(/hidden by TLS \(encrypted control channel\): passive \(inferred from the connection's direction: the client opened it to the server's port 241\d\d\)/);
    expect(JSON.stringify(report)).not.toContain(USER.password);
  });

  const refused = [
    ['curl --ssl', hasCurl, (port: number) => run('curl', ['-sS', '--ssl', '--max-time', '30', `ftp://${USER.name}:${USER.password}@127.0.0.1:${port}/`])],
    ['lftp (TLS if offered, its default)', hasLftp, (port: number) => run('lftp', ['-c', `set net:timeout 10; set net:max-retries 1; open -u ${USER.name},${USER.password} ftp://127.0.0.1:${port}; ls`])],
  ] as const;

  for (const [name, available, client] of refused) {
    it.skipIf(!available)(`${name} against a server without TLS: the refused AUTH is a warning, the listing that worked a pass`, async () => {
      const report = await explained(`${name.split(' ')[0]}-clear.pcap`, 'none', { from: 24110, to: 24119 }, async (port) => {
        const result = await client(port);
        expect(result.code, result.stderr).toBe(0);
      });
      const session = report.sessions[0]?.report;
      expect(report.verdict).toBe('pass');
      expect(session?.steps.find((step) => step.id === 'auth-tls')).toMatchObject({ result: 'warn', detail: expect.stringMatching(/^refused \(5\d\d .*\): TLS not offered by the server; the login and data went in clear text$/) });
      expect(session?.findings.map((finding) => `${finding.severity}:${finding.code}`)).toEqual(['warning:LOGIN_IN_CLEAR_TEXT']);
      expect(session?.findings[0]?.explanation).toMatch(/the user name, the password and the data crossed the network in clear text/);
      expect(JSON.stringify(report)).not.toContain(USER.password);
    });
  }
});
