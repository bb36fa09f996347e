/**
 * vsftpd on loopback for the concurrency benchmark, with extra settings the shared launcher
 * (src/netns/vsftpd.ts) has no knob for: its per-address cap (max_per_ip, 50 by default) must be
 * raised like ours, or the benchmark measures a config limit instead of the server. The config is
 * the project's own (vsftpdConfig) plus those lines. Every process it forks keeps the master's
 * argv, which names our private temp config file: that is how memory is summed and how stop()
 * finds the sessions a killed master leaves behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VSFTPD_BINARY } from '../src/netns/vsftpd.js';
import { vsftpdConfig } from '../src/netns/vsftpd-config.js';
import { pidsWithArgument } from './system.js';

export interface BenchVsftpd {
  port: number;
  root: string;
  /** The master and every session process. */
  pids(): number[];
  stop(): Promise<void>;
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const timer = setTimeout(() => finish(false), 500);
    function finish(ok: boolean): void {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    }
    socket.once('connect', () => finish(true));
    socket.once('error', () => finish(false));
  });
}

function killAll(pids: number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

export async function startBenchVsftpd(port: number, extra: Record<string, string | number>): Promise<BenchVsftpd> {
  const directory = await mkdtemp(join(tmpdir(), 'ftp-doctor-bench-vsftpd-'));
  await chmod(directory, 0o755);
  const root = join(directory, 'root');
  const emptyDir = join(directory, 'empty');
  await mkdir(root);
  await mkdir(emptyDir);
  // vsftpd refuses a chroot the ftp user can write to.
  await chmod(root, 0o755);
  const { config } = vsftpdConfig({ port }, '127.0.0.1', { root, emptyDir });
  const configFile = join(directory, 'vsftpd.conf');
  await writeFile(configFile, `${config}${Object.entries(extra).map(([key, value]) => `${key}=${value}`).join('\n')}\n`);
  // vsftpd reports startup errors on fd 0 (its inetd heritage): point fd 0 at stderr.
  const child: ChildProcess = spawn('sh', ['-c', `exec ${VSFTPD_BINARY} "$0" 0>&2`, configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (chunk: Buffer): void => {
    if (output.length < 65_536) output += chunk.toString('utf8');
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  const pids = (): number[] => pidsWithArgument(configFile);
  const stop = async (): Promise<void> => {
    if (!exited) child.kill('SIGKILL');
    // Bounded: sessions forked while we kill are caught by the next sweep.
    for (let sweep = 0; sweep < 5; sweep += 1) {
      const left = pids();
      if (left.length === 0) break;
      killAll(left);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await rm(directory, { recursive: true, force: true });
  };
  for (let attempt = 0; attempt < 50 && !exited; attempt += 1) {
    if (await canConnect(port)) return { port, root, pids, stop };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await stop();
  throw new Error(`vsftpd did not start on 127.0.0.1:${port}: ${output.trim() || 'no output'}`);
}
