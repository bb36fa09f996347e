/** `ftp-doctor exporter` as users start it: a bad config is exit 2 naming file, line and field; a good start serves and stops on SIGTERM. */
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const CLI = [path.resolve('node_modules/tsx/dist/cli.mjs'), 'src/cli/main.ts'];

describe('ftp-doctor exporter', () => {
  it('refuses a bad config before listening: exit 2, file, line and field', async () => {
    const directory = await mkdtemp(path.join(os.tmpdir(), 'fd-exporter-'));
    const file = path.join(directory, 'exporter.yml');
    await writeFile(file, 'modules:\n  edge:\n    tls: sometimes\n');
    const result = await new Promise<{ code: number; stderr: string }>((resolve) =>
      execFile(process.execPath, [...CLI, 'exporter', '--listen', '127.0.0.1:0', '--config', file], { timeout: 60_000 }, (error, _stdout, stderr) => resolve({ code: error ? Number((error as { code?: number }).code) : 0, stderr })),
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`ftp-doctor: ${file}: line 3, modules.edge.tls must be one of none, explicit, implicit`);
  }, 60_000);

  it('serves on the address asked for, warns without an allow-list, stops on SIGTERM with exit 0', async () => {
    const child = spawn(process.execPath, [...CLI, 'exporter', '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no listening line within 60 s: ${stdout} ${stderr}`)), 60_000);
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]!);
        }
      });
    });
    const metrics = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(10_000) });
    expect(metrics.status).toBe(200);
    expect(stderr).toMatch(/warning: no allow-list/);
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const code = await Promise.race([exited, new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 20_000))]);
    if (code === 'hung') child.kill('SIGKILL');
    expect(code).toBe(0);
  }, 90_000);
});
