/**
 * `--retrieve` of a file the server refuses (550 No such file or directory), against the reference
 * server: the finding says the server refused the file and quotes the reply, its remedies are
 * about the path (never NAT or firewall rules), no data token is claimed for a transfer that never
 * started, and check's failure sentence carries the server's words.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateTarget } from '../../src/check/evaluate.js';
import type { PolicyTarget } from '../../src/check/policy.js';
import { realNetwork } from '../../src/net/real.js';
import { probe, type ProbeRun } from '../../src/probe/engine.js';
import { startServer, type RunningServer } from '../../src/server/index.js';

const MISSING = '/outgoing/manifest.txt';
const REPLY = '550 No such file or directory.';

let server: RunningServer | undefined;
let run: ProbeRun;

beforeAll(async () => {
  server = await startServer({ host: '127.0.0.1', port: 0, anonymous: true, log: 'none' }, realNetwork);
  run = await probe({ url: `ftp://127.0.0.1:${server.port}/`, modes: ['pasv'], connectTimeoutMs: 5000, dataTimeoutMs: 5000, retrieve: MISSING }, realNetwork);
});
afterAll(async () => {
  await server?.close();
});

const target = (extra: Partial<PolicyTarget> = {}): PolicyTarget => ({ name: 't', url: 'ftp://127.0.0.1/', modes: ['pasv'], retrieve: MISSING, ...extra });

describe('a retrieval the server refuses', () => {
  it('is FILE_UNAVAILABLE quoting the reply, with path remedies only, and fails the verdict', () => {
    const { report } = run;
    expect(report.verdict).toBe('fail');
    const errors = report.findings.filter((finding) => finding.severity === 'error');
    expect(errors.map((finding) => finding.code)).toEqual(['FILE_UNAVAILABLE']);
    const [finding] = errors;
    expect(finding?.title).toBe(`The server refused RETR ${MISSING}: "${REPLY}"`);
    expect(finding?.explanation).toMatch(/path is wrong or this login may not read it/);
    expect(finding?.evidence).toContain(`< ${REPLY}`);
    expect(finding?.remedies.map((remedy) => remedy.product)).toEqual(['Client']);
    expect(JSON.stringify(finding?.remedies)).not.toMatch(/persistent|SNAT|nft|iptables/);
  });

  it('claims no data token: the server never started a transfer', () => {
    const retrieval = run.evidence.attempts.find((attempt) => attempt.transferCommand === `RETR ${MISSING}`);
    expect(retrieval?.transfer.outcome).toBe('refused-by-server');
    expect(retrieval?.token).toBeUndefined();
    const text = JSON.stringify(run.report);
    expect(text).not.toMatch(/data token: expected/);
    expect(text).not.toMatch(/token mismatch/);
  });

  it("check's failure sentence carries the server's reply", () => {
    expect(evaluateTarget(target(), run)).toEqual([`PASV did not work: FILE_UNAVAILABLE: The server refused RETR ${MISSING}: "${REPLY}"`]);
  });

  it("check quotes the reply even when the cited finding's words do not", () => {
    const finding = { code: 'DATA_TRANSFER_FAILED' as const, severity: 'error' as const, title: 'The PASV data transfer failed', explanation: '', evidence: [], remedies: [] };
    const generic: ProbeRun = { ...run, report: { ...run.report, findings: [finding] } };
    expect(evaluateTarget(target(), generic)).toEqual([`PASV did not work: DATA_TRANSFER_FAILED: The PASV data transfer failed (the server answered "${REPLY}")`]);
  });
});
