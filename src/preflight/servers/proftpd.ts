/**
 * proftpd.conf: Apache-style directives (`Name arguments`) in sections (<Global>, <VirtualHost>,
 * <IfModule>, <Anonymous>, <Limit>…), `Include` of other files. The main server is what lies
 * outside any <VirtualHost>, plus <Global>; each <VirtualHost> is a server of its own (said in
 * notes; the prediction is for the main server). <IfModule mod_x.c> is read as if the module were
 * loaded, <IfModule !mod_x.c> as if it were not: both said in notes.
 */
import { complain, fact, meaningfulLines, whereOf, yesNo } from '../lines.js';
import { emptyFacts, portNumber, type Fact, type InputFacts, type ServerFacts, type Where } from '../model.js';

/**
 * How an Include is read: the files it names (a glob or a directory may name several; at most
 * `limit` are read), or a reason it cannot be.
 */
export type IncludeReader = (pattern: string, fromFile: string, limit: number) => { file: string; text: string }[] | string;

const MAX_INCLUDE_DEPTH = 8;
/** Files read through Include in all, however nested: `Include *.conf` in each of 200 files is 200^8 reads otherwise. */
export const MAX_INCLUDED_FILES = 256;

interface Directive {
  name: string;
  args: string[];
  at: Where;
  /** The enclosing <VirtualHost>'s line, when inside one. */
  virtualHost?: Where;
}

/** Where an included file's text lands: inside the includer's <VirtualHost>/<Global>, as ProFTPD reads it. */
interface Context {
  depth: number;
  virtualHost?: Where;
  global: boolean;
  /** The files being read, outermost first: one of them included again is a loop. */
  chain: string[];
  budget: { left: number };
}

export function parseProftpdConf(file: string, text: string, readInclude?: IncludeReader): InputFacts {
  const facts = emptyFacts(file, 'proftpd');
  const directives: Directive[] = [];
  collect(file, text, facts, directives, readInclude, { depth: 0, global: false, chain: [file], budget: { left: MAX_INCLUDED_FILES } });
  const main = directives.filter((directive) => directive.virtualHost === undefined);
  facts.servers.push(proftpdServer(main, facts));
  const hosts = new Map<string, Directive[]>();
  for (const directive of directives) {
    if (!directive.virtualHost) continue;
    const key = `${directive.virtualHost.file}:${directive.virtualHost.line}`;
    hosts.set(key, [...(hosts.get(key) ?? []), directive]);
  }
  for (const [place, own] of hosts) {
    const global = main.filter((directive) => directive.name === 'global-scope');
    facts.servers.push(proftpdServer([...global, ...own], facts));
    facts.notes.push(`${place}: a <VirtualHost> of its own; the prediction is for the main server`);
  }
  return facts;
}

function collect(file: string, text: string, facts: InputFacts, out: Directive[], readInclude: IncludeReader | undefined, context: Context): void {
  const stack: { name: string; at: Where; skip: boolean }[] = [];
  for (const line of meaningfulLines(text, { continuations: true })) {
    // An included file's lines are quoted only when understood: an Include can name any file
    // (/etc/shadow), and its lines must not reach a report.
    const quoted = whereOf(file, line);
    const at = context.depth > 0 ? whereOf(file, line.line, '') : quoted;
    const close = /^<\/\s*([A-Za-z]+)\s*>$/.exec(line.text);
    if (close) {
      const open = stack.pop();
      if (!open || open.name.toLowerCase() !== (close[1] ?? '').toLowerCase()) complain(facts, at, open ? `closes <${close[1]}> but <${open.name}> (line ${open.at.line}) is open` : `closes <${close[1]}>, which is not open`);
      continue;
    }
    const section = /^<\s*([A-Za-z]+)\s*([^>]*)>$/.exec(line.text);
    if (section) {
      const name = section[1] ?? '';
      const argument = (section[2] ?? '').trim();
      let skip = stack.some((open) => open.skip);
      if (name.toLowerCase() === 'ifmodule') {
        const negated = argument.startsWith('!');
        facts.notes.push(`${file}:${line.line}: <IfModule ${argument}> read as if ${argument.replace(/^!/, '')} were ${negated ? 'not ' : ''}loaded`);
        if (negated) skip = true;
      } else if (name.toLowerCase() === 'ifdefine') {
        complain(facts, at, `cannot tell whether ${argument} is defined (proftpd -D); read as if it were`);
      } else if (name.toLowerCase() === 'virtualhost' && (context.virtualHost || stack.some((open) => open.name.toLowerCase() === 'virtualhost'))) {
        const outer = stack.find((open) => open.name.toLowerCase() === 'virtualhost')?.at ?? context.virtualHost;
        complain(facts, at, `a <VirtualHost> inside the <VirtualHost> of ${outer?.file}:${outer?.line}: ProFTPD refuses to start with this; read as part of the outer one`);
      }
      stack.push({ name, at, skip });
      continue;
    }
    const directive = /^([A-Za-z][A-Za-z0-9_]*)(?:\s+(.*))?$/.exec(line.text);
    if (!directive) {
      complain(facts, at, 'not a ProFTPD directive');
      continue;
    }
    if (stack.some((open) => open.skip)) continue;
    const name = directive[1] ?? '';
    const args = splitArguments(directive[2] ?? '');
    // The outermost <VirtualHost> open here or around the Include that brought this file in.
    const virtualHost = context.virtualHost ?? stack.find((open) => open.name.toLowerCase() === 'virtualhost')?.at;
    const inGlobal = context.global || stack.some((open) => open.name.toLowerCase() === 'global');
    if (name.toLowerCase() === 'include') {
      include(args[0] ?? '', at, facts, out, readInclude, { ...context, global: inGlobal, ...(virtualHost ? { virtualHost } : {}) });
      continue;
    }
    out.push({ name: inGlobal ? 'global-scope' : name, args: inGlobal ? [name, ...args] : args, at: quoted, ...(virtualHost ? { virtualHost } : {}) });
  }
  for (const open of stack) complain(facts, open.at, `<${open.name}> is never closed`);
}

function include(pattern: string, at: Where, facts: InputFacts, out: Directive[], readInclude: IncludeReader | undefined, context: Context): void {
  if (!readInclude) return complain(facts, at, `Include ${pattern} was not read (name the included file on the command line too)`);
  if (context.depth >= MAX_INCLUDE_DEPTH) return complain(facts, at, `Include nested more than ${MAX_INCLUDE_DEPTH} deep: not followed`);
  if (context.budget.left <= 0) return complain(facts, at, `Include ${pattern}: more than ${MAX_INCLUDED_FILES} files included in all: not followed`);
  const files = readInclude(pattern, at.file, context.budget.left);
  if (typeof files === 'string') return complain(facts, at, `Include ${pattern}: ${files}`);
  for (const included of files) {
    if (context.chain.includes(included.file)) {
      complain(facts, at, `Include ${pattern}: ${included.file} is already being read (${[...context.chain, included.file].join(' → ')}): an Include loop, not followed`);
      continue;
    }
    if (context.budget.left <= 0) return complain(facts, at, `Include ${pattern}: more than ${MAX_INCLUDED_FILES} files included in all: the rest not followed`);
    context.budget.left -= 1;
    collect(included.file, included.text, facts, out, readInclude, { ...context, depth: context.depth + 1, chain: [...context.chain, included.file] });
  }
}

/**
 * `*` in a file name pattern, matched without a regular expression: `Include /etc/***…*x` made
 * into `.*.*.*…x` backtracks for as long as the name is long raised to the number of stars.
 */
export function globMatches(pattern: string, name: string): boolean {
  let p = 0;
  let n = 0;
  let star = -1;
  let resume = 0;
  while (n < name.length) {
    if (p < pattern.length && pattern[p] !== '*' && pattern[p] === name[n]) {
      p += 1;
      n += 1;
    } else if (p < pattern.length && pattern[p] === '*') {
      star = p;
      resume = n;
      p += 1;
    } else if (star !== -1) {
      p = star + 1;
      resume += 1;
      n = resume;
    } else return false;
  }
  while (pattern[p] === '*') p += 1;
  return p === pattern.length;
}


/** Arguments split on whitespace, "double quoted" ones kept whole. */
function splitArguments(text: string): string[] {
  return [...text.matchAll(/"([^"]*)"|(\S+)/g)].map((match) => match[1] ?? match[2] ?? '');
}

/** Directives in order; <Global> ones (name 'global-scope') apply as if written in place. */
function proftpdServer(directives: Directive[], facts: InputFacts): ServerFacts {
  const server: ServerFacts = { product: 'ProFTPD' };
  let tlsEngine: Fact<boolean> | undefined;
  let implicit: Where | undefined;
  for (const raw of directives) {
    const directive = raw.name === 'global-scope' ? { ...raw, name: raw.args[0] ?? '', args: raw.args.slice(1) } : raw;
    const name = directive.name.toLowerCase();
    const [first = '', second = ''] = directive.args;
    if (name === 'port') {
      const port = portNumber(first);
      if (first === '0') facts.notes.push(`${directive.at.file}:${directive.at.line}: Port 0 switches this server off`);
      else if (port === undefined) complain(facts, directive.at, 'Port must be a port number');
      else server.controlPort = fact(port, directive.at);
    } else if (name === 'passiveports') {
      const from = portNumber(first);
      const to = portNumber(second);
      if (from === undefined || to === undefined || from > to) complain(facts, directive.at, 'PassivePorts takes two port numbers, low then high');
      else server.passiveRange = fact({ from, to }, directive.at);
    } else if (name === 'masqueradeaddress') {
      if (!first) complain(facts, directive.at, 'MasqueradeAddress needs an address');
      else server.advertisedAddress = fact(first, directive.at);
    } else if (name === 'tlsengine') {
      const on = yesNo(first);
      if (on === undefined) complain(facts, directive.at, 'TLSEngine takes on or off');
      else tlsEngine = fact(on, directive.at);
    } else if (name === 'tlsrequired') {
      const value = first.toLowerCase();
      // on, ctrl, auth, auth+data: a login needs TLS; data, !ctrl…: it does not (mod_tls docs).
      if (!['on', 'off', 'ctrl', 'data', 'auth', 'auth+data', 'ctrl+data', '!ctrl', '!data', '!ctrl+data', 'ctrl+!data', 'auth+!data'].includes(value)) complain(facts, directive.at, `TLSRequired ${first} is not a value mod_tls knows`);
      else server.tlsRequired = fact(['on', 'ctrl', 'auth', 'auth+data', 'ctrl+data', 'ctrl+!data', 'auth+!data'].includes(value), directive.at);
    } else if (name === 'tlsoptions' && directive.args.some((option) => option.toLowerCase() === 'useimplicitssl')) {
      implicit = directive.at;
    }
  }
  if (tlsEngine?.value) server.tls = implicit ? fact('implicit', implicit) : fact('explicit', tlsEngine.at);
  else if (tlsEngine) server.tls = fact('none', tlsEngine.at);
  if (!server.tls?.value || server.tls.value === 'none') delete server.tlsRequired;
  return server;
}
