/**
 * proftpd.conf: Apache-style directives (`Name arguments`) in sections (<Global>, <VirtualHost>,
 * <IfModule>, <Anonymous>, <Limit>…), `Include` of other files. The main server is what lies
 * outside any <VirtualHost>, plus <Global>; each <VirtualHost> is a server of its own (said in
 * notes; the prediction is for the main server). <IfModule mod_x.c> is read as if the module were
 * loaded, <IfModule !mod_x.c> as if it were not: both said in notes.
 */
import { complain, fact, meaningfulLines, whereOf, yesNo } from '../lines.js';
import { emptyFacts, portNumber, type Fact, type InputFacts, type ServerFacts, type Where } from '../model.js';

/** How an Include is read: the files it names (a glob may name several), or a reason it cannot be. */
export type IncludeReader = (pattern: string, fromFile: string) => { file: string; text: string }[] | string;

const MAX_INCLUDE_DEPTH = 8;

interface Directive {
  name: string;
  args: string[];
  at: Where;
  /** The enclosing <VirtualHost>'s line, when inside one. */
  virtualHost?: Where;
}

export function parseProftpdConf(file: string, text: string, readInclude?: IncludeReader): InputFacts {
  const facts = emptyFacts(file, 'proftpd');
  const directives: Directive[] = [];
  collect(file, text, facts, directives, readInclude, 0);
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

function collect(file: string, text: string, facts: InputFacts, out: Directive[], readInclude: IncludeReader | undefined, depth: number): void {
  const stack: { name: string; at: Where; skip: boolean }[] = [];
  let virtualHost: Where | undefined;
  for (const line of meaningfulLines(text, { continuations: true })) {
    const at = whereOf(file, line);
    const close = /^<\/\s*([A-Za-z]+)\s*>$/.exec(line.text);
    if (close) {
      const open = stack.pop();
      if (!open || open.name.toLowerCase() !== (close[1] ?? '').toLowerCase()) complain(facts, at, open ? `closes <${close[1]}> but <${open.name}> (line ${open.at.line}) is open` : `closes <${close[1]}>, which is not open`);
      if (open?.name.toLowerCase() === 'virtualhost') virtualHost = undefined;
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
      } else if (name.toLowerCase() === 'virtualhost') {
        virtualHost = at;
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
    if (name.toLowerCase() === 'include') {
      include(args[0] ?? '', at, facts, out, readInclude, depth);
      continue;
    }
    const inGlobal = stack.some((open) => open.name.toLowerCase() === 'global');
    out.push({ name: inGlobal ? 'global-scope' : name, args: inGlobal ? [name, ...args] : args, at, ...(virtualHost ? { virtualHost } : {}) });
  }
  for (const open of stack) complain(facts, open.at, `<${open.name}> is never closed`);
}

function include(pattern: string, at: Where, facts: InputFacts, out: Directive[], readInclude: IncludeReader | undefined, depth: number): void {
  if (!readInclude) return complain(facts, at, `Include ${pattern} was not read (name the included file on the command line too)`);
  if (depth >= MAX_INCLUDE_DEPTH) return complain(facts, at, `Include nested more than ${MAX_INCLUDE_DEPTH} deep: not followed`);
  const files = readInclude(pattern, at.file);
  if (typeof files === 'string') return complain(facts, at, `Include ${pattern}: ${files}`);
  for (const included of files) collect(included.file, included.text, facts, out, readInclude, depth + 1);
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
