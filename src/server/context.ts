/**
 * What every session shares: the resolved options, the network, the file system, the log, TLS
 * material and the passive port allocator. Built once by the server.
 */
import { readOpenFilesLimit, sweepSocketBudget } from '../net/open-files.js';
import type { EventEmitter } from 'node:events';
import type { Network } from '../net/network.js';
import type { FileSystem } from './filesystem/vfs.js';
import type { LoginThrottle } from './login-throttle.js';
import type { ServerLog } from './log.js';
import type { ServerOptions } from './options.js';
import type { PassivePortAllocator } from './passive-ports.js';
import type { TlsMaterial } from './tls.js';

export type Limits = Required<NonNullable<ServerOptions['limits']>>;

export const DEFAULT_LIMITS: Limits = {
  maxSessions: 200,
  maxSessionsPerIp: 32,
  // Unless set: the same as maxSessionsPerIp (see resolveLimits). Full servers evict idle
  // pre-login sessions fairly instead (admission.ts).
  maxPreLoginSessionsPerIp: 32,
  maxLoginFailures: 3,
  maxLoginFailuresPerIp: 20,
  loginFailureWindowMs: 15 * 60_000,
  idleTimeoutMs: 300_000,
  preLoginTimeoutMs: 30_000,
  pasvAcceptTimeoutMs: 30_000,
  dataIdleTimeoutMs: 300_000,
  loginFailureDelayMs: 1_000,
  tlsHandshakeTimeoutMs: 15_000,
  cccPeerCloseGraceMs: 500,
  dataLingerMs: 5_000,
  sweepListenerBudget: sweepSocketBudget(readOpenFilesLimit()),
};

export function resolveLimits(given: ServerOptions['limits'] = {}): Limits {
  const limits = { ...DEFAULT_LIMITS, ...given };
  if (given.maxPreLoginSessionsPerIp === undefined) limits.maxPreLoginSessionsPerIp = limits.maxSessionsPerIp;
  return limits;
}

export interface ResolvedOptions extends ServerOptions {
  tls: 'none' | 'explicit' | 'implicit';
  evidence: boolean;
  misbehave: NonNullable<ServerOptions['misbehave']>;
}

export interface ServerContext {
  options: ResolvedOptions;
  limits: Limits;
  network: Network;
  files: FileSystem;
  log: ServerLog;
  events: EventEmitter;
  tls: TlsMaterial | undefined;
  ports: PassivePortAllocator;
  /** Failed logins per client address, across sessions (login-throttle.ts). */
  loginThrottle: LoginThrottle;
  /** Every verb of the command table, for HELP. */
  commandNames: readonly string[];
  /** Ports for the outOfRange misbehaviour (never the real range). */
  misbehavingPorts: PassivePortAllocator | undefined;
}
