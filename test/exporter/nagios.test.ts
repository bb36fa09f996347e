/**
 * `--format nagios`: the status line and performance data against the Monitoring Plugins
 * Development Guidelines (one line `SERVICE STATE - text | perfdata`, perfdata
 * `'label'=value[UOM];[warn];[crit];[min];[max]` separated by spaces, exit 0/1/2/3), as a pure
 * renderer and through the real CLI against a healthy and a broken server on 127.0.0.1.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { perfData, perfLabel, renderNagiosCheck, renderNagiosProbe, statusText } from '../../src/report/nagios.js';
import type { CheckReport, Finding, FindingCode, ProbeReport, Step } from '../../src/report/model.js';
import { realNetwork } from '../../src/net/real.js';
import { startServer, type RunningServer } from '../../src/server/index.js';
import { startBrokenDataServer } from './broken-ftp.js';
import type { FakeServer } from '../client/fake-ftp.js';

/** The guidelines' grammar: one line, state word, text without '|', then perfdata items. */
const STATUS_LINE = /^FTP (OK|WARNING|CRITICAL|UNKNOWN) - [^|\n]+( \| (.+))?$/;
const PERF_ITEM = /^('[^'=]+'|[A-Za-z0-9_]+)=-?\d+(\.\d+)?(s|%|B|c)?(;(-?\d+(\.\d+)?)?){0,4}$/;

function assertPluginOutput(line: string): string {
  const match = STATUS_LINE.exec(line);
  expect(match, line).not.toBeNull();
  const perf = match?.[3];
  if (perf !== undefined) for (const item of perf.split(/ (?=(?:'[^']*'|[A-Za-z0-9_]+)=)/)) expect(item, `perfdata item in ${line}`).toMatch(PERF_ITEM);
  return match![1]!;
}

const step = (id: string, result: Step['result'], extra: Partial<Step> = {}): Step => ({ id, name: id, result, startedAt: 0, durationMs: 120, detail: '', ...extra });
const finding = (code: FindingCode, severity: Finding['severity'], title: string): Finding => ({ code, severity, title, explanation: '', evidence: [], remedies: [] });

function report(verdict: 'pass' | 'fail', findings: Finding[], steps: Step[] = [step('connect', 'ok'), step('login', 'ok'), step('data:epsv', 'ok', { mode: 'epsv', tls: false })]): ProbeReport {
  return { tool: 'ftp-doctor', version: '0', schemaVersion: 1, kind: 'probe', target: 'ftp://203.0.113.7/', verdict, startedAt: '', durationMs: 5100, addressPolicy: 'control-peer', steps, findings, transcript: [], connections: [] };
}

describe('nagios renderer', () => {
  it.each([
    ['pass, no findings', report('pass', []), 'OK', 0, /^FTP OK - ftp:\/\/203\.0\.113\.7\/: data channel works \(EPSV\) \| time=5\.1s;;;0 /],
    ['pass with a warning', report('pass', [finding('TLS_CERTIFICATE_SELF_SIGNED', 'warning', 'self-signed certificate')]), 'WARNING', 1, /^FTP WARNING - TLS_CERTIFICATE_SELF_SIGNED: self-signed certificate \|/],
    [
      'fail',
      report('fail', [finding('DATA_CHANNEL_BLOCKED', 'error', 'passive data connections to 203.0.113.7:50123 dropped'), finding('EPSV_BLOCKED', 'error', 'x')], [step('data:pasv', 'fail', { mode: 'pasv' })]),
      'CRITICAL',
      2,
      /^FTP CRITICAL - DATA_CHANNEL_BLOCKED: passive data connections to 203\.0\.113\.7:50123 dropped \(\+1 more\) \| time=5\.1s;;;0 data_channels_ok=0;;;0;1 /,
    ],
  ])('%s → %s, exit %d', (_name, input, state, code, pattern) => {
    const output = renderNagiosProbe(input);
    expect(output.state).toBe(state);
    expect(output.exitCode).toBe(code);
    expect(output.line).toMatch(pattern);
    expect(assertPluginOutput(output.line)).toBe(state);
  });

  it('keeps server text on one line and out of the perfdata', () => {
    const output = renderNagiosProbe(report('fail', [finding('LOGIN_FAILED', 'error', 'server said 530 no | way\r\n\u001b[31mhi')]));
    expect(output.line.split('\n')).toHaveLength(1);
    expect(output.line.split('|')).toHaveLength(2);
    assertPluginOutput(output.line);
  });

  it.each([
    ['time', 'time'],
    ['ftp one time', "'ftp one time'"],
    ["it's=odd", 'it_s_odd'],
  ])('perfdata label %j is written %s', (label, written) => expect(perfLabel(label)).toBe(written));

  it.each([
    [{ label: 'time', value: 5.1, uom: 's' as const, min: 0 }, 'time=5.1s;;;0'],
    [{ label: 'ok', value: 2, min: 0, max: 4 }, 'ok=2;;;0;4'],
    [{ label: 'x', value: 0.12345 }, 'x=0.123'],
  ])('perfData(%o) = %s', (value, text) => expect(perfData(value)).toBe(text));

  it('status text never carries a pipe or a line break', () => expect(statusText('a|b\nc')).toBe('a/b c'));

  it.each([
    ['all pass', ['pass', 'pass'], [undefined, undefined], 'OK'],
    ['one fails', ['pass', 'fail'], [undefined, undefined], 'CRITICAL'],
    ['the tool failed on one', ['pass', 'fail'], [undefined, 'probe crashed'], 'UNKNOWN'],
  ])('check: %s → %s', (_name, verdicts, errors, state) => {
    const check: CheckReport = {
      tool: 'ftp-doctor', version: '0', schemaVersion: 1, kind: 'check', verdict: verdicts.includes('fail') ? 'fail' : 'pass', startedAt: '', durationMs: 900,
      targets: verdicts.map((verdict, index) => ({ name: `site ${index}`, target: 'ftp://h/', verdict: verdict as 'pass' | 'fail', failures: verdict === 'fail' ? ['passive port 40000 outside 50000-50100'] : [], ...(errors[index] ? { error: errors[index] } : { probe: report(verdict as 'pass' | 'fail', []) }) })),
    };
    const output = renderNagiosCheck(check);
    expect(output.state).toBe(state);
    expect(assertPluginOutput(output.line)).toBe(state);
  });
});

const CLI = [path.resolve('node_modules/tsx/dist/cli.mjs'), 'src/cli/main.ts'];

function ftpDoctor(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [...CLI, ...args], { timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? -1) : 0, stdout, stderr });
    });
  });
}

describe('--format nagios through the CLI (127.0.0.1 only)', () => {
  let healthy: RunningServer;
  let broken: FakeServer;
  beforeAll(async () => {
    healthy = await startServer({ host: '127.0.0.1', port: 0, anonymous: true, log: 'none' }, realNetwork);
    broken = await startBrokenDataServer();
  });
  afterAll(async () => {
    await healthy?.close();
    await broken?.close();
  });
  const timeouts = ['--connect-timeout', '5000', '--data-timeout', '3000'];

  it('probe: a healthy server is OK, exit 0', async () => {
    const result = await ftpDoctor(['probe', `ftp://127.0.0.1:${healthy.port}/`, '--format', 'nagios', ...timeouts]);
    expect(result.stdout.trim().split('\n')).toHaveLength(1);
    expect(assertPluginOutput(result.stdout.trim())).toBe('OK');
    expect(result.code).toBe(0);
  }, 60_000);

  it('probe: a refused data channel is CRITICAL, exit 2', async () => {
    const result = await ftpDoctor(['probe', `ftp://127.0.0.1:${broken.port}/`, '--format=nagios', ...timeouts]);
    expect(assertPluginOutput(result.stdout.trim())).toBe('CRITICAL');
    expect(result.stdout).toMatch(/DATA_CHANNEL_REFUSED/);
    expect(result.code).toBe(2);
  }, 60_000);

  it('a usage error is UNKNOWN, exit 3, on stdout', async () => {
    const result = await ftpDoctor(['probe', 'http://nowhere/', '--format', 'nagios']);
    expect(assertPluginOutput(result.stdout.trim())).toBe('UNKNOWN');
    expect(result.code).toBe(3);
  }, 60_000);

  it('check: one healthy and one broken target is CRITICAL, exit 2', async () => {
    const directory = await mkdtemp(path.join(os.tmpdir(), 'fd-nagios-'));
    const policy = path.join(directory, 'ftp-doctor.yml');
    await writeFile(policy, `targets:\n  - name: good\n    url: ftp://127.0.0.1:${healthy.port}/\n  - name: bad\n    url: ftp://127.0.0.1:${broken.port}/\n`);
    const result = await ftpDoctor(['check', policy, '--format', 'nagios', ...timeouts]);
    expect(assertPluginOutput(result.stdout.trim())).toBe('CRITICAL');
    expect(result.stdout).toMatch(/1 of 2 targets failed: bad/);
    expect(result.code).toBe(2);
  }, 60_000);

  it('without the flag the exit codes stay 0/1/2: a failed probe exits 1', async () => {
    const result = await ftpDoctor(['probe', `ftp://127.0.0.1:${broken.port}/`, '--report-dir', 'none', ...timeouts]);
    expect(result.code).toBe(1);
  }, 60_000);
});
