/**
 * `ftp-doctor preflight FILE...`: read the configuration files (server, publishing, firewalls),
 * predict the data channel and report it like a probe. Reading files is here; parsing and
 * predicting are pure (src/preflight). Exit 0 pass, 1 fail, 2 a file that cannot be read.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { isIPv4 } from 'node:net';
import path from 'node:path';
import type { Argv } from 'yargs';
import { stringify } from 'yaml';
import { DataFileError } from '../config/data-file-error.js';
import { MAX_DATA_FILE_BYTES, readDataBytes } from '../config/yaml-file.js';
import { ALL_KINDS, isInputKind, type InputKind } from '../preflight/detect.js';
import { FirewallParseError, type FirewallFacts } from '../preflight/firewalls/index.js';
import { decodeInput } from '../preflight/input-text.js';
import type { InputFacts } from '../preflight/model.js';
import { KindUnknownError, readInput } from '../preflight/read-input.js';
import { preflight } from '../preflight/predict.js';
import { globMatches, type IncludeReader } from '../preflight/servers/proftpd.js';
import type { CommandBody } from './commands.js';
import { UsageError } from './errors.js';
import { emitReport, outputOptions, verdictExitCode } from './output.js';

interface PreflightArguments {
  files: string[];
  as?: string | string[];
  'public-address'?: string;
  client: 'inside' | 'outside';
  interface?: string;
  'write-scenario'?: string;
  firewall: 'sim' | 'netns';
  simulate: boolean;
  json: boolean;
  junit?: string;
  'report-dir'?: string;
}

/** Files read from one directory argument (/etc/pure-ftpd/conf) at most. */
const MAX_DIRECTORY_FILES = 200;
/** Files read in one run at most, named and from directories together. */
const MAX_INPUT_FILES = 200;
/** Entries looked at in one directory: a directory of a million entries is not a configuration. */
const MAX_DIRECTORY_ENTRIES = 10_000;

/** A regular file (symbolic links followed); a dangling link or a loop is none. */
function isRegularFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

export const preflightCommand: CommandBody<PreflightArguments> = {
  builder: (yargs) =>
    yargs
      .positional('files', { type: 'string', array: true, default: [], describe: 'configuration files (or a directory such as /etc/pure-ftpd/conf)' })
      // Not an array option: that would swallow the file names after it. Given twice, yargs makes a list.
      .option('as', { type: 'string', describe: `force a file's kind: KIND=FILE, once per file; FILE is read even if not named among the files (kinds: ${ALL_KINDS.join(', ')})` })
      .option('public-address', { type: 'string', describe: 'the IPv4 address clients dial' })
      .option('client', { choices: ['inside', 'outside'] as const, default: 'outside' as const, describe: 'where the client is: the internet (outside) or the server\'s own network (inside)' })
      .option('interface', { type: 'string', describe: 'the interface client connections arrive on, as firewall rules name it (iifname); default: one no rule names' })
      .option('write-scenario', { type: 'string', describe: 'write the scenario these files describe (for `scenarios run`)' })
      .option('firewall', { choices: ['sim', 'netns'] as const, default: 'sim' as const, describe: 'run the scenario in the simulator, or on the real Linux kernel in network namespaces (root)' })
      .option('simulate', { type: 'boolean', default: true, describe: 'run the simulated client through the site (--no-simulate: the files alone)' })
      .options(outputOptions) as unknown as Argv<PreflightArguments>,
  handler: async (argv) => {
    const asPairs = argv.as === undefined ? [] : ([] as string[]).concat(argv.as);
    if (argv.files.length === 0 && asPairs.length === 0) throw new UsageError('Name at least one configuration file (see preflight --help).');
    if (argv['public-address'] !== undefined && !isIPv4(argv['public-address'])) throw new UsageError(`--public-address must be an IPv4 address, got ${argv['public-address']}.`);
    const forced = forcedKinds(asPairs);
    const inputs: InputFacts[] = [];
    const firewalls: FirewallFacts[] = [];
    try {
      const named = await readInputs(argv.files);
      // A file named only by --as is read too (the option names it); a missing one is exit 2, named.
      const read = new Set(named.map(({ file }) => path.resolve(file)));
      const asOnly = [...new Set(asPairs.map((pair) => pair.split(/=(.*)/s)[1] as string))].filter((file) => !read.has(path.resolve(file)));
      for (const { file, bytes } of [...named, ...(await readInputs(asOnly))]) {
        const read = readInput(file, bytes, forced.get(file) ?? forced.get(path.resolve(file)), includeReader);
        if (read.input) inputs.push(read.input);
        else firewalls.push(read.firewall);
      }
    } catch (error) {
      if (error instanceof KindUnknownError) throw new UsageError(`${error.file}: cannot tell what kind of file this is; say --as KIND=${error.file} (kinds: ${ALL_KINDS.join(', ')}).`);
      // Not text, or a firewall file that cannot be read at all: `file:line: reason`, exit 2.
      if (error instanceof FirewallParseError) throw new UsageError(error.message);
      throw error;
    }
    const runScenario = argv.firewall === 'netns' ? await kernelRunner() : undefined;
    const result = await preflight(inputs, firewalls, {
      client: argv.client,
      simulate: argv.simulate,
      ...(argv['public-address'] ? { publicAddress: argv['public-address'] } : {}),
      ...(argv.interface ? { interfaceName: argv.interface } : {}),
      ...(runScenario ? { runScenario } : {}),
    });
    if (argv['write-scenario']) {
      await writeFile(argv['write-scenario'], `# Written by ftp-doctor preflight from ${argv.files.join(', ')}\n# preflight: ${result.report.verdict}${result.report.findings.length > 0 ? `, ${result.report.findings.map((finding) => finding.code).join(', ')}` : ''}; this is the simulated run it showed, with its passive ports\n${stringify(result.replay)}`);
      process.stderr.write(`scenario written to ${argv['write-scenario']} (run it with: ftp-doctor scenarios run ${argv['write-scenario']})\n`);
    }
    await emitReport(result.report, { json: argv.json, ...(argv.junit ? { junit: argv.junit } : {}), ...(argv['report-dir'] !== undefined ? { reportDir: argv['report-dir'] } : {}) });
    process.exitCode = verdictExitCode(result.report);
  },
};

function forcedKinds(pairs: readonly string[]): Map<string, InputKind> {
  const forced = new Map<string, InputKind>();
  for (const pair of pairs) {
    const [kind = '', file] = pair.split(/=(.*)/s);
    if (!file || !isInputKind(kind)) throw new UsageError(`--as ${pair}: write KIND=FILE with KIND one of ${ALL_KINDS.join(', ')}.`);
    forced.set(file, kind);
    forced.set(path.resolve(file), kind);
  }
  return forced;
}

/** Each named file, and each regular file of a named directory (sorted), through the size-limited reader. */
async function readInputs(names: readonly string[]): Promise<{ file: string; bytes: Buffer }[]> {
  const out: { file: string; bytes: Buffer }[] = [];
  for (const name of names) {
    // Every file is held until all are read: their number bounds the memory (1 MiB each at most).
    if (out.length >= MAX_INPUT_FILES) throw new UsageError(`more than ${MAX_INPUT_FILES} files to read; name fewer`);
    let entries: string[] | undefined;
    try {
      if (statSync(name).isDirectory()) entries = readdirSync(name).sort();
    } catch {
      // readDataFile says what is wrong with it.
    }
    if (entries === undefined) {
      out.push({ file: name, bytes: await readDataBytes(name) });
      continue;
    }
    if (entries.length > MAX_DIRECTORY_ENTRIES) throw new DataFileError(name, [`holds ${entries.length} entries; at most ${MAX_DIRECTORY_ENTRIES} are looked at in a directory`]);
    const files = entries.map((entry) => path.join(name, entry)).filter(isRegularFile);
    if (files.length > MAX_DIRECTORY_FILES) throw new DataFileError(name, [`holds ${files.length} files; at most ${MAX_DIRECTORY_FILES} are read from a directory`]);
    // Nothing read would be a pass on no evidence at all.
    if (files.length === 0) throw new DataFileError(name, ['a directory with no regular file to read']);
    if (out.length + files.length > MAX_INPUT_FILES) throw new UsageError(`more than ${MAX_INPUT_FILES} files to read; name fewer`);
    for (const file of files) out.push({ file, bytes: await readDataBytes(file) });
  }
  return out;
}

/**
 * ProFTPD's Include: a file, `*` patterns in its last part, or a directory (every file in it),
 * relative to the including file's directory; at most `limit` files read.
 */
const includeReader: IncludeReader = (pattern, fromFile, limit) => {
  const resolved = path.resolve(path.dirname(fromFile), pattern);
  const isDirectory = !resolved.includes('*') && (() => {
    try {
      return statSync(resolved).isDirectory();
    } catch {
      return false;
    }
  })();
  const directory = isDirectory ? resolved : path.dirname(resolved);
  const last = isDirectory ? '*' : path.basename(resolved);
  let names: string[];
  try {
    names = last.includes('*') ? readdirSync(directory).filter((name) => globMatches(last, name)).sort() : [last];
  } catch {
    return 'not found (name the included file on the command line too)';
  }
  const files: { file: string; text: string }[] = [];
  for (const name of names.slice(0, Math.min(limit, MAX_DIRECTORY_FILES))) {
    const file = path.join(directory, name);
    try {
      const stat = statSync(file);
      if (!stat.isFile()) continue;
      if (stat.size > MAX_DATA_FILE_BYTES) return `${file} is larger than ${MAX_DATA_FILE_BYTES} bytes`;
      // Named as the including file is (absolute or relative): an Include loop then shows as one.
      const shown = path.isAbsolute(fromFile) ? file : path.relative(process.cwd(), file) || file;
      files.push({ file: shown, text: decodeInput(shown, readFileSync(file)) });
    } catch (error) {
      return error instanceof FirewallParseError ? error.message : `${file}: cannot read it`;
    }
  }
  return files.length === 0 && !last.includes('*') ? 'not found' : files;
};

async function kernelRunner() {
  const { netnsRunner, NetnsUnavailableError } = await import('../scenarios/run-netns.js');
  try {
    const runner = await netnsRunner({});
    return (scenario: Parameters<typeof runner>[0]) => runner(scenario, { timeScale: 3 });
  } catch (error) {
    if (error instanceof NetnsUnavailableError) throw new UsageError(`--firewall netns: ${error.message}.`);
    throw error;
  }
}
