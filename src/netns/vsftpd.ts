/**
 * A real vsftpd (Debian's) as a peer (tests, `scenarios run --server vsftpd`): config from src/netns/vsftpd-config.ts, an anonymous
 * read-only root with a few files, a fresh self-signed certificate when TLS is on. Runs on the
 * host (listening on 127.0.0.1) or inside a namespace of a NetnsTopology. Returns null when
 * vsftpd is not installed — the caller skips with vsftpdMissingReason().
 */
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import type { ServerSettings } from '../topology/model.js';
import { run } from './process.js';
import type { NetnsTopology, Role } from './topology.js';
import { vsftpdConfig } from './vsftpd-config.js';

export const VSFTPD_BINARY = '/usr/sbin/vsftpd';

export interface VsftpdPeer {
  host: string;
  port: number;
  /** The anonymous root on disk (files: hello.txt, dir/nested.txt, big.bin if asked). */
  root: string;
  /** What vsftpd wrote to stderr / fd 0 so far (startup errors, "500 OOPS: ..."). */
  output(): string;
  stop(): Promise<void>;
}

export interface VsftpdOptions {
  settings?: ServerSettings;
  /** Listen address; default 127.0.0.1 on the host, the topology's server address in a namespace. */
  host?: string;
  /** Run inside this namespace (default role: 'server'). */
  netns?: { topology: NetnsTopology; role?: Role };
  startTimeoutMs?: number;
  /**
   * vsftpd.conf lines set verbatim, over what the settings produced: for what ServerSettings has
   * no word for (anonymous_enable=NO, local_enable=YES). Keys and values must be single words.
   */
  extraConfig?: Record<string, string | number>;
}

/** The config with `extra`'s keys replaced (or added): vsftpd keeps one value per key. */
export function withExtraConfig(config: string, extra: Record<string, string | number>): string {
  for (const [key, value] of Object.entries(extra)) {
    if (!/^[a-z_0-9]+$/.test(key) || /\s/.test(String(value))) throw new Error(`not a vsftpd.conf setting: ${key}=${value}`);
  }
  const kept = config.split('\n').filter((line) => line !== '' && !Object.hasOwn(extra, line.split('=')[0] ?? ''));
  return [...kept, ...Object.entries(extra).map(([key, value]) => `${key}=${value}`)].join('\n') + '\n';
}

export function vsftpdMissingReason(): string | null {
  if (process.platform !== 'linux') return 'vsftpd peer tests need Linux';
  if (!existsSync(VSFTPD_BINARY)) return `vsftpd is not installed (${VSFTPD_BINARY}; apt-get install vsftpd)`;
  if (process.getuid?.() !== 0) return 'vsftpd needs root to chroot and drop privileges';
  return null;
}

async function makeCertificate(directory: string): Promise<{ certFile: string; keyFile: string }> {
  const certFile = join(directory, 'cert.pem');
  const keyFile = join(directory, 'key.pem');
  const result = await run(
    ['openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=ftp-doctor-test',
      '-keyout', keyFile, '-out', certFile],
    { timeoutMs: 20_000 },
  );
  if (result.code !== 0) throw new Error(`openssl failed: ${result.stderr.trim()}`);
  return { certFile, keyFile };
}

async function makeTree(root: string, bigFileBytes: number | undefined): Promise<void> {
  await mkdir(join(root, 'dir'), { recursive: true });
  await writeFile(join(root, 'hello.txt'), 'hello from vsftpd\n');
  await writeFile(join(root, 'dir', 'nested.txt'), 'nested\n');
  if (bigFileBytes) await writeFile(join(root, 'big.bin'), Buffer.alloc(bigFileBytes, 0x5a));
  // The ftp user must read the tree but not write its root (vsftpd refuses a writable chroot).
  for (const path of [root, join(root, 'dir')]) await chmod(path, 0o755);
  for (const path of ['hello.txt', 'dir/nested.txt']) await chmod(join(root, path), 0o644);
  if (bigFileBytes) await chmod(join(root, 'big.bin'), 0o644);
}

function tryConnectLocal(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const timer = setTimeout(() => finish(false), 500);
    function finish(ok: boolean) {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    }
    socket.once('connect', () => finish(true));
    socket.once('error', () => finish(false));
  });
}

export async function startVsftpd(options: VsftpdOptions = {}): Promise<VsftpdPeer | null> {
  if (vsftpdMissingReason()) return null;
  const settings = options.settings ?? {};
  const topology = options.netns?.topology;
  const role = options.netns?.role ?? 'server';
  const dualStack = topology?.addresses.v6 !== undefined && role === 'server' && options.host === undefined;
  const host = options.host ?? (topology ? topology.addresses[role === 'edge' ? 'edgeInside' : role] : '127.0.0.1');
  const directory = await mkdtemp(join(tmpdir(), 'ftp-doctor-vsftpd-'));
  await chmod(directory, 0o755);
  const root = join(directory, 'root');
  const emptyDir = join(directory, 'empty');
  await mkdir(emptyDir);
  await makeTree(root, settings.bigFileBytes);
  const certificate = (settings.tls ?? 'none') === 'none' ? {} : await makeCertificate(directory);
  const { config: generated, unsupported } = vsftpdConfig(settings, dualStack ? '::' : host, { root, emptyDir, ...certificate });
  if (unsupported.length > 0) {
    await rm(directory, { recursive: true, force: true });
    throw new Error(`vsftpd cannot do: ${unsupported.join('; ')}`);
  }
  const config = options.extraConfig ? withExtraConfig(generated, options.extraConfig) : generated;
  const configFile = join(directory, 'vsftpd.conf');
  await writeFile(configFile, config);
  const port = Number(/^listen_port=(\d+)$/m.exec(config)?.[1]);
  // vsftpd reports startup errors on fd 0 (its inetd heritage): point fd 0 at stderr.
  const argv = ['sh', '-c', `exec ${VSFTPD_BINARY} "$0" 0>&2`, configFile];
  const child: ChildProcess = topology
    ? topology.spawn(role, argv, { stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn(argv[0] as string, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (chunk: Buffer) => {
    if (output.length < 65_536) output += chunk.toString('utf8');
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  let exited = false;
  // However vsftpd ends (stop(), the namespace's destroy(), a crash), its temp dir goes with it.
  const removed = new Promise<void>((resolve) => {
    child.once('exit', () => {
      exited = true;
      rm(directory, { recursive: true, force: true }).catch(() => undefined).finally(resolve);
    });
  });
  const stop = async () => {
    if (!exited) child.kill('SIGKILL');
    await Promise.race([removed, new Promise((resolve) => setTimeout(resolve, 2_000))]);
  };
  const probe = topology
    ? async () => (await topology.exec(role, ['bash', '-c', `exec 3<>/dev/tcp/${host}/${port}`], { timeoutMs: 2_000 })).code === 0
    : () => tryConnectLocal(host, port);
  // Generous: on a busy machine each probe below spawns a process, and start-up is not what is tested.
  const deadline = Date.now() + (options.startTimeoutMs ?? 20_000);
  for (let attempt = 0; attempt < 100 && Date.now() < deadline; attempt += 1) {
    if (exited) break;
    if (await probe()) return { host, port, root, output: () => output, stop };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await stop();
  throw new Error(`vsftpd did not start on ${host}:${port}: ${output.trim() || 'no output'}`);
}
