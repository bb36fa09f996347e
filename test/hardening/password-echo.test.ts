/**
 * The password comes back through the server: a server that quotes it in its 530, in its welcome,
 * its passive replies and its listing must not get it into any output — stdout (table and JSON),
 * stderr, the JUnit file, the report directory (JSON, JUnit, Markdown, HTML), the GitHub step
 * summary and the `::error` annotations — plain or percent-encoded. Through the real CLI, for
 * probe, check (password from the policy's environment variable) and sweep; and serve's log must
 * not show its users' passwords whatever a client sends.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFake, type FakeConnection, type FakeServer } from '../client/fake-ftp.js';

const PASSWORD = 'secret123';
/** Every form the password must not take in any output (compared without regard to case). */
const FORMS = [PASSWORD, encodeURIComponent(PASSWORD), 'secret%31%32%33', '%73%65%63%72%65%74%31%32%33', '%73%65%63%72%65%74%31%32%33'.toUpperCase(), 'secret%2531%2532%2533'];
const ECHO = `password ${PASSWORD} (${FORMS.slice(2).join(', ')}, ${PASSWORD.toUpperCase()})`;
const CLI = [path.resolve('node_modules/tsx/dist/cli.mjs'), 'src/cli/main.ts'];

/** Logs in (or not) and quotes the password in every reply it can. */
function echoingServer(acceptLogin: boolean) {
  return async (connection: FakeConnection): Promise<void> => {
    connection.send(`220 welcome, your ${ECHO}\r\n`);
    let data: Promise<net.Socket> | undefined;
    for (let count = 0; count < 40 && !connection.socket.destroyed; count += 1) {
      const line = await connection.command(20_000).catch(() => undefined);
      if (line === undefined) return;
      const verb = line.split(' ')[0]!.toUpperCase();
      if (verb === 'USER') connection.send(`331 send ${ECHO}\r\n`);
      else if (verb === 'PASS') connection.send(acceptLogin ? `230 logged in with ${ECHO}\r\n` : `530 Login incorrect: ${ECHO}\r\n`);
      else if (verb === 'PASV' || verb === 'EPSV') {
        const listener = await connection.dataListener();
        data = listener.accepted;
        const port = listener.port;
        connection.send(verb === 'PASV' ? `227 Entering Passive Mode (127,0,0,1,${port >> 8},${port & 255}) ${ECHO}\r\n` : `229 Entering Extended Passive Mode (|||${port}|) ${ECHO}\r\n`);
      } else if (verb === 'LIST' && data) {
        const socket = await data;
        connection.send(`150 listing for ${ECHO}\r\n`);
        socket.end(`-rw-r--r-- 1 ftp ftp 12 Jan 01 00:00 ${PASSWORD}.txt\r\n-rw-r--r-- 1 ftp ftp 12 Jan 01 00:00 ${encodeURIComponent(PASSWORD)}%20x\r\n`);
        await new Promise((resolve) => setTimeout(resolve, 20));
        connection.send(`226 done, ${ECHO}\r\n`);
      } else if (verb === 'QUIT') {
        connection.send(`221 bye ${ECHO}\r\n`);
        connection.socket.end();
        return;
      } else connection.send(`502 ${line.slice(0, 40)} is not here; ${ECHO}\r\n`);
    }
  };
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  /** Every file the run wrote: JUnit, the report directory, the step summary. */
  files: Record<string, string>;
}

async function ftpDoctor(args: string[], extraEnv: Record<string, string> = {}): Promise<Run> {
  const directory = await mkdtemp(path.join(os.tmpdir(), 'fd-echo-'));
  const summary = path.join(directory, 'step-summary.md');
  const env = { ...process.env, GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summary, NO_COLOR: '1', ...extraEnv };
  const fullArgs = [...args, '--junit', path.join(directory, 'junit.xml'), '--report-dir', path.join(directory, 'reports')];
  const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, [...CLI, ...fullArgs], { env, timeout: 90_000, maxBuffer: 16 * 1024 * 1024 }, (error, out, err) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? -1) : 0, stdout: String(out), stderr: String(err) });
    });
  });
  const files: Record<string, string> = {};
  const collect = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) await collect(full);
      else files[path.relative(directory, full)] = await readFile(full, 'utf8');
    }
  };
  await collect(directory);
  return { code, stdout, stderr, files };
}

function expectNoPassword(run: Run, expectedFiles: string[]): void {
  const outputs: [string, string][] = [['stdout', run.stdout], ['stderr', run.stderr], ...Object.entries(run.files)];
  for (const name of expectedFiles) expect(Object.keys(run.files)).toContain(name);
  for (const [name, text] of outputs) {
    for (const form of FORMS) expect(text.toLowerCase().includes(form.toLowerCase()), `${name} contains ${form}`).toBe(false);
  }
}

const REPORT_FILES = ['junit.xml', 'step-summary.md', path.join('reports', 'report.json'), path.join('reports', 'report.md'), path.join('reports', 'report.html'), path.join('reports', 'junit.xml')];

describe('a server that echoes the password gets it into no output', () => {
  let refusing: FakeServer;
  let accepting: FakeServer;
  beforeAll(async () => {
    refusing = await startFake(echoingServer(false));
    accepting = await startFake(echoingServer(true));
  });
  afterAll(async () => {
    await refusing.close();
    await accepting.close();
  });

  it('probe, password in FTP_PASSWORD, 530 quoting it: table, annotations, every file', async () => {
    const run = await ftpDoctor(['probe', `ftp://bob@127.0.0.1:${refusing.port}/`, '--connect-timeout', '5000'], { FTP_PASSWORD: PASSWORD });
    expect(run.code).toBe(1);
    // The server's words are still there, the password is not.
    expect(run.stdout).toContain('Login incorrect');
    expect(run.stdout).toMatch(/^::error /m);
    expectNoPassword(run, REPORT_FILES);
  });

  it('probe, password in the URL, --json, a server that logs in and quotes it everywhere', async () => {
    const run = await ftpDoctor(['probe', `ftp://bob:${PASSWORD}@127.0.0.1:${accepting.port}/`, '--json', '--connect-timeout', '5000', '--data-timeout', '5000']);
    const report = JSON.parse(run.stdout) as { verdict: string; transcript: { text: string }[] };
    expect(report.verdict).toBe('pass');
    expect(report.transcript.map((line) => line.text).join('\n')).toContain('logged in with password ***');
    expectNoPassword(run, REPORT_FILES);
  });

  it('check, password from the policy environment variable', async () => {
    const directory = await mkdtemp(path.join(os.tmpdir(), 'fd-echo-policy-'));
    const policy = path.join(directory, 'ftp-doctor.yml');
    await writeFile(policy, `targets:\n  - name: echo\n    url: ftp://bob@127.0.0.1:${refusing.port}/\n    passwordEnv: ECHO_TEST_PASSWORD\n`);
    const run = await ftpDoctor(['check', policy, '--connect-timeout', '5000'], { ECHO_TEST_PASSWORD: PASSWORD });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^::error /m);
    expectNoPassword(run, REPORT_FILES);
  });

  it('sweep, login refused with the password quoted', async () => {
    const run = await ftpDoctor(['sweep', `ftp://bob@127.0.0.1:${refusing.port}/`, '--range', '50000-50003', '--connect-timeout', '5000'], { FTP_PASSWORD: PASSWORD });
    expect(run.code).not.toBe(0);
    expect(`${run.stdout}${run.stderr}`).toMatch(/530|Login incorrect|login/i);
    expectNoPassword(run, []);
  });

  it('probe "ftp://bob:secret123" (no @host): the message names the mistake, not the password', async () => {
    const run = await ftpDoctor(['probe', `ftp://bob:${PASSWORD}`]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/not a URL: ftp:\/\/bob:\*\*\* .*@host/);
    expectNoPassword(run, []);
  });

  it('probe ftp://127.0.0.1:99999/: the port is out of range, not "not a URL"', async () => {
    const run = await ftpDoctor(['probe', 'ftp://127.0.0.1:99999/']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/port 99999 is out of range/);
    expect(run.stderr).not.toMatch(/not a URL/);
  });
});

describe("serve's log never shows a user's password", () => {
  it('a client sending the password as USER, as a command and as PASS', async () => {
    const child = spawn(process.execPath, [...CLI, 'serve', '--host', '127.0.0.1', '--port', '0', '--user', `bob:${PASSWORD}`], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    try {
      const port = await new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`serve did not start: ${stderr}`)), 60_000);
        const check = (): void => {
          const match = /listening on \S+:(\d+)/.exec(stdout);
          if (match) {
            clearTimeout(timer);
            resolve(Number(match[1]));
          }
        };
        child.stdout.on('data', check);
        child.on('exit', () => reject(new Error(`serve exited: ${stderr}`)));
      });
      const socket = net.connect(port, '127.0.0.1');
      socket.on('error', () => {});
      let replies = '';
      socket.on('data', (chunk: Buffer) => (replies += chunk.toString()));
      const waitFor = async (pattern: RegExp): Promise<void> => {
        for (let waited = 0; waited < 20_000 && !pattern.test(replies); waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
      };
      await waitFor(/^220 /m);
      for (const command of [`USER ${PASSWORD}`, `PASS ${PASSWORD}`, `USER bob`, `PASS ${PASSWORD}`, `CWD /${PASSWORD}`, `SITE ${encodeURIComponent(PASSWORD)}`, 'QUIT']) {
        socket.write(`${command}\r\n`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      await waitFor(/^221 /m);
      socket.destroy();
      // The log has had its say about the session.
      for (let waited = 0; waited < 10_000 && !/CWD/.test(stderr); waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(stderr).toMatch(/CWD/);
      for (const form of FORMS) expect(`${stdout}${stderr}`.toLowerCase().includes(form.toLowerCase()), `log contains ${form}`).toBe(false);
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => {
        if (child.exitCode !== null) return resolve(undefined);
        const timer = setTimeout(() => {
          child.kill('SIGKILL');
          resolve(undefined);
        }, 10_000);
        child.on('exit', () => {
          clearTimeout(timer);
          resolve(undefined);
        });
      });
    }
  });
});
