/**
 * `docker run` (and `podman run`) lines of shell scripts and READMEs: the ports published (-p),
 * the environment (-e) the image's conventions read, host networking (nothing published: the
 * server's ports are the host's), and the command after the image (a pure-ftpd command line).
 * A Dockerfile's CMD/ENTRYPOINT and ENV lines are read here as well.
 */
import { complain, fact, redactAssignments, shellWords } from '../lines.js';
import { emptyFacts, type InputFacts, type Where } from '../model.js';
import { conventionFor, type Environment } from '../servers/images.js';
import { pureFtpdFromArguments } from '../servers/pure-ftpd.js';
import { parsePortSpec } from './port-spec.js';

interface Word {
  text: string;
  line: number;
  /** The physical line, shown in evidence (credentials redacted). */
  raw: string;
}

/** Options of `docker run` that take a value (the next word when not written with `=`). */
const VALUE_OPTIONS = new Set(['-v', '--volume', '-e', '--env', '--env-file', '-p', '--publish', '--name', '-w', '--workdir', '-u', '--user', '--network', '--net', '-h', '--hostname', '--restart', '--entrypoint', '-l', '--label', '--mount', '-m', '--memory', '--cpus', '--platform', '--add-host', '--dns', '--log-driver', '--log-opt', '--cap-add', '--cap-drop', '--device', '--ulimit', '--expose', '--link', '--ip', '--ip6', '--tmpfs', '--security-opt', '--pid', '--ipc', '--shm-size', '--runtime', '--gpus', '--cidfile', '--stop-signal', '--health-cmd', '--pull', '--userns', '--sysctl']);

/** Each command's words with their physical lines: a `\` at a line's end continues the command. */
function commands(text: string): Word[][] {
  const lines = text.split(/\r?\n/).slice(0, 100_000);
  const out: Word[][] = [];
  let current: Word[] = [];
  lines.forEach((line, index) => {
    const continued = /\\\s*$/.test(line);
    const body = line.replace(/\\\s*$/, '');
    if (!/^\s*#/.test(body)) for (const text of shellWords(body.replace(/\s#.*$/, ''))) current.push({ text, line: index + 1, raw: redactAssignments(line.trim().replace(/\\$/, '').trim()) });
    if (!continued) {
      if (current.length > 0) out.push(current);
      current = [];
    }
  });
  if (current.length > 0) out.push(current);
  return out;
}

export function parseDockerRunScript(file: string, text: string): InputFacts {
  const facts = emptyFacts(file, 'docker-run');
  for (const words of commands(text)) {
    // A command line may hold several commands (a && b; c): each `docker run` starts at its word.
    for (let index = 0; index < words.length; index += 1) {
      const isRun = /(^|\/)(docker|podman)$/.test(words[index]?.text ?? '') && (words[index + 1]?.text === 'run' || (words[index + 1]?.text === 'container' && words[index + 2]?.text === 'run'));
      if (!isRun) continue;
      const start = index + (words[index + 1]?.text === 'run' ? 2 : 3);
      readRun(words.slice(start), file, facts);
    }
  }
  if (facts.publications.length === 0 && facts.servers.length === 0) facts.notes.push(`${file}: no docker run line found`);
  return facts;
}

function readRun(words: Word[], file: string, facts: InputFacts): void {
  const env: Environment = new Map();
  const at = (word: Word): Where => ({ file, line: word.line, text: word.raw });
  let index = 0;
  let image: Word | undefined;
  let hostNetwork: Word | undefined;
  for (; index < words.length; index += 1) {
    const word = words[index] as Word;
    if (['&&', ';', '|', '&', '||'].includes(word.text)) return;
    if (!word.text.startsWith('-')) {
      image = word;
      index += 1;
      break;
    }
    const [flag = '', attached] = word.text.startsWith('--') ? word.text.split(/=(.*)/s) : [word.text.slice(0, 2), word.text.length > 2 ? word.text.slice(2) : undefined];
    if (!VALUE_OPTIONS.has(flag)) continue;
    let value = attached;
    if (value === undefined) {
      index += 1;
      value = words[index]?.text;
    }
    if (value === undefined) return complain(facts, at(word), `${flag} has no value`);
    if (flag === '-p' || flag === '--publish') {
      const result = parsePortSpec(value, 'docker run -p', at(word));
      if (result.ok) facts.publications.push(result.publication);
      else complain(facts, at(word), result.reason);
    } else if (flag === '-e' || flag === '--env') {
      const [name = '', setting] = value.split(/=(.*)/s);
      if (setting === undefined) complain(facts, at(word), `-e ${name} takes its value from the shell running the script: not known here`);
      else env.set(name, fact(setting, at(word)));
    } else if (flag === '--env-file') {
      complain(facts, at(word), `--env-file ${value} is not read: name the variables with -e or pass the file's values`);
    } else if ((flag === '--network' || flag === '--net') && value === 'host') {
      hostNetwork = word;
    }
  }
  if (!image) return complain(facts, at(words[0] ?? { text: '', line: 1, raw: '' }), 'docker run without an image');
  if (hostNetwork) {
    facts.notes.push(`${file}:${hostNetwork.line}: --network host: the server's ports are the host's own, nothing is published (no DNAT)`);
    facts.publications.length = 0;
  }
  const rest = words.slice(index).map((word) => word.text);
  const end = rest.findIndex((word) => ['&&', ';', '|', '&', '||'].includes(word));
  readImageAndCommand(image.text, at(image), env, end === -1 ? rest : rest.slice(0, end), facts);
}

/** The image's conventions and, when the command runs pure-ftpd, its flags. */
export function readImageAndCommand(reference: string, imageAt: Where, env: Environment, command: readonly string[], facts: InputFacts, commandAt: Where = imageAt): void {
  const convention = conventionFor(reference);
  const server = convention ? convention.read(env, imageAt, facts) : undefined;
  const program = command.findIndex((word) => /(^|\/)pure-ftpd$/.test(word));
  if (program !== -1 || (server?.product === 'Pure-FTPd' && command.length > 0)) {
    facts.servers.push(pureFtpdFromArguments(command.slice(program + 1), commandAt, facts, server ?? { product: 'Pure-FTPd' }));
    return;
  }
  if (server) facts.servers.push(server);
  else facts.notes.push(`${imageAt.file}:${imageAt.line}: image ${reference} has no known environment convention; name its server config file too`);
}

/**
 * A Dockerfile: ENV lines (the image's environment), EXPOSE (documentation only: it publishes
 * nothing) and CMD/ENTRYPOINT in exec (JSON) or shell form, read for a pure-ftpd command line.
 */
export function parseDockerfile(file: string, text: string): InputFacts {
  const facts = emptyFacts(file, 'dockerfile');
  const env: Environment = new Map();
  let from: { image: string; at: Where } | undefined;
  let command: { words: string[]; at: Where } | undefined;
  for (const words of commands(text)) {
    const first = words[0] as Word;
    const at: Where = { file, line: first.line, text: first.raw };
    const instruction = first.text.toUpperCase();
    const args = words.slice(1).map((word) => word.text);
    if (instruction === 'FROM') from = { image: args[0] ?? '', at };
    else if (instruction === 'ENV') {
      for (const pair of args.includes('=') || args.some((word) => word.includes('=')) ? args : [`${args[0] ?? ''}=${args.slice(1).join(' ')}`]) {
        const [name = '', value] = pair.split(/=(.*)/s);
        if (value !== undefined) env.set(name, fact(value, at));
      }
    } else if (instruction === 'CMD' || instruction === 'ENTRYPOINT') {
      const body = first.raw.replace(/^\S+\s*/, '');
      let parsed: string[] | undefined;
      if (body.startsWith('[')) {
        try {
          const json: unknown = JSON.parse(body);
          if (Array.isArray(json) && json.every((item) => typeof item === 'string')) parsed = json;
        } catch {
          complain(facts, at, `${instruction} looks like exec form but is not a JSON list of strings`);
        }
      } else parsed = args;
      // ENTRYPOINT then CMD: CMD's words are ENTRYPOINT's arguments; one CMD line is enough here.
      if (parsed) command = { words: [...(command?.words ?? []), ...parsed], at };
    }
  }
  if (from) readImageAndCommand(from.image, from.at, env, command?.words ?? [], facts, command?.at);
  else if (command) readImageAndCommand('', command.at, env, command.words, facts);
  return facts;
}
