/**
 * `ftp-doctor preflight` end to end, as a user runs it: exit 0 pass / 1 fail / 2 for what cannot
 * be read (the message names the file and line), --json, --junit, --report-dir, --write-scenario
 * (and `scenarios run` of what it wrote), --as, a directory of Pure-FTPd option files.
 */
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkNetnsSupport } from '../../src/netns/preflight.js';
import { ftpDoctor as runCli } from '../setup/run-cli.js';

const support = await checkNetnsSupport();
const netnsMissing = support.ok ? null : support.reason;
const FIXTURES = 'test/fixtures/preflight';

const ftpDoctor = (args: string[]): ReturnType<typeof runCli> => runCli(args, 120_000);

describe('ftp-doctor preflight', async () => {
  const directory = await mkdtemp(path.join(os.tmpdir(), 'fd-preflight-'));

  it('a range wider than what is published: exit 1, the finding names both files and lines; --json is the report', { timeout: 120_000 }, async () => {
    const text = await ftpDoctor(['preflight', `${FIXTURES}/vsftpd.conf`, `${FIXTURES}/compose.yml`, '--no-simulate']);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/PASV_PORT_OUT_OF_RANGE/);
    const json = await ftpDoctor(['preflight', `${FIXTURES}/vsftpd.conf`, `${FIXTURES}/compose.yml`, '--json', '--no-simulate']);
    const report = JSON.parse(json.stdout) as { kind: string; verdict: string; findings: { code: string; evidence: string[] }[] };
    expect(report.kind).toBe('preflight');
    expect(report.findings[0]?.evidence[0]).toBe(`${FIXTURES}/vsftpd.conf:6 pasv_max_port=50100 but ${FIXTURES}/compose.yml:8 publishes 50000-50050`);
    expect(json.stdout).not.toContain('not-a-real-one');
  });

  it('a site that works: exit 0, simulated; --junit and --report-dir write their files', { timeout: 120_000 }, async () => {
    const conf = path.join(directory, 'vsftpd.conf');
    await writeFile(conf, 'pasv_min_port=50000\npasv_max_port=50100\npasv_address=203.0.113.7\n');
    const junit = path.join(directory, 'preflight.xml');
    const reports = path.join(directory, 'reports');
    const result = await ftpDoctor(['preflight', conf, `${FIXTURES}/compose-matching.yml`, '--junit', junit, '--report-dir', reports]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/simulated outside client: pass/);
    expect(await readFile(junit, 'utf8')).toMatch(/<testsuite[^>]*name="preflight"/);
    expect(JSON.parse(await readFile(path.join(reports, 'report.json'), 'utf8')).kind).toBe('preflight');
    expect(await readFile(path.join(reports, 'report.html'), 'utf8')).toMatch(/Preflight/);
  });

  it('--write-scenario writes what `scenarios run` accepts and rehearses', { timeout: 180_000 }, async () => {
    const scenario = path.join(directory, 'site.yaml');
    const written = await ftpDoctor(['preflight', `${FIXTURES}/vsftpd-small-range.conf`, `${FIXTURES}/half-small-range.nft`, '--no-simulate', '--write-scenario', scenario]);
    expect(written.code).toBe(1);
    expect(written.stderr).toMatch(/scenario written to/);
    const rehearsed = await ftpDoctor(['scenarios', 'run', scenario, '--json']);
    expect(rehearsed.stderr).not.toMatch(/internal error/);
    expect(JSON.parse(rehearsed.stdout).results[0].id).toBe('preflight');
    // Pinned to the dropped span's run, expecting preflight's fail: the rehearsal meets it.
    expect(rehearsed.code).toBe(0);
  });

  it('--as forces a kind; a directory of /etc/pure-ftpd/conf files is read file by file', { timeout: 120_000 }, async () => {
    const conf = path.join(directory, 'conf');
    await mkdir(conf, { recursive: true });
    await writeFile(path.join(conf, 'PassivePortRange'), '30000 30009\n');
    await writeFile(path.join(conf, 'ForcePassiveIP'), '203.0.113.4\n');
    const settings = path.join(directory, 'settings.txt');
    await writeFile(settings, 'pasv_min_port=1\n');
    const result = await ftpDoctor(['preflight', conf, '--as', `vsftpd=${settings}`, settings, '--json', '--no-simulate']);
    const report = JSON.parse(result.stdout) as { inputs: { kind: string }[]; facts: string[] };
    expect(report.inputs.map((input) => input.kind)).toEqual(['pure-ftpd-option', 'pure-ftpd-option', 'vsftpd']);
    expect(report.facts.join('\n')).toMatch(/advertised address 203\.0\.113\.4/);
  });

  it.skipIf(netnsMissing)('--firewall netns runs the site on the real kernel', { timeout: 300_000 }, async () => {
    const result = await ftpDoctor(['preflight', `${FIXTURES}/vsftpd-small-range.conf`, `${FIXTURES}/helper-only.nft`, '--firewall', 'netns', '--json']);
    const report = JSON.parse(result.stdout) as { simulation?: { backend: string; verdict: string } };
    expect(report.simulation?.backend).toBe('netns');
    expect(report.simulation?.verdict).toBe('pass');
    expect(result.code).toBe(0);
  });

  it.each([
    ['a missing file', (dir: string) => [path.join(dir, 'missing.conf')], /missing\.conf: no such file/],
    ['a file of no known kind', async (dir: string) => {
      const file = path.join(dir, 'notes.txt');
      await writeFile(file, 'hello\n');
      return [file];
    }, /notes\.txt: cannot tell what kind of file this is; say --as KIND=/],
    ['a broken compose file', async (dir: string) => {
      const file = path.join(dir, 'compose.yml');
      await writeFile(file, 'services:\n  ftp:\n    ports: [\n');
      return [file];
    }, /compose\.yml: line \d+/],
    ['a bad --as', () => ['--as', 'nonsense=x', 'x'], /--as nonsense=x: write KIND=FILE/],
    ['a bad --public-address', () => [`${FIXTURES}/vsftpd.conf`, '--public-address', 'ftp.example.com'], /--public-address must be an IPv4 address/],
  ] as [string, (dir: string) => string[] | Promise<string[]>, RegExp][])('%s: exit 2 with one sentence', { timeout: 120_000 }, async (_name, args, message) => {
    const result = await ftpDoctor(['preflight', ...(await args(directory))]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/internal error|\n\s+at /);
  });
});
