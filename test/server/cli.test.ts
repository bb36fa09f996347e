/** `ftp-doctor serve` as a process: the ready line, 421 on SIGTERM, and exit 2 on bad input. */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RawClient, run } from './helpers.js';

const TSX = path.resolve('node_modules/.bin/tsx');
const MAIN = path.resolve('src/cli/main.ts');

describe('ftp-doctor serve', () => {
  it('prints one ready line, serves, and says 421 to clients on SIGTERM', async () => {
    const child = spawn(TSX, [MAIN, 'serve', '--host', '127.0.0.1', '--port', '0', '--anonymous', '--tls', 'explicit', '--log', 'json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => {
          stdout += chunk.toString();
          if (/fingerprint [0-9A-F:]+\n/.test(stdout)) resolve();
        });
        void exited.then(() => reject(new Error(`serve exited early: ${stderr}`)));
      });
      const lines = stdout.trim().split('\n');
      expect(lines[0]).toMatch(/^listening on 127\.0\.0\.1:\d+$/);
      expect(lines[1]).toMatch(/^self-signed certificate SHA-256 fingerprint ([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
      const port = Number(/:(\d+)$/.exec(lines[0] ?? '')?.[1]);
      const control = await RawClient.open(port);
      await control.login();
      expect((await control.command('PASS secret-word')).code).toBe(230);
      child.kill('SIGTERM');
      expect((await control.reply()).code).toBe(421);
      control.close();
      expect(await exited).toBe(0);
      const entries = stderr.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as { event: string; message: string });
      expect(entries.some((entry) => entry.event === 'login')).toBe(true);
      // The signal is logged like every other line (was a bare line without a time, outside the log format).
      const stopping = entries.findIndex((entry) => entry.message === 'SIGTERM: telling clients 421 and stopping');
      expect(stopping).toBeGreaterThanOrEqual(0);
      expect(stopping).toBeLessThan(entries.findIndex((entry) => entry.message === 'server stopped'));
      expect(stderr).not.toMatch(/^SIGTERM/m);
      expect(stderr).not.toContain('secret-word');
    } finally {
      clearTimeout(killer);
      child.kill('SIGKILL');
    }
  }, 90_000);

  it.each([
    [['--pasv-range', '6000-5000'], /--pasv-range 6000-5000/],
    [['--port', '70000'], /--port must be a port number/],
    [['--tls', 'explicit', '--cert', '/nonexistent/cert.pem', '--key', '/nonexistent/key.pem'], /--cert \/nonexistent\/cert.pem: no such readable file/],
    [['--user', 'bob'], /--user must be NAME:PASSWORD/],
    [['--no-such-flag'], /Unknown argument/],
  ])('bad input %j exits 2 with one sentence', async (args, message) => {
    const result = await run(TSX, [MAIN, 'serve', '--host', '127.0.0.1', ...args], 60_000);
    expect(result.code).toBe(2);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.stdout.toString()).toBe('');
  }, 70_000);
});
