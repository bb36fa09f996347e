/**
 * Bounded child processes, and the registry that makes namespace cleanup total: every namespace
 * we create is registered before anything else happens in it, and is deleted on destroy(), on
 * process exit, and on SIGINT/SIGTERM. Processes still running inside a namespace keep it alive
 * after `ip netns del`, so cleanup kills every pid in it first (`ip netns pids`).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** The process was killed because it outlived its timeout. */
  timedOut: boolean;
}

export interface RunOptions {
  timeoutMs?: number;
  /** Written to stdin, which is then closed. */
  input?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

const DEFAULT_TIMEOUT_MS = 10_000;
/** Output beyond this is discarded: a runaway child must not exhaust our memory. */
const OUTPUT_LIMIT = 4 * 1024 * 1024;

/** Run argv to completion (or to its timeout, then SIGKILL). Rejects only if it cannot start. */
export function run(argv: string[], options: RunOptions = {}): Promise<RunResult> {
  const [command, ...args] = argv;
  if (!command) return Promise.reject(new Error('run: empty argv'));
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], env: options.env ?? process.env, ...(options.cwd ? { cwd: options.cwd } : {}) });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (chunk: Buffer) => {
      if (stdout.length < OUTPUT_LIMIT) stdout += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < OUTPUT_LIMIT) stderr += chunk.toString('utf8');
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, timedOut });
    });
    // A child that exits without reading stdin makes the write fail with EPIPE: not our error.
    child.stdin.on('error', () => {});
    child.stdin.end(options.input ?? '');
  });
}

/** run(), and throw with the command's stderr unless it exited 0. */
export async function runChecked(argv: string[], options: RunOptions = {}): Promise<RunResult> {
  const result = await run(argv, options);
  if (result.code !== 0) {
    const why = result.timedOut ? `timed out after ${options.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms` : `exit ${result.code ?? result.signal}`;
    throw new Error(`${argv.join(' ')}: ${why}: ${result.stderr.trim() || result.stdout.trim()}`);
  }
  return result;
}

const namespaces = new Set<string>();
const children = new Set<ChildProcess>();
let handlersInstalled = false;

export function registerNamespace(name: string): void {
  namespaces.add(name);
  installHandlers();
}

export function registerChild(child: ChildProcess): void {
  children.add(child);
  child.once('exit', () => children.delete(child));
  installHandlers();
}

/**
 * Create a namespace and register it within one turn of the event loop. Signal handlers run
 * between turns, so on Ctrl-C a namespace either does not exist yet or is registered for cleanup:
 * with an asynchronous `ip netns add`, a SIGINT between its exit and the registration left the
 * namespace behind.
 */
export function createNamespaceSync(name: string, timeoutMs = DEFAULT_TIMEOUT_MS): void {
  const result = spawnSync('ip', ['netns', 'add', name], { timeout: timeoutMs, encoding: 'utf8' });
  const stderr = (result.stderr ?? '').trim();
  if (result.status === 0) {
    registerNamespace(name);
    return;
  }
  // Killed mid-way (Ctrl-C reaches the whole process group): it may exist, and then it is ours.
  if (!/exists/i.test(stderr) && existsSync(`/run/netns/${name}`)) registerNamespace(name);
  if (result.error) throw result.error;
  throw new Error(`ip netns add ${name}: ${stderr || `exit ${result.status ?? result.signal}`}`);
}

/** Names this process created and has not deleted yet (for tests and diagnostics). */
export function liveNamespaces(): string[] {
  return [...namespaces];
}

function killChild(child: ChildProcess): void {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

/** Kill the owned children and every other process inside the namespaces, then delete them. Never throws. */
export async function deleteNamespaces(names: string[], owned: Iterable<ChildProcess> = []): Promise<void> {
  for (const child of owned) killChild(child);
  for (const name of names) {
    // Bounded: forked children (vsftpd sessions) may appear while we kill; three sweeps suffice.
    for (let sweep = 0; sweep < 3; sweep += 1) {
      const pids = await run(['ip', 'netns', 'pids', name], { timeoutMs: 5_000 }).catch(() => undefined);
      const list = (pids?.stdout ?? '').split(/\s+/).filter((pid) => /^\d+$/.test(pid)).map(Number);
      if (list.length === 0) break;
      for (const pid of list) killPid(pid);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await run(['ip', 'netns', 'del', name], { timeoutMs: 5_000 }).catch(() => undefined);
    namespaces.delete(name);
  }
}

function killPid(pid: number): void {
  if (pid === process.pid) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/** Synchronous variant for exit and signal handlers, where promises no longer run. */
function deleteAllSync(): void {
  for (const child of children) killChild(child);
  for (const name of namespaces) {
    for (let sweep = 0; sweep < 3; sweep += 1) {
      const pids = spawnSync('ip', ['netns', 'pids', name], { timeout: 5_000, encoding: 'utf8' });
      const list = (pids.stdout ?? '').split(/\s+/).filter((pid) => /^\d+$/.test(pid)).map(Number);
      if (list.length === 0) break;
      for (const pid of list) killPid(pid);
    }
    spawnSync('ip', ['netns', 'del', name], { timeout: 5_000 });
  }
  namespaces.clear();
}

function onSignal(signal: NodeJS.Signals): void {
  deleteAllSync();
  process.removeListener('SIGINT', onSignal);
  process.removeListener('SIGTERM', onSignal);
  // If nobody else handles the signal, die of it as we would have without our handler.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.once('exit', deleteAllSync);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}
