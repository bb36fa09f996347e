/**
 * Our own `ftp-doctor serve` command lines (in a script, a unit file, a compose `command:`):
 * --port, --pasv-range, --external-ip, --tls, --require-tls, as `ftp-doctor serve --help` says.
 */
import { complain, fact, meaningfulLines, shellWords, whereOf } from '../lines.js';
import { emptyFacts, portNumber, portRange, type InputFacts, type ServerFacts, type Where } from '../model.js';

export function parseServeCommands(file: string, text: string): InputFacts {
  const facts = emptyFacts(file, 'ftp-doctor-serve');
  for (const line of meaningfulLines(text, { continuations: true })) {
    const words = shellWords(line.text);
    const serve = words.findIndex((word, index) => /(^|\/)ftp-doctor$/.test(words[index - 1] ?? '') && word === 'serve');
    if (serve === -1) continue;
    facts.servers.push(serveFromArguments(words.slice(serve + 1), whereOf(file, line), facts));
  }
  if (facts.servers.length === 0) complain(facts, { file, line: 1, text: '' }, 'no `ftp-doctor serve` command line found');
  return facts;
}

export function serveFromArguments(args: readonly string[], at: Where, facts: InputFacts): ServerFacts {
  const server: ServerFacts = { product: 'ftp-doctor' };
  let tls: 'none' | 'explicit' | 'implicit' = 'none';
  for (let index = 0; index < args.length; index += 1) {
    const [flag = '', attached] = (args[index] ?? '').split(/=(.*)/s);
    const takesValue = ['--port', '--pasv-range', '--external-ip', '--tls'].includes(flag);
    const value = takesValue ? (attached ?? args[(index += 1)]) : undefined;
    if (takesValue && value === undefined) {
      complain(facts, at, `${flag} has no value`);
      continue;
    }
    if (flag === '--port') {
      const port = portNumber(value ?? '');
      if (port === undefined) complain(facts, at, `--port ${value}: not a port number`);
      else server.controlPort = fact(port, at);
    } else if (flag === '--pasv-range') {
      const range = portRange(value ?? '');
      if (!range) complain(facts, at, `--pasv-range ${value}: not A-B`);
      else server.passiveRange = fact(range, at);
    } else if (flag === '--external-ip') server.advertisedAddress = fact(value ?? '', at);
    else if (flag === '--tls') {
      if (value !== 'none' && value !== 'explicit' && value !== 'implicit') complain(facts, at, `--tls ${value}: none, explicit or implicit`);
      else tls = value;
    } else if (flag === '--require-tls') server.tlsRequired = fact(true, at);
  }
  server.tls = fact(tls, at);
  server.controlPort ??= fact(tls === 'implicit' ? 990 : 21, at);
  return server;
}
