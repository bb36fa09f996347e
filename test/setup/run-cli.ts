/**
 * The CLI as a user runs it: a child process through tsx, its exit code and both streams. One
 * definition for every test that checks what a command prints and how it exits.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const CLI = [path.resolve('node_modules/tsx/dist/cli.mjs'), 'src/cli/main.ts'];

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function ftpDoctor(args: string[], timeoutMs = 60_000): Promise<CliResult> {
  try {
    const { stdout, stderr } = await run(process.execPath, [...CLI, ...args], { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}
