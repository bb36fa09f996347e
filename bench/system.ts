/**
 * The I/O helpers the benchmarks share: the machine they ran on, bounded timed child processes,
 * and memory read from /proc (vsftpd is many processes; our server is one).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { createServer, type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

export interface MachineInfo {
  cpuModel: string;
  cpuCount: number;
  memoryBytes: number;
  kernel: string;
  platform: string;
  node: string;
}

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cpuCount: cpus.length,
    memoryBytes: os.totalmem(),
    kernel: os.release(),
    platform: `${os.platform()} ${os.arch()}`,
    node: process.version,
  };
}

export function describeMachine(machine: MachineInfo): string {
  return `${machine.cpuCount} × ${machine.cpuModel}, ${(machine.memoryBytes / 1024 ** 3).toFixed(1)} GiB, Linux ${machine.kernel}, Node ${machine.node}`;
}

/** A helper script under bench/clients, run through tsx like the rest of the bench. */
export function benchScript(name: string): string[] {
  return [process.execPath, '--import', 'tsx', fileURLToPath(new URL(`./clients/${name}`, import.meta.url))];
}

/**
 * The CLI as users run it: `node dist/cli/main.js` (npm run bench builds it first), so that a
 * figure with start-up included does not include tsx compiling TypeScript on the fly.
 */
export function shippedCli(): string[] {
  const main = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
  if (!existsSync(main)) throw new Error(`${main} is missing: run \`npm run build\` (npm run bench does) before the benchmarks`);
  return [process.execPath, main];
}

export function commandExists(path: string): boolean {
  return existsSync(path);
}

export interface TimedResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Killed at the cap. */
  capped: boolean;
  wallMs: number;
  stdout: string;
  stderr: string;
}

const OUTPUT_LIMIT = 1024 * 1024;

/** Run argv, killing it (SIGKILL) at capMs; the wall time is measured around the whole process. */
export function runTimed(argv: string[], capMs: number, env: NodeJS.ProcessEnv = process.env): Promise<TimedResult> {
  const [command, ...args] = argv;
  if (!command) return Promise.reject(new Error('runTimed: empty argv'));
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child: ChildProcess = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    let stdout = '';
    let stderr = '';
    let capped = false;
    child.stdout?.on('data', (chunk: Buffer) => {
      if (stdout.length < OUTPUT_LIMIT) stdout += chunk.toString('utf8');
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      if (stderr.length < OUTPUT_LIMIT) stderr += chunk.toString('utf8');
    });
    const timer = setTimeout(() => {
      capped = true;
      child.kill('SIGKILL');
    }, capMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, capped, wallMs: performance.now() - started, stdout, stderr });
    });
  });
}

/** The last non-empty line of some output, shortened: why a peer gave up, in its own words. */
export function lastLine(text: string, limit = 120): string {
  const lines = text.split('\n').map((line) => line.trim()).filter(Boolean);
  return (lines[lines.length - 1] ?? '').slice(0, limit);
}

const PAGE_SIZE = 4096;

/** Resident set size of one process from /proc/PID/statm, or 0 if it is gone. */
export function rssOf(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ');
    return Number(fields[1]) * PAGE_SIZE;
  } catch {
    return 0;
  }
}

/** Pids whose command line contains `needle` (vsftpd's forked sessions keep their parent's argv). */
export function pidsWithArgument(needle: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (argv.some((argument) => argument.includes(needle))) pids.push(Number(entry));
    } catch {
      // Exited while we looked.
    }
  }
  return pids;
}

/** Sample a memory figure every intervalMs until stopped; keeps the peak and the sample count. */
export function sampleMemory(read: () => number, intervalMs = 100): { stop(): { peakBytes: number; samples: number } } {
  let peakBytes = read();
  let samples = 1;
  const timer = setInterval(() => {
    peakBytes = Math.max(peakBytes, read());
    samples += 1;
  }, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      peakBytes = Math.max(peakBytes, read());
      return { peakBytes, samples: samples + 1 };
    },
  };
}

/** A free loopback port for a peer (port 21 may be someone else's on a shared machine). */
export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}
