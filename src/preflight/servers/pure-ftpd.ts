/**
 * Pure-FTPd's settings in the three places they are written: Debian's /etc/pure-ftpd/conf/ (one
 * file per option, named after it, holding its value), pure-ftpd.conf (`Option value` lines), and
 * the command line (-p/--passiveportrange, -P/--forcepassiveip, -Y/--tls, -S/--bind), which is
 * also how Dockerfiles and compose files start it.
 */
import path from 'node:path';
import { complain, fact, meaningfulLines, whereOf } from '../lines.js';
import { emptyFacts, portNumber, portRange, type InputFacts, type ServerFacts, type Where } from '../model.js';

/** The option names (conf file or file name) that decide the data channel. */
export const PURE_FTPD_OPTIONS = ['PassivePortRange', 'ForcePassiveIP', 'TLS', 'Bind'] as const;

/** One setting into the server; false when the value cannot be read (complained about). */
function applyOption(server: ServerFacts, option: string, value: string, at: Where, facts: InputFacts): void {
  switch (option.toLowerCase()) {
    case 'passiveportrange': {
      const range = portRange(value);
      if (!range) return complain(facts, at, 'PassivePortRange must be two port numbers, low then high ("30000 30009" or 30000:30009)');
      server.passiveRange = fact(range, at);
      return;
    }
    case 'forcepassiveip':
      if (!value.trim()) return complain(facts, at, 'ForcePassiveIP needs an address');
      server.advertisedAddress = fact(value.trim(), at);
      return;
    case 'tls': {
      // 0: clear only; 1: both; 2: TLS required for the control connection; 3: and for data.
      const level = value.trim();
      if (!/^[0-3]$/.test(level)) return complain(facts, at, 'TLS must be 0, 1, 2 or 3');
      server.tls = fact(level === '0' ? 'none' : 'explicit', at);
      server.tlsRequired = fact(level === '2' || level === '3', at);
      return;
    }
    case 'bind': {
      // "address,port" or ",port" or "port".
      const port = portNumber(value.split(',').pop() ?? '');
      if (port === undefined) return complain(facts, at, 'Bind must end in a port number ("0.0.0.0,21" or ",21")');
      server.controlPort = fact(port, at);
      return;
    }
  }
}

/** A file of /etc/pure-ftpd/conf/: its name is the option, its first line the value. */
export function isPureFtpdOptionFile(file: string): boolean {
  const name = path.basename(file);
  return (PURE_FTPD_OPTIONS as readonly string[]).includes(name) || ['NoAnonymous', 'UnixAuthentication', 'PureDB', 'ChrootEveryone', 'MinUID', 'AltLog', 'PAMAuthentication', 'MaxClientsNumber', 'MaxClientsPerIP'].includes(name);
}

export function parsePureFtpdOptionFile(file: string, text: string): InputFacts {
  const facts = emptyFacts(file, 'pure-ftpd-option');
  const server: ServerFacts = { product: 'Pure-FTPd' };
  const lines = meaningfulLines(text);
  const first = lines[0];
  const option = path.basename(file);
  if (first && (PURE_FTPD_OPTIONS as readonly string[]).includes(option)) applyOption(server, option, first.text, whereOf(file, first, `${option}: ${first.raw}`), facts);
  for (const extra of lines.slice(1)) complain(facts, whereOf(file, extra), 'a /etc/pure-ftpd/conf file holds one value; the wrapper reads the first line only');
  facts.servers.push(server);
  return facts;
}

/** pure-ftpd.conf (the upstream single file): `Option value` per line. */
export function parsePureFtpdConf(file: string, text: string): InputFacts {
  const facts = emptyFacts(file, 'pure-ftpd-conf');
  const server: ServerFacts = { product: 'Pure-FTPd' };
  for (const line of meaningfulLines(text, { trailingComments: true })) {
    const match = /^([A-Za-z]+)\s+(.+)$/.exec(line.text);
    if (!match) {
      complain(facts, whereOf(file, line), 'not a pure-ftpd.conf setting (Option value)');
      continue;
    }
    applyOption(server, match[1] ?? '', match[2] ?? '', whereOf(file, line), facts);
  }
  facts.servers.push(server);
  return facts;
}

const SHORT_FLAGS: Record<string, string> = { '-p': 'PassivePortRange', '-P': 'ForcePassiveIP', '-Y': 'TLS', '-S': 'Bind' };
const LONG_FLAGS: Record<string, string> = { '--passiveportrange': 'PassivePortRange', '--forcepassiveip': 'ForcePassiveIP', '--tls': 'TLS', '--bind': 'Bind' };

/**
 * Pure-FTPd's command-line arguments (after the program name). Short options take their value
 * attached (-p30000:30009) or as the next word; long ones after `=` or as the next word.
 * A `$VARIABLE` value is not known before run time: said, not guessed.
 */
export function pureFtpdFromArguments(args: readonly string[], at: Where, facts: InputFacts, server: ServerFacts = { product: 'Pure-FTPd' }): ServerFacts {
  for (let index = 0; index < args.length; index += 1) {
    const word = args[index] ?? '';
    const long = /^(--[a-z]+)(?:=(.*))?$/.exec(word);
    const shortName = word.slice(0, 2);
    const option = long ? LONG_FLAGS[long[1] ?? ''] : word.startsWith('-') && !word.startsWith('--') ? SHORT_FLAGS[shortName] : undefined;
    if (!option) continue;
    let value = long ? long[2] : word.length > 2 ? word.slice(2) : undefined;
    if (value === undefined) {
      value = args[index + 1];
      index += 1;
    }
    if (value === undefined) {
      complain(facts, at, `${word} has no value`);
      continue;
    }
    if (/\$/.test(value)) {
      complain(facts, at, `${word} ${value}: a variable, known only when the container starts; give its value (--as or an environment file) to predict with it`);
      continue;
    }
    applyOption(server, option, value, at, facts);
  }
  return server;
}
