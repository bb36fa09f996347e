/**
 * A real ProFTPD (Debian's 1.3.8, mod_tls from proftpd-mod-crypto) as a peer for tests: a third
 * server nobody here wrote, with its own habits (TLS session reuse required by default, CCC,
 * MasqueradeAddress, PassivePorts). Runs on the host, listening on 127.0.0.1 only, from a temp
 * dir holding its config, logs, scoreboard, an anonymous read-only root and, with TLS, a fresh
 * self-signed certificate. Returns null when ProFTPD cannot run here — the caller skips with
 * proftpdMissingReason(). A server that does not come up is an error carrying its logs.
 */
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { awaitGreeting, loopbackFreePort, makeSelfSignedCertificate, spawnPeer } from './peer-launch.js';
import { run } from './process.js';

/**
 * Where ProFTPD is: installed (/usr/sbin/proftpd), or unpacked under a prefix. Debian makes
 * proftpd-core and vsftpd conflict (both are the 'ftp-server'), so .ci/run keeps vsftpd installed
 * and unpacks ProFTPD's packages into .tmp/proftpd-root instead (FTP_DOCTOR_PROFTPD_ROOT names
 * another prefix).
 */
const PREFIXES = [process.env.FTP_DOCTOR_PROFTPD_ROOT, '/', new URL('../../.tmp/proftpd-root/', import.meta.url).pathname].filter(
  (prefix): prefix is string => typeof prefix === 'string' && prefix !== '',
);
const prefix = PREFIXES.find((candidate) => existsSync(join(candidate, 'usr/sbin/proftpd')));
export const PROFTPD_BINARY = join(prefix ?? '/', 'usr/sbin/proftpd');
export const PROFTPD_MODULES = join(prefix ?? '/', 'usr/lib/proftpd');

export interface ProftpdSettings {
  /** Explicit TLS (AUTH TLS) through mod_tls; default none. */
  tls?: 'none' | 'explicit';
  /**
   * TLSRequired's value: 'on' (ProFTPD refuses CCC then: the control channel must stay protected),
   * 'auth+data' (login and data on TLS, control may be cleared with CCC). Default 'on'.
   */
  tlsRequired?: 'on' | 'auth+data' | 'off';
  /**
   * ProFTPD's own default is true: a TLS data connection must resume the control session, or it
   * is rejected. false adds `TLSOptions NoSessionReuseRequired`.
   */
  requireSessionReuse?: boolean;
  /** PassivePorts from to. */
  passivePorts?: { from: number; to: number };
  /** MasqueradeAddress: the address PASV advertises instead of the control connection's. */
  masqueradeAddress?: string;
}

export interface ProftpdPaths {
  directory: string;
  root: string;
  certFile?: string;
  keyFile?: string;
}

export interface ProftpdPeer {
  host: string;
  port: number;
  /** The anonymous root on disk (files: hello.txt, dir/nested.txt). */
  root: string;
  /** ProFTPD's stderr and its system and TLS logs so far (startup errors, refusals, CCC). */
  output(): string;
  stop(): Promise<void>;
}

export interface ProftpdOptions {
  settings?: ProftpdSettings;
  /** Default: a loopback port free a moment before start. */
  port?: number;
  startTimeoutMs?: number;
}

export function proftpdMissingReason(): string | null {
  if (process.platform !== 'linux') return 'ProFTPD peer tests need Linux';
  if (!existsSync(PROFTPD_BINARY)) return `ProFTPD is not installed (${PROFTPD_BINARY}; apt-get install proftpd-core proftpd-mod-crypto, or unpack them as .ci/run does)`;
  if (process.getuid?.() !== 0) return 'ProFTPD needs root to chroot the anonymous user and drop privileges';
  return null;
}

/** Whether mod_tls is there (it ships in proftpd-mod-crypto, apart from the core package). */
export function proftpdTlsMissingReason(): string | null {
  return existsSync(join(PROFTPD_MODULES, 'mod_tls.so')) ? null : `mod_tls is not installed (${PROFTPD_MODULES}/mod_tls.so; apt-get install proftpd-mod-crypto)`;
}

function checkPort(port: number, what: string): void {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`ProFTPD ${what}: not a port: ${port}`);
}

/**
 * proftpd.conf for one test server. Pure. Everything a stock Debian config would put under /run,
 * /var/log or /etc is pointed into the temp dir or switched off, so two servers never share state.
 */
export function proftpdConfig(settings: ProftpdSettings, host: string, port: number, paths: ProftpdPaths): string {
  if (!net.isIPv4(host)) throw new Error(`ProFTPD listen address must be IPv4: ${host}`);
  checkPort(port, 'Port');
  const lines = [
    'ServerName "ftp-doctor test ProFTPD"',
    'ServerType standalone',
    `Port ${port}`,
    `DefaultAddress ${host}`,
    // Without it ProFTPD listens on 0.0.0.0 whatever DefaultAddress says.
    'SocketBindTight on',
    'UseIPv6 off',
    'User nobody',
    'Group nogroup',
    `ScoreboardFile ${join(paths.directory, 'scoreboard')}`,
    `PidFile ${join(paths.directory, 'proftpd.pid')}`,
    `DelayTable ${join(paths.directory, 'delay')}`,
    `SystemLog ${join(paths.directory, 'system.log')}`,
    `TransferLog ${join(paths.directory, 'xfer.log')}`,
    'WtmpLog off',
    'RequireValidShell off',
    // Debian's /etc/ftpusers lists nobody, whom the anonymous login maps to.
    'UseFtpUsers off',
    'UseReverseDNS off',
    // mod_ident is a loadable module on Debian: unknown unless loaded.
    '<IfModule mod_ident.c>',
    '  IdentLookups off',
    '</IfModule>',
    // A session a test left open must not outlive the test by ProFTPD's default 10 minutes.
    'TimeoutIdle 60',
    'MaxInstances 30',
  ];
  if (settings.passivePorts) {
    const { from, to } = settings.passivePorts;
    checkPort(from, 'PassivePorts');
    checkPort(to, 'PassivePorts');
    if (from > to) throw new Error(`ProFTPD PassivePorts: ${from} > ${to}`);
    lines.push(`PassivePorts ${from} ${to}`);
  }
  if (settings.masqueradeAddress !== undefined) {
    if (!net.isIPv4(settings.masqueradeAddress)) throw new Error(`ProFTPD MasqueradeAddress must be an IPv4 address: ${settings.masqueradeAddress}`);
    lines.push(`MasqueradeAddress ${settings.masqueradeAddress}`);
  }
  if ((settings.tls ?? 'none') === 'explicit') {
    if (!paths.certFile || !paths.keyFile) throw new Error('ProFTPD TLS needs a certificate and key');
    const options = settings.requireSessionReuse === false ? ['NoSessionReuseRequired'] : [];
    lines.push(
      `ModulePath ${PROFTPD_MODULES}`,
      'LoadModule mod_tls.c',
      '<IfModule mod_tls.c>',
      '  TLSEngine on',
      `  TLSLog ${join(paths.directory, 'tls.log')}`,
      `  TLSECCertificateFile ${paths.certFile}`,
      `  TLSECCertificateKeyFile ${paths.keyFile}`,
      `  TLSRequired ${settings.tlsRequired ?? 'on'}`,
      ...(options.length > 0 ? [`  TLSOptions ${options.join(' ')}`] : []),
      '</IfModule>',
    );
  }
  lines.push(
    `<Anonymous ${paths.root}>`,
    '  User nobody',
    '  Group nogroup',
    '  UserAlias anonymous nobody',
    '  <Limit WRITE>',
    '    DenyAll',
    '  </Limit>',
    '</Anonymous>',
  );
  return lines.join('\n') + '\n';
}

async function makeTree(root: string): Promise<void> {
  await mkdir(join(root, 'dir'), { recursive: true });
  await writeFile(join(root, 'hello.txt'), 'hello from ProFTPD\n');
  await writeFile(join(root, 'dir', 'nested.txt'), 'nested\n');
  // nobody reads the tree after the chroot; nothing in it is writable by nobody.
  for (const path of [root, join(root, 'dir')]) await chmod(path, 0o755);
  for (const path of ['hello.txt', 'dir/nested.txt']) await chmod(join(root, path), 0o644);
}

export async function startProftpd(options: ProftpdOptions = {}): Promise<ProftpdPeer | null> {
  if (proftpdMissingReason()) return null;
  const settings = options.settings ?? {};
  if ((settings.tls ?? 'none') !== 'none') {
    const tlsMissing = proftpdTlsMissingReason();
    if (tlsMissing) throw new Error(tlsMissing);
  }
  const host = '127.0.0.1';
  const directory = await mkdtemp(join(tmpdir(), 'ftp-doctor-proftpd-'));
  try {
    await chmod(directory, 0o755);
    const root = join(directory, 'root');
    await makeTree(root);
    const certificate = (settings.tls ?? 'none') === 'none' ? {} : await makeSelfSignedCertificate(directory);
    const port = options.port ?? (await loopbackFreePort());
    const configFile = join(directory, 'proftpd.conf');
    await writeFile(configFile, proftpdConfig(settings, host, port, { directory, root, ...certificate }));
    const check = await run([PROFTPD_BINARY, '-t', '-c', configFile], { timeoutMs: 10_000 });
    if (check.code !== 0) throw new Error(`proftpd -t rejected the config: ${(check.stderr + check.stdout).trim()}`);
    return await launch(directory, configFile, host, port, root, options.startTimeoutMs ?? 5_000);
  } catch (error) {
    await rm(directory, { recursive: true, force: true });
    throw error;
  }
}

/** Foreground master in its own process group: stop() kills it and every session child it forked. */
async function launch(directory: string, configFile: string, host: string, port: number, root: string, startTimeoutMs: number): Promise<ProftpdPeer> {
  const peer = spawnPeer([PROFTPD_BINARY, '-n', '-c', configFile], { directory, logFiles: [join(directory, 'system.log'), join(directory, 'tls.log')] });
  await awaitGreeting(peer, 'ProFTPD', host, () => port, /^220[ -].*ProFTPD/, startTimeoutMs);
  return { host, port, root, output: peer.output, stop: peer.stop };
}
