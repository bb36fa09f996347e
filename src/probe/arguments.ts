/**
 * The probe's command-line arguments and their parsing into ProbeOptions, shared by `ftp-doctor
 * probe` (src/cli/probe.ts) and the exporter, which builds the same arguments from a module.
 * Throws UsageError for anything the user must fix.
 */
import net from 'node:net';
import { UsageError } from '../config/usage-error.js';
import { MAX_SAMPLES, parseModes, parsePortRange, parseTarget, ProbeOptionError, type ProbeOptions } from './options.js';

export interface ProbeArguments {
  url: string;
  modes: string;
  tls?: string;
  user?: string;
  password?: string;
  expectRange?: string;
  expectAddress?: string;
  samples: number;
  connectTimeout: number;
  dataTimeout: number;
  transferTimeout?: number;
  retrieveTimeout?: number;
  useAdvertisedAddress: boolean;
  strictTls: boolean;
  retrieve?: string;
  ccc: boolean;
  tlsResume?: boolean;
  earlyVerdict?: boolean;
  plainTwin?: boolean;
  allRemedies?: boolean;
  json: boolean;
  /** 'nagios': one plugin status line and the plugin exit codes (0/1/2/3). */
  format?: string;
  junit?: string;
  reportDir?: string;
}

/** Arguments → ProbeOptions; throws UsageError for anything the user must fix. */
export function probeOptionsFromArguments(args: ProbeArguments, env: NodeJS.ProcessEnv = process.env): ProbeOptions {
  try {
    const password = args.password ?? env.FTP_PASSWORD;
    const options: ProbeOptions = {
      url: args.url,
      modes: parseModes(args.modes),
      samples: nonNegativeInteger(args.samples, '--samples', MAX_SAMPLES),
      connectTimeoutMs: positiveInteger(args.connectTimeout, '--connect-timeout'),
      dataTimeoutMs: positiveInteger(args.dataTimeout, '--data-timeout'),
      useAdvertisedAddress: args.useAdvertisedAddress,
      strictTls: args.strictTls,
      ccc: args.ccc,
      ...(args.tlsResume === false ? { resumeTlsSession: false } : {}),
      ...(args.earlyVerdict === false ? { earlyVerdict: false } : {}),
      ...(args.plainTwin !== undefined ? { plainTwin: args.plainTwin } : {}),
      ...(args.allRemedies ? { allRemedies: true } : {}),
      ...(args.tls ? { tls: args.tls as 'none' | 'explicit' | 'implicit' } : {}),
      ...(args.user !== undefined ? { user: args.user } : {}),
      ...(password !== undefined ? { password } : {}),
      ...(args.expectRange !== undefined ? { expectRange: parsePortRange(args.expectRange) } : {}),
      ...(args.retrieve !== undefined ? { retrieve: args.retrieve } : {}),
      ...(args.transferTimeout !== undefined ? { transferTimeoutMs: positiveInteger(args.transferTimeout, '--transfer-timeout') } : {}),
      ...(args.retrieveTimeout !== undefined ? { retrieveTimeoutMs: positiveInteger(args.retrieveTimeout, '--retrieve-timeout') } : {}),
    };
    if (args.expectAddress !== undefined) {
      if (net.isIP(args.expectAddress) === 0) throw new UsageError(`--expect-address must be an IP address, got ${JSON.stringify(args.expectAddress)}`);
      options.expectAddress = args.expectAddress;
    }
    parseTarget(options); // validate the URL now, before any connection
    return options;
  } catch (error) {
    if (error instanceof ProbeOptionError) throw new UsageError(error.message);
    throw error;
  }
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isInteger(value) || value <= 0) throw new UsageError(`${name} must be a positive whole number of milliseconds`);
  return value;
}

function nonNegativeInteger(value: number, name: string, max: number): number {
  if (!Number.isInteger(value) || value < 0 || value > max) throw new UsageError(`${name} must be a whole number from 0 to ${max}`);
  return value;
}
