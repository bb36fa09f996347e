/**
 * The commands: name, usage and one-line description here, the rest (options, handler and what
 * they import) in each command's module. main.ts loads only the module of the command asked for,
 * so `ftp-doctor sweep` does not pay for the server's certificate generator or the scenario
 * loader at start-up; `--help` with no command lists these entries without loading any module.
 */
import type { CommandModule } from 'yargs';

/** What a command module exports: usage and description come from its entry below. */
export type CommandBody<Arguments = object> = Required<Pick<CommandModule<object, Arguments>, 'builder' | 'handler'>>;

export interface CommandEntry {
  name: string;
  /** yargs usage: the name and its positional arguments. */
  command: string;
  describe: string;
  /** The command's module: its CommandBody, typed by its own arguments. */
  load(): Promise<unknown>;
}

export const COMMANDS: readonly CommandEntry[] = [
  { name: 'serve', command: 'serve', describe: 'run the ftp-doctor reference FTP server', load: async () => (await import('./serve.js')).serveCommand },
  {
    name: 'probe',
    command: 'probe <url>',
    describe: 'connect to an FTP server step by step and say where the data channel fails',
    load: async () => (await import('./probe.js')).probeCommand,
  },
  {
    name: 'scenarios',
    command: 'scenarios',
    describe: 'the scenario catalogue: list it, run it through the simulator or the real firewall',
    load: async () => (await import('./scenarios.js')).scenariosCommand,
  },
  {
    name: 'sweep',
    command: 'sweep <url>',
    describe: 'prove every passive port of a range end to end (needs `ftp-doctor serve --allow-sweep` for full coverage)',
    load: async () => (await import('./sweep.js')).sweepCommand,
  },
  {
    name: 'check',
    command: 'check [policy]',
    describe: 'probe every target of a policy file and gate on its requirements (passive range, address, TLS, modes, time)',
    load: async () => (await import('./check.js')).checkCommand,
  },
  {
    name: 'explain',
    command: 'explain <files..>',
    describe: 'diagnose a packet capture or an FTP client/server log with the probe\'s rules: where the data channel failed, and why',
    load: async () => (await import('./explain.js')).explainCommand,
  },
  {
    name: 'preflight',
    command: 'preflight [files..]',
    describe: 'read server, publishing and firewall configuration files and predict the data channel before anything runs',
    load: async () => (await import('./preflight.js')).preflightCommand,
  },
  {
    name: 'exporter',
    command: 'exporter',
    describe: 'Prometheus multi-target exporter: /probe?target=ftp://host/&module=NAME answers with the probe as metrics',
    load: async () => (await import('./exporter.js')).exporterCommand,
  },
  {
    name: 'findings',
    command: 'findings [code]',
    describe: 'list the finding codes, or explain one: meaning, causes, references and remedies',
    load: async () => (await import('./findings.js')).findingsCommand,
  },
];

/**
 * The modules main.ts registers: the one named by the first argument in full, the others by name
 * and description only (enough for the command list in --help; none of them can run).
 */
export async function commandsFor(firstArgument: string | undefined): Promise<CommandModule[]> {
  return Promise.all(
    COMMANDS.map(async (entry): Promise<CommandModule> => {
      const head = { command: entry.command, describe: entry.describe };
      if (entry.name !== firstArgument) return { ...head, handler: () => {} };
      return { ...head, ...((await entry.load()) as unknown as Pick<CommandModule, 'builder' | 'handler'>) };
    }),
  );
}
