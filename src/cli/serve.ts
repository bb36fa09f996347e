/**
 * `ftp-doctor serve`: run the reference server until SIGINT/SIGTERM, then say 421 to every client
 * and return (main.ts sets the exit code). stdout gets exactly the ready line (and the fingerprint
 * of a generated certificate); the session log goes to stderr.
 */
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { formatHostPort } from '../ftp/passive.js';
import { realNetwork } from '../net/real.js';
import type { ServerOptions } from '../server/options.js';
import { formatLogJson, formatLogText, type LogEntry } from '../server/log.js';
import { canBindPort, lowPortFacts } from '../server/low-port.js';
import { startServer, type RunningServer } from '../server/server.js';
import type { CommandBody } from './commands.js';
import { UsageError } from './errors.js';
import { writeUnguarded } from './guarded-streams.js';
import { serveOptionsFromArguments, serveWarnings, type ServeArguments } from './serve-options.js';

function builder(yargs: Argv): Argv<ServeArguments> {
  return yargs
    .option('host', { type: 'string', describe: 'address to listen on', default: '0.0.0.0' })
    .option('port', { type: 'number', describe: 'control port (default 21, 990 with --tls implicit; 0 = any)' })
    .option('root', { type: 'string', describe: 'serve this directory instead of the built-in demo tree' })
    .option('anonymous', { type: 'boolean', describe: 'allow anonymous/ftp logins with any password' })
    .option('user', { type: 'string', array: true, nargs: 1, requiresArg: true, describe: 'NAME:PASSWORD (repeatable)' })
    .option('users-file', { type: 'string', describe: 'file with one NAME:PASSWORD per line' })
    .option('writable', { type: 'boolean', describe: 'allow uploads, deletes, renames (needs --root)' })
    .option('anonymous-writable', { type: 'boolean', describe: 'confirm that --anonymous users may write on a --writable root' })
    .option('max-upload-bytes', { type: 'string', describe: 'most bytes one upload may carry, e.g. 500MiB (default 1GiB; 0 = no limit)' })
    .option('min-free-bytes', { type: 'string', describe: 'refuse uploads that would leave less free disk space, e.g. 1GiB (default 100MiB; 0 = no floor)' })
    .option('pasv-range', { type: 'string', describe: 'passive ports A-B' })
    .option('external-ip', { type: 'string', describe: 'IPv4 address to put in 227 replies' })
    .option('active-source-port', { type: 'number', describe: 'source port of active connections (e.g. 20)' })
    .option('tls', { type: 'string', choices: ['none', 'explicit', 'implicit'], describe: 'TLS mode' })
    .option('cert', { type: 'string', describe: 'PEM certificate (default: self-signed, generated)' })
    .option('key', { type: 'string', describe: 'PEM private key' })
    .option('require-tls', { type: 'boolean', describe: 'refuse login and data without TLS' })
    .option('require-session-reuse', { type: 'boolean', describe: 'refuse TLS data connections that do not resume the control session' })
    .option('allow-ccc', { type: 'boolean', describe: 'accept CCC (clear the control channel after login on TLS)' })
    .option('pasv-accept-timeout', { type: 'number', describe: 'ms to wait for a passive data connection before 425 (default 30000)' })
    .option('allow-sweep', { type: 'boolean', describe: 'enable SITE SWEEP for ftp-doctor sweep' })
    .option('log', { type: 'string', choices: ['text', 'json', 'none'], default: 'text', describe: 'session log format (stderr)' })
    .option('misbehave-advertise', { type: 'string', describe: 'put this address in 227 replies (a NAT mistake)' })
    .option('misbehave-out-of-range', { type: 'string', describe: 'hand out passive ports from A-B instead of the range' })
    .option('misbehave-refuse-epsv', { type: 'boolean', describe: 'answer EPSV with 502' })
    .option('misbehave-refuse-port', { type: 'boolean', describe: 'answer PORT/EPRT with 502' })
    .option('coalesce-replies', { type: 'boolean', describe: 'write several replies in one segment' })
    .option('demo-file', { type: 'string', array: true, nargs: 1, requiresArg: true, describe: 'PATH:BYTES extra generated demo file (repeatable)' })
    .option('evidence', { type: 'boolean', default: true, describe: 'tag 227/229 replies and allow data tokens' })
    .option('throttle', { type: 'number', describe: 'limit transfers to this many bytes per second' })
    .option('max-sessions', { type: 'number', describe: 'most concurrent sessions' })
    .option('max-sessions-per-ip', { type: 'number', describe: 'most concurrent sessions from one address' }) as unknown as Argv<ServeArguments>;
}

async function start(options: Partial<ServerOptions>): Promise<RunningServer> {
  const source = options.activeSourcePort;
  // Said at start, not as a 425 on every active transfer later.
  if (source !== undefined && canBindPort(source, lowPortFacts()) === 'no') {
    throw new UsageError(`--active-source-port ${source} needs root or the CAP_NET_BIND_SERVICE capability, and this process has neither (e.g. run with sudo, or setcap cap_net_bind_service=+ep on node).`);
  }
  try {
    return await startServer(options, realNetwork);
  } catch (error) {
    const code = (error as { code?: string }).code;
    const where = `${options.host}:${options.port}`;
    if (code === 'EACCES') throw new UsageError(`cannot listen on ${where}: permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE).`);
    if (code === 'EADDRINUSE') throw new UsageError(`cannot listen on ${where}: the port is already in use.`);
    if (code === 'EADDRNOTAVAIL') throw new UsageError(`cannot listen on ${where}: no such local address.`);
    if (code === undefined || code === 'ENOENT') throw new UsageError(`cannot start the server: ${(error as Error).message}.`);
    throw error;
  }
}

async function handler(args: ArgumentsCamelCase<ServeArguments>): Promise<void> {
  const options = serveOptionsFromArguments(args);
  const server = await start(options);
  // After a successful start only: a refusal stays one sentence.
  for (const warning of serveWarnings(options)) process.stderr.write(`${warning}\n`);
  const format = args.log ?? 'text';
  if (format !== 'none') {
    server.events.on('log', (entry: LogEntry) => {
      if (format === 'text' && entry.event === 'reply') return;
      // JSON lines have the passwords removed value by value (formatLogJson): past the guard, which would break their syntax.
      if (format === 'json') writeUnguarded(process.stderr, `${formatLogJson(entry)}\n`);
      else process.stderr.write(`${formatLogText(entry)}\n`);
    });
  }
  process.stdout.write(`listening on ${formatHostPort(server.host, server.port)}\n`);
  if (server.generatedCertificate && server.fingerprint256) {
    process.stdout.write(`self-signed certificate SHA-256 fingerprint ${server.fingerprint256}\n`);
  }
  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      process.off('SIGINT', onInterrupt);
      process.off('SIGTERM', onTerminate);
      server.log.info('stopping', `${signal}: telling clients 421 and stopping`, { signal });
      void server.close().then(resolve);
    };
    const onInterrupt = (): void => stop('SIGINT');
    const onTerminate = (): void => stop('SIGTERM');
    process.once('SIGINT', onInterrupt);
    process.once('SIGTERM', onTerminate);
  });
}

export const serveCommand: CommandBody<ServeArguments> = {
  builder,
  handler,
};
