/**
 * The reference server: resolve options, build the shared context, listen, admit sessions under
 * the global and per-address caps, and close everything (421 to every client) on request.
 */
import { EventEmitter } from 'node:events';
import { isIPv4 } from 'node:net';
import { normalizeAddress } from '../ftp/address.js';
import { formatHostPort } from '../ftp/passive.js';
import { formatReply } from '../ftp/reply.js';
import type { Connection, Listener, Network } from '../net/network.js';
import { COMMAND_NAMES, COMMANDS } from './commands/index.js';
import { decideAdmission } from './admission.js';
import { resolveLimits, type ResolvedOptions, type ServerContext } from './context.js';
import { DemoFileSystem } from './filesystem/demo.js';
import { DiskFileSystem } from './filesystem/disk.js';
import type { FileSystem } from './filesystem/vfs.js';
import { LoginThrottle } from './login-throttle.js';
import { ServerLog } from './log.js';
import type { ServerOptions } from './options.js';
import { PassivePortAllocator } from './passive-ports.js';
import { Session } from './session.js';
import { loadTlsMaterial } from './tls.js';

export interface RunningServer {
  host: string;
  port: number;
  /** SHA-256 fingerprint of the certificate when TLS is on. */
  fingerprint256?: string;
  /** True when the certificate was generated at start (the CLI prints its fingerprint). */
  generatedCertificate?: boolean;
  /** Says 421 to every client, closes everything, resolves when done. */
  close(): Promise<void>;
  /** 'log' events carry LogEntry objects. */
  events: EventEmitter;
  /** The server's own logger, for the CLI's lines about the server (a signal received) to share its format. */
  log: ServerLog;
}

export function resolveOptions(options: Partial<ServerOptions>): ResolvedOptions {
  const tls = options.tls ?? 'none';
  return {
    ...options,
    host: options.host ?? '0.0.0.0',
    port: options.port ?? (tls === 'implicit' ? 990 : 21),
    tls,
    evidence: options.evidence ?? true,
    misbehave: options.misbehave ?? {},
  };
}

async function openFiles(options: ResolvedOptions): Promise<FileSystem> {
  if (options.root !== undefined) return DiskFileSystem.open(options.root, options.writable === true, options.uploadLimits);
  if (options.writable) throw new Error('a writable server needs a root directory (--root DIR); the demo tree is read-only');
  return new DemoFileSystem(options.demoFiles);
}

export async function startServer(input: Partial<ServerOptions>, network: Network): Promise<RunningServer> {
  const options = resolveOptions(input);
  if (options.externalIp !== undefined && !isIPv4(options.externalIp)) throw new Error(`external address ${options.externalIp} is not an IPv4 address`);
  if (options.misbehave.advertiseAddress !== undefined && !isIPv4(options.misbehave.advertiseAddress)) {
    throw new Error(`advertised address ${options.misbehave.advertiseAddress} is not an IPv4 address`);
  }
  if (options.requireTls && options.tls === 'none') throw new Error('requiring TLS needs TLS enabled (explicit or implicit)');
  const events = new EventEmitter();
  const log = new ServerLog(events);
  const tlsMaterial = options.tls === 'none' ? undefined : await loadTlsMaterial(options.cert, options.key);
  const limits = resolveLimits(options.limits);
  const context: ServerContext = {
    options,
    limits,
    network,
    files: await openFiles(options),
    log,
    events,
    tls: tlsMaterial,
    ports: new PassivePortAllocator(options.pasvRange, options.passivePortRandom),
    loginThrottle: new LoginThrottle({ maxFailures: limits.maxLoginFailuresPerIp, windowMs: limits.loginFailureWindowMs, baseDelayMs: limits.loginFailureDelayMs }),
    misbehavingPorts: options.misbehave.outOfRange ? new PassivePortAllocator(options.misbehave.outOfRange) : undefined,
    commandNames: COMMAND_NAMES,
  };
  const sessions = new Set<Session>();
  let closing = false;

  const refuse = (connection: Connection, reason: string): void => {
    log.warn('refused', `connection from ${normalizeAddress(connection.remoteAddress ?? '?')} refused: ${reason}`);
    // Plain text even on an implicit-TLS port: the client sees at least a reset, and we leak nothing.
    connection.end(formatReply(421, `${reason}; try again later.`));
    setTimeout(() => connection.destroy(), 1000).unref?.();
  };

  const admit = (connection: Connection): void => {
    const address = normalizeAddress(connection.remoteAddress ?? 'unknown');
    if (closing) return refuse(connection, 'server shutting down');
    const decision = decideAdmission(sessions, address, limits);
    if (decision.kind === 'refuse') return refuse(connection, decision.reason);
    if (decision.kind === 'evict') {
      const victim = decision.victim;
      // Its slot is free from now on, whatever its close takes.
      sessions.delete(victim);
      victim.log('info', 'evicted', `closed to make room for ${address}: the server is full and this session has not logged in`);
      void victim.close('Server full: closing a connection that has not logged in.');
    }
    const session = new Session(context, connection, COMMANDS);
    sessions.add(session);
    void session.closed.then(() => sessions.delete(session));
    void session.start().catch((error: unknown) => {
      log.warn('error', `session failed to start: ${(error as Error).message}`);
      session.destroy();
    });
  };

  const listener: Listener = await network.listen({ host: options.host, port: options.port }, admit);
  log.info('listen', `listening on ${formatHostPort(listener.host, listener.port)}`, { host: listener.host, port: listener.port });

  return {
    host: listener.host,
    port: listener.port,
    ...(tlsMaterial ? { fingerprint256: tlsMaterial.fingerprint256, generatedCertificate: tlsMaterial.generated } : {}),
    events,
    log,
    close: async () => {
      if (closing) return;
      closing = true;
      const stopped = listener.close();
      await Promise.all([...sessions].map((session) => session.close('Server shutting down.')));
      await stopped;
      log.info('stop', 'server stopped');
    },
  };
}
