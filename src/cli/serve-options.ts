/**
 * `ftp-doctor serve` arguments → ServerOptions. Every check that can fail on bad input fails here
 * with a UsageError saying in one sentence what is wrong, before anything listens.
 */
import { readFileSync, statSync } from 'node:fs';
import { isIP, isIPv4 } from 'node:net';
import type { ServerOptions, ServerUser } from '../server/options.js';
import { UsageError } from './errors.js';
import { rememberSecret } from '../report/secrets.js';

export interface ServeArguments {
  host?: string;
  port?: number;
  root?: string;
  anonymous?: boolean;
  user?: string[];
  usersFile?: string;
  writable?: boolean;
  pasvRange?: string;
  externalIp?: string;
  activeSourcePort?: number;
  tls?: string;
  cert?: string;
  key?: string;
  requireTls?: boolean;
  requireSessionReuse?: boolean;
  allowSweep?: boolean;
  allowCcc?: boolean;
  pasvAcceptTimeout?: number;
  log?: string;
  misbehaveAdvertise?: string;
  misbehaveOutOfRange?: string;
  misbehaveRefuseEpsv?: boolean;
  misbehaveRefusePort?: boolean;
  coalesceReplies?: boolean;
  demoFile?: string[];
  evidence?: boolean;
  throttle?: number;
  maxSessions?: number;
  maxSessionsPerIp?: number;
  anonymousWritable?: boolean;
  maxUploadBytes?: string;
  minFreeBytes?: string;
}

export function parsePort(value: unknown, flag: string, allowZero = true): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < (allowZero ? 0 : 1) || port > 65535) {
    throw new UsageError(`${flag} must be a port number from ${allowZero ? 0 : 1} to 65535, not ${JSON.stringify(String(value))}.`);
  }
  return port;
}

export function parseRange(value: string, flag: string): { from: number; to: number } {
  const match = /^\s*(\d{1,5})\s*-\s*(\d{1,5})\s*$/.exec(value);
  if (!match) throw new UsageError(`${flag} must look like 50000-50100, not ${JSON.stringify(value)}.`);
  const from = Number(match[1]);
  const to = Number(match[2]);
  if (from < 1 || to > 65535) throw new UsageError(`${flag} ${value}: ports must be from 1 to 65535.`);
  if (from > to) throw new UsageError(`${flag} ${value}: the first port must not be above the last.`);
  return { from, to };
}

export function parseUser(value: string, where: string): ServerUser {
  const colon = value.indexOf(':');
  if (colon <= 0 || colon === value.length - 1) throw new UsageError(`${where} must be NAME:PASSWORD with both parts non-empty.`);
  const name = value.slice(0, colon);
  if (/[\s\0]/.test(name)) throw new UsageError(`${where}: the user name must not contain spaces or NUL.`);
  const password = value.slice(colon + 1);
  // A client may send a user's password where it does not belong (as USER, say): the log must not show it.
  rememberSecret(password);
  return { name, password };
}

const SIZE_UNITS: Record<string, number> = { '': 1, B: 1, K: 1024, KIB: 1024, M: 1024 ** 2, MIB: 1024 ** 2, G: 1024 ** 3, GIB: 1024 ** 3, T: 1024 ** 4, TIB: 1024 ** 4 };

/** "100MiB" → 104857600; undefined when `text` is not a byte count with an optional binary unit. */
export function parseByteCount(text: string): number | undefined {
  const match = /^\s*(\d{1,15})\s*([A-Za-z]*)\s*$/.exec(text);
  const unit = SIZE_UNITS[(match?.[2] ?? '').toUpperCase()];
  if (!match || unit === undefined) return undefined;
  const size = Number(match[1]) * unit;
  return Number.isSafeInteger(size) ? size : undefined;
}

/** "big/file.bin:100MiB" → ['big/file.bin', 104857600]. */
export function parseDemoFile(value: string): [string, number] {
  const colon = value.lastIndexOf(':');
  const size = colon > 0 ? parseByteCount(value.slice(colon + 1)) : undefined;
  if (size === undefined) throw new UsageError(`--demo-file must be PATH:BYTES (e.g. big.bin:100MiB), not ${JSON.stringify(value)}.`);
  return [value.slice(0, colon), size];
}

function byteLimit(value: string, flag: string): number {
  const size = parseByteCount(String(value));
  if (size === undefined) throw new UsageError(`${flag} must be a number of bytes, optionally with a unit (e.g. 2GiB, 500MiB; 0 = no limit), not ${JSON.stringify(String(value))}.`);
  return size;
}

/** Storage limits of a writable root (the server's defaults apply to what is not given). */
function uploadLimits(args: ServeArguments): ServerOptions['uploadLimits'] {
  const limits: NonNullable<ServerOptions['uploadLimits']> = {};
  if (args.maxUploadBytes !== undefined) limits.maxBytes = byteLimit(args.maxUploadBytes, '--max-upload-bytes');
  if (args.minFreeBytes !== undefined) limits.minFreeBytes = byteLimit(args.minFreeBytes, '--min-free-bytes');
  if (Object.keys(limits).length === 0) return undefined;
  if (!args.writable) throw new UsageError('--max-upload-bytes and --min-free-bytes limit uploads and need --writable.');
  return limits;
}

/**
 * Anonymous logins on a writable root let anyone on the network upload, overwrite and delete:
 * only with an explicit --anonymous-writable, which means nothing on its own.
 */
function checkAnonymousWrites(args: ServeArguments): void {
  if (args.anonymousWritable && !(args.anonymous && args.writable)) {
    throw new UsageError('--anonymous-writable confirms --anonymous together with --writable; give both, or leave it out.');
  }
  if (args.anonymous && args.writable && !args.anonymousWritable) {
    throw new UsageError('--anonymous with --writable lets anyone who can connect upload, overwrite and delete files; add --anonymous-writable if that is really wanted, or log in with --user NAME:PASSWORD instead of --anonymous.');
  }
}

/** What the operator should know before clients arrive (printed on stderr, never fatal). */
export function serveWarnings(options: Partial<ServerOptions>): string[] {
  const warnings: string[] = [];
  if (!options.anonymous && (options.users ?? []).length === 0) {
    warnings.push('warning: no user can log in (no --anonymous, --user or --users-file): every login will be refused with 530.');
  }
  return warnings;
}

function readable(file: string, flag: string): void {
  try {
    if (!statSync(file).isFile()) throw new Error('not a file');
  } catch {
    throw new UsageError(`${flag} ${file}: no such readable file.`);
  }
}

function readUsersFile(file: string): ServerUser[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new UsageError(`--users-file ${file}: cannot read it.`);
  }
  return text
    .split(/\r?\n/)
    .map((line, index) => ({ line: line.trim(), index }))
    .filter(({ line }) => line !== '' && !line.startsWith('#'))
    .map(({ line, index }) => parseUser(line, `--users-file ${file} line ${index + 1}`));
}

export function serveOptionsFromArguments(args: ServeArguments): Partial<ServerOptions> {
  const tls = args.tls ?? 'none';
  if (tls !== 'none' && tls !== 'explicit' && tls !== 'implicit') throw new UsageError(`--tls must be none, explicit or implicit, not ${JSON.stringify(tls)}.`);
  const host = args.host ?? '0.0.0.0';
  if (!isIP(host)) throw new UsageError(`--host must be an IP address to listen on, not ${JSON.stringify(host)}.`);
  const options: Partial<ServerOptions> = { host, port: args.port === undefined ? (tls === 'implicit' ? 990 : 21) : parsePort(args.port, '--port'), tls };
  if (args.root !== undefined) {
    let isDirectory = false;
    try {
      isDirectory = statSync(args.root).isDirectory();
    } catch {
      isDirectory = false;
    }
    if (!isDirectory) throw new UsageError(`--root ${args.root}: no such directory.`);
    options.root = args.root;
  }
  if (args.writable) {
    if (args.root === undefined) throw new UsageError('--writable needs --root DIR: the built-in demo tree is read-only.');
    options.writable = true;
  }
  checkAnonymousWrites(args);
  if (args.anonymous) options.anonymous = true;
  const storage = uploadLimits(args);
  if (storage) options.uploadLimits = storage;
  const users = [...(args.user ?? []).map((value) => parseUser(value, '--user')), ...(args.usersFile !== undefined ? readUsersFile(args.usersFile) : [])];
  if (users.length > 0) options.users = users;
  if (args.pasvRange !== undefined) options.pasvRange = parseRange(args.pasvRange, '--pasv-range');
  if (args.externalIp !== undefined) {
    if (!isIPv4(args.externalIp)) throw new UsageError(`--external-ip must be an IPv4 address (it goes into 227 replies), not ${JSON.stringify(args.externalIp)}.`);
    options.externalIp = args.externalIp;
  }
  if (args.activeSourcePort !== undefined) options.activeSourcePort = parsePort(args.activeSourcePort, '--active-source-port', false);
  if ((args.cert === undefined) !== (args.key === undefined)) throw new UsageError('--cert and --key go together: give both or neither.');
  if (args.cert !== undefined && args.key !== undefined) {
    if (tls === 'none') throw new UsageError('--cert and --key need --tls explicit or --tls implicit.');
    readable(args.cert, '--cert');
    readable(args.key, '--key');
    options.cert = args.cert;
    options.key = args.key;
  }
  if (args.requireTls) {
    if (tls === 'none') throw new UsageError('--require-tls needs --tls explicit or --tls implicit.');
    options.requireTls = true;
  }
  if (args.requireSessionReuse) {
    if (tls === 'none') throw new UsageError('--require-session-reuse needs --tls explicit or --tls implicit.');
    options.requireSessionReuse = true;
  }
  if (args.allowSweep) {
    if (options.pasvRange === undefined) throw new UsageError('--allow-sweep needs --pasv-range A-B: the sweep proves the ports of that range.');
    options.allowSweep = true;
  }
  if (args.allowCcc) {
    if (tls === 'none') throw new UsageError('--allow-ccc needs --tls explicit or --tls implicit.');
    options.allowCcc = true;
  }
  const log = args.log ?? 'text';
  if (log !== 'text' && log !== 'json' && log !== 'none') throw new UsageError(`--log must be text, json or none, not ${JSON.stringify(log)}.`);
  options.log = log;
  const misbehave: NonNullable<ServerOptions['misbehave']> = {};
  if (args.misbehaveAdvertise !== undefined) {
    if (!isIPv4(args.misbehaveAdvertise)) throw new UsageError(`--misbehave-advertise must be an IPv4 address, not ${JSON.stringify(args.misbehaveAdvertise)}.`);
    misbehave.advertiseAddress = args.misbehaveAdvertise;
  }
  if (args.misbehaveOutOfRange !== undefined) misbehave.outOfRange = parseRange(args.misbehaveOutOfRange, '--misbehave-out-of-range');
  if (args.misbehaveRefuseEpsv) misbehave.refuseEpsv = true;
  if (args.misbehaveRefusePort) misbehave.refusePort = true;
  if (args.coalesceReplies) misbehave.coalesceReplies = true;
  if (Object.keys(misbehave).length > 0) options.misbehave = misbehave;
  if (args.demoFile && args.demoFile.length > 0) {
    if (args.root !== undefined) throw new UsageError('--demo-file adds to the built-in demo tree and cannot be used with --root.');
    options.demoFiles = Object.fromEntries(args.demoFile.map(parseDemoFile));
  }
  if (args.evidence === false) options.evidence = false;
  if (args.throttle !== undefined) {
    if (!Number.isFinite(args.throttle) || args.throttle <= 0) throw new UsageError('--throttle must be a positive number of bytes per second.');
    options.throttleBytesPerSecond = args.throttle;
  }
  const limits: NonNullable<ServerOptions['limits']> = {};
  for (const [key, value, flag] of [
    ['maxSessions', args.maxSessions, '--max-sessions'],
    ['maxSessionsPerIp', args.maxSessionsPerIp, '--max-sessions-per-ip'],
    ['pasvAcceptTimeoutMs', args.pasvAcceptTimeout, '--pasv-accept-timeout'],
  ] as const) {
    if (value === undefined) continue;
    if (!Number.isInteger(value) || value < 1) throw new UsageError(`${flag} must be a whole number of at least 1.`);
    limits[key] = value;
  }
  if (Object.keys(limits).length > 0) options.limits = limits;
  return options;
}
