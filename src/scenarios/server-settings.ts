/**
 * Scenario server settings → options of our reference server, either as an options object (the
 * simulator runs the server in-process) or as `ftp-doctor serve` flags (netns runs it as a process).
 */
import type { ServerOptions } from '../server/options.js';
import type { ServerSettings } from '../topology/model.js';
import { parsePortRange } from './validate.js';

export interface ServerPlacement {
  /**
   * The server host is dual stack: listen on '::', which on Linux (bindv6only=0) takes IPv4 too,
   * as IPv4-mapped addresses. IPv4-only topologies keep the documented default 0.0.0.0.
   */
  dualStack?: boolean;
}

/** Scenarios always serve anonymous read-only demo content and an optional big file. */
export function serverOptionsFor(settings: ServerSettings, timing: { acceptTimeoutMs: number }, placement: ServerPlacement = {}): Partial<ServerOptions> {
  const tls = settings.tls ?? 'none';
  const range = parsePortRange(settings.pasvRange);
  const outOfRange = parsePortRange(settings.misbehave?.outOfRangePorts);
  return {
    host: placement.dualStack ? '::' : '0.0.0.0',
    port: settings.port ?? (tls === 'implicit' ? 990 : 21),
    anonymous: true,
    tls,
    log: 'none',
    ...(range ? { pasvRange: range } : {}),
    ...(settings.externalIp ? { externalIp: settings.externalIp } : {}),
    ...(settings.activeSourcePort ? { activeSourcePort: settings.activeSourcePort } : {}),
    ...(settings.requireTls ? { requireTls: true } : {}),
    ...(settings.requireSessionReuse ? { requireSessionReuse: true } : {}),
    ...(settings.allowCcc ? { allowCcc: true } : {}),
    ...(settings.bigFileBytes ? { demoFiles: { '/big.bin': settings.bigFileBytes } } : {}),
    ...(settings.throttleBytesPerSecond ? { throttleBytesPerSecond: settings.throttleBytesPerSecond } : {}),
    misbehave: {
      ...(settings.misbehave?.advertiseAddress ? { advertiseAddress: settings.misbehave.advertiseAddress } : {}),
      ...(outOfRange ? { outOfRange } : {}),
      ...(settings.misbehave?.refuseEpsv ? { refuseEpsv: true } : {}),
      ...(settings.misbehave?.refusePort ? { refusePort: true } : {}),
      ...(settings.misbehave?.coalesceReplies ? { coalesceReplies: true } : {}),
    },
    limits: { pasvAcceptTimeoutMs: timing.acceptTimeoutMs },
  };
}

/** The same settings as `ftp-doctor serve` arguments. */
export function serveArgumentsFor(settings: ServerSettings, timing: { acceptTimeoutMs: number }, placement: ServerPlacement = {}): string[] {
  const options = serverOptionsFor(settings, timing, placement);
  const args = ['serve', '--host', options.host ?? '0.0.0.0', '--port', String(options.port), '--anonymous', '--tls', options.tls ?? 'none', '--log', 'json'];
  if (options.pasvRange) args.push('--pasv-range', `${options.pasvRange.from}-${options.pasvRange.to}`);
  if (options.externalIp) args.push('--external-ip', options.externalIp);
  if (options.activeSourcePort) args.push('--active-source-port', String(options.activeSourcePort));
  if (options.requireTls) args.push('--require-tls');
  if (options.requireSessionReuse) args.push('--require-session-reuse');
  if (options.allowCcc) args.push('--allow-ccc');
  for (const [file, bytes] of Object.entries(options.demoFiles ?? {})) args.push('--demo-file', `${file}:${bytes}`);
  if (options.throttleBytesPerSecond) args.push('--throttle', String(options.throttleBytesPerSecond));
  const misbehave = options.misbehave ?? {};
  if (misbehave.advertiseAddress) args.push('--misbehave-advertise', misbehave.advertiseAddress);
  if (misbehave.outOfRange) args.push('--misbehave-out-of-range', `${misbehave.outOfRange.from}-${misbehave.outOfRange.to}`);
  if (misbehave.refuseEpsv) args.push('--misbehave-refuse-epsv');
  if (misbehave.refusePort) args.push('--misbehave-refuse-port');
  if (misbehave.coalesceReplies) args.push('--coalesce-replies');
  args.push('--pasv-accept-timeout', String(timing.acceptTimeoutMs));
  return args;
}
