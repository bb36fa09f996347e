/**
 * A real Pure-FTPd (Debian's 1.0.50, privsep, with TLS) as a peer for tests: one more server
 * nobody here wrote, with its own wordings ("500 This security scheme is not implemented" for
 * AUTH SSL, a multi-line 220) and options (-p passive range, -P forced passive address, -Y TLS).
 * Runs on the host, listening on 127.0.0.1 only, configured entirely on its command line; one
 * virtual user (PureDB, chrooted, mapped to nobody) whose home is a fresh read-only tree in a temp
 * dir. Pure-FTPd's anonymous login would serve the system's ftp user's home, shared by everyone,
 * so it stays off. Returns null when Pure-FTPd cannot run here — the caller skips with
 * pureftpdMissingReason().
 */
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { awaitGreeting, loopbackFreePort, makeSelfSignedCertificate, spawnPeer, type RealPeer } from './peer-launch.js';
import { run } from './process.js';

/**
 * Where Pure-FTPd is: installed, or unpacked under a prefix. Debian makes pure-ftpd and vsftpd
 * conflict (both are the 'ftp-server'), so .ci/run keeps vsftpd installed and unpacks Pure-FTPd
 * into .tmp/pureftpd-root instead (FTP_DOCTOR_PUREFTPD_ROOT names another prefix).
 */
const PREFIXES = [process.env.FTP_DOCTOR_PUREFTPD_ROOT, '/', new URL('../../.tmp/pureftpd-root/', import.meta.url).pathname].filter(
  (prefix): prefix is string => typeof prefix === 'string' && prefix !== '',
);
const prefix = PREFIXES.find((candidate) => existsSync(join(candidate, 'usr/sbin/pure-ftpd')));
export const PUREFTPD_BINARY = join(prefix ?? '/', 'usr/sbin/pure-ftpd');
const PURE_PW = join(prefix ?? '/', 'usr/bin/pure-pw');
/** Debian's nobody and nogroup: the virtual user's files are read as them. */
const NOBODY = 65534;

export interface PureftpdSettings {
  /** Explicit TLS (AUTH TLS): 'optional' is -Y 1, 'required' -Y 2 (no login in clear). Default none. */
  tls?: 'none' | 'optional' | 'required';
  /** -p from:to. */
  passivePorts?: { from: number; to: number };
  /** -P: the address PASV advertises instead of the control connection's. */
  forcePassiveIp?: string;
}

export interface PureftpdPaths {
  passwordDb: string;
  transferLog: string;
  certFile?: string;
  keyFile?: string;
}

/** Its output is stdout/stderr and the transfer log: Pure-FTPd logs the rest to syslog. */
export type PureftpdPeer = RealPeer;

export interface PureftpdOptions {
  settings?: PureftpdSettings;
  /** Default: a loopback port free a moment before start. */
  port?: number;
  startTimeoutMs?: number;
}

export function pureftpdMissingReason(): string | null {
  if (process.platform !== 'linux') return 'Pure-FTPd peer tests need Linux';
  if (!existsSync(PUREFTPD_BINARY) || !existsSync(PURE_PW)) {
    return `Pure-FTPd is not installed (${PUREFTPD_BINARY}; apt-get install pure-ftpd, or unpack it as .ci/run does)`;
  }
  if (process.getuid?.() !== 0) return 'Pure-FTPd needs root to chroot its users and drop privileges';
  return null;
}

function checkPort(port: number, what: string): void {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`Pure-FTPd ${what}: not a port: ${port}`);
}

/** Pure-FTPd's command line for one test server. Pure. */
export function pureftpdArgs(settings: PureftpdSettings, host: string, port: number, paths: PureftpdPaths): string[] {
  if (!net.isIPv4(host)) throw new Error(`Pure-FTPd listen address must be IPv4: ${host}`);
  checkPort(port, 'port');
  const args = [
    `--bind=${host},${port}`,
    `--login=puredb:${paths.passwordDb}`,
    '--noanonymous',
    '--chrooteveryone',
    '--dontresolve',
    '--maxclientsnumber=30',
    '--maxclientsperip=30',
    // Minutes: a session a test left open must not outlive it by the default 15.
    '--maxidletime=1',
    '--syslogfacility=none',
    `--altlog=clf:${paths.transferLog}`,
  ];
  if (settings.passivePorts) {
    const { from, to } = settings.passivePorts;
    checkPort(from, 'passive range');
    checkPort(to, 'passive range');
    if (from > to) throw new Error(`Pure-FTPd passive range: ${from} > ${to}`);
    args.push(`--passiveportrange=${from}:${to}`);
  }
  if (settings.forcePassiveIp !== undefined) {
    if (!net.isIPv4(settings.forcePassiveIp)) throw new Error(`Pure-FTPd forced passive address must be IPv4: ${settings.forcePassiveIp}`);
    args.push(`--forcepassiveip=${settings.forcePassiveIp}`);
  }
  const tls = settings.tls ?? 'none';
  if (tls !== 'none') {
    if (!paths.certFile || !paths.keyFile) throw new Error('Pure-FTPd TLS needs a certificate and key');
    args.push(`--tls=${tls === 'required' ? 2 : 1}`, `--certfile=${paths.certFile},${paths.keyFile}`);
  }
  return args;
}

async function makeTree(root: string): Promise<void> {
  await mkdir(join(root, 'dir'), { recursive: true });
  await mkdir(join(root, 'empty'));
  await writeFile(join(root, 'hello.txt'), 'hello from Pure-FTPd\n');
  await writeFile(join(root, 'dir', 'nested.txt'), 'nested\n');
  // nobody reads the tree after the chroot; nothing in it is writable by nobody.
  for (const path of [root, join(root, 'dir'), join(root, 'empty')]) await chmod(path, 0o755);
  for (const path of ['hello.txt', 'dir/nested.txt']) await chmod(join(root, path), 0o644);
}

/** The PureDB file with one user: a crypt(3) SHA-512 hash from openssl, compiled by pure-pw. */
async function makePasswordDb(directory: string, root: string, user: { name: string; password: string }): Promise<string> {
  const hash = await run(['openssl', 'passwd', '-6', '-stdin'], { timeoutMs: 10_000, input: `${user.password}\n` });
  if (hash.code !== 0) throw new Error(`openssl passwd failed: ${hash.stderr.trim()}`);
  const passwdFile = join(directory, 'pureftpd.passwd');
  const passwordDb = join(directory, 'pureftpd.pdb');
  // account:hash:uid:gid:gecos:home (/./ = chroot there), then 12 unused limits.
  await writeFile(passwdFile, `${user.name}:${hash.stdout.trim()}:${NOBODY}:${NOBODY}::${root}/./${':'.repeat(12)}\n`, { mode: 0o600 });
  const compiled = await run([PURE_PW, 'mkdb', passwordDb, '-f', passwdFile], { timeoutMs: 10_000 });
  if (compiled.code !== 0) throw new Error(`pure-pw mkdb failed: ${(compiled.stderr + compiled.stdout).trim()}`);
  return passwordDb;
}

export async function startPureftpd(options: PureftpdOptions = {}): Promise<PureftpdPeer | null> {
  if (pureftpdMissingReason()) return null;
  const settings = options.settings ?? {};
  const host = '127.0.0.1';
  const user = { name: 'probe', password: randomBytes(9).toString('base64url') };
  const directory = await mkdtemp(join(tmpdir(), 'ftp-doctor-pureftpd-'));
  let args: string[];
  let root: string;
  let port: number;
  try {
    await chmod(directory, 0o755);
    root = join(directory, 'root');
    await makeTree(root);
    const passwordDb = await makePasswordDb(directory, root, user);
    const certificate = (settings.tls ?? 'none') === 'none' ? {} : await makeSelfSignedCertificate(directory);
    port = options.port ?? (await loopbackFreePort());
    args = pureftpdArgs(settings, host, port, { passwordDb, transferLog: join(directory, 'xfer.log'), ...certificate });
  } catch (error) {
    await rm(directory, { recursive: true, force: true });
    throw error;
  }
  // Foreground by default; its own process group, so stop() takes every session it forked.
  const peer = spawnPeer([PUREFTPD_BINARY, ...args], { directory, logFiles: [join(directory, 'xfer.log')] });
  await awaitGreeting(peer, 'Pure-FTPd', host, () => port, /^220[ -].*Pure-FTPd/, options.startTimeoutMs ?? 5_000);
  return { host, port, root, user, output: peer.output, stop: peer.stop };
}
