/**
 * `ftp-doctor exporter`: the Prometheus multi-target exporter (README "Monitoring"). Thin: reads
 * the config (a bad file is a usage error, exit 2, before listening), applies --allow and
 * --concurrency, starts the server, runs until SIGINT/SIGTERM.
 */
import type { ArgumentsCamelCase, Argv } from 'yargs';
import { realNetwork } from '../net/real.js';
import { builtInConfig, loadExporterConfig, type ExporterConfig } from '../exporter/config.js';
import { parseAllowList } from '../exporter/allow.js';
import { DEFAULT_RECENT_PROBES, MAX_RECENT_PROBES } from '../exporter/recent.js';
import { startExporter } from '../exporter/server.js';
import type { CommandBody } from './commands.js';
import { UsageError } from './errors.js';

export interface ExporterArguments {
  listen: string;
  config?: string;
  allow?: string[];
  concurrency?: number;
  recent: number;
}

export const DEFAULT_LISTEN = '127.0.0.1:9717';

function builder(yargs: Argv): Argv<ExporterArguments> {
  return yargs
    .option('listen', { type: 'string', default: DEFAULT_LISTEN, describe: 'address:port to serve /probe, /metrics and / on' })
    .option('config', { type: 'string', describe: 'exporter.yml: modules (modes, tls, expectRange, expectAddress, timeouts, user, passwordEnv), allow, concurrency' })
    .option('allow', { type: 'string', array: true, nargs: 1, requiresArg: true, describe: 'hosts, addresses or CIDR blocks that may be probed (repeat or comma-separate; adds to the config file\'s allow). Without any, every target is allowed: an open proxy' })
    .option('concurrency', { type: 'number', describe: 'probes run at once (default 16, or the config file\'s)' })
    .option('recent', { type: 'number', default: DEFAULT_RECENT_PROBES, describe: `recent probes kept (with their HTML reports) for the / page, 0 to ${MAX_RECENT_PROBES}` }) as unknown as Argv<ExporterArguments>;
}

/** "127.0.0.1:9717", "[::1]:9717", ":9717" (all addresses) → host and port. */
export function parseListen(text: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(text.trim());
  const port = Number(match?.[3]);
  if (!match || port > 65535) throw new UsageError(`--listen must be address:port, e.g. 127.0.0.1:9717 or [::1]:9717 (got ${JSON.stringify(text)})`);
  return { host: match[1] ?? (match[2] || '0.0.0.0'), port };
}

/** The config file (or the built-in one) with the command line's --allow and --concurrency applied. */
export async function exporterConfigFromArguments(args: ExporterArguments, env: NodeJS.ProcessEnv = process.env): Promise<ExporterConfig> {
  const config = args.config !== undefined ? await loadExporterConfig(args.config, env) : builtInConfig();
  const extra = (args.allow ?? []).flatMap((entry) => entry.split(',')).map((entry) => entry.trim()).filter(Boolean);
  let allow = config.allow;
  if (extra.length > 0) {
    const { list, problems } = parseAllowList([...(config.allow?.entries ?? []), ...extra]);
    if (problems.length > 0) throw new UsageError(`--allow: ${problems.join('; ')}`);
    allow = list;
  }
  let concurrency = config.concurrency;
  if (args.concurrency !== undefined) {
    if (!Number.isInteger(args.concurrency) || args.concurrency < 1 || args.concurrency > 1024) throw new UsageError('--concurrency must be a whole number from 1 to 1024');
    concurrency = args.concurrency;
  }
  if (!Number.isInteger(args.recent) || args.recent < 0 || args.recent > MAX_RECENT_PROBES) throw new UsageError(`--recent must be a whole number from 0 to ${MAX_RECENT_PROBES}`);
  return { ...config, concurrency, ...(allow ? { allow } : {}) };
}

async function handler(args: ArgumentsCamelCase<ExporterArguments>): Promise<void> {
  const { host, port } = parseListen(args.listen);
  const config = await exporterConfigFromArguments(args);
  let exporter;
  try {
    exporter = await startExporter({ host, port, config, network: realNetwork, recent: args.recent, log: (line) => process.stderr.write(`exporter: ${line}\n`) });
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') throw new UsageError(`cannot listen on ${args.listen}: ${code}`);
    throw error;
  }
  process.stdout.write(`listening on ${exporter.url} (/probe?target=ftp://host/&module=NAME, /metrics, /)\n`);
  if (!config.allow) {
    process.stderr.write('warning: no allow-list (--allow or allow: in the config): anyone who can reach this port can make it dial any host and port; list the FTP servers it may probe\n');
  }
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void exporter.close().then(resolve);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

export const exporterCommand: CommandBody<ExporterArguments> = { builder, handler };
