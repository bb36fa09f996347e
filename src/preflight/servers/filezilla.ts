/**
 * FileZilla Server settings, both generations, written from their documented formats (FileZilla
 * Server runs on Windows, not here):
 * - 0.9 "FileZilla Server.xml": <Settings><Item name="…">value</Item>: "Use custom PASV ports",
 *   "Custom PASV min port", "Custom PASV max port", "Custom PASV IP type" (0 default, 1 the IP
 *   below, 2 retrieved from a URL), "Custom PASV IP", "Serverports", "Enable SSL",
 *   "Force explicit SSL", "SSL Ports" (implicit).
 * - 1.x settings.xml: <passive_mode><port_range><min>/<max></port_range><host_override>… and the
 *   <listener> entries (<port>, <tls_mode>: 0 explicit optional, 1 explicit required, 2 implicit).
 */
import { complain, fact } from '../lines.js';
import { emptyFacts, portNumber, type InputFacts, type ServerFacts, type Where } from '../model.js';
import { readXml, type XmlElement } from '../xml.js';

export function parseFileZillaSettings(file: string, text: string): InputFacts {
  const facts = emptyFacts(file, 'filezilla');
  const { elements, problems } = readXml(text);
  for (const problem of problems) complain(facts, { file, line: problem.line, text: '' }, problem.reason);
  const at = (element: XmlElement): Where => ({ file, line: element.line, text: `${element.tag}${element.text}` });
  const server: ServerFacts = { product: 'FileZilla Server' };
  const items = new Map<string, XmlElement>();
  for (const element of elements) if (element.name === 'Item' && element.attributes.name) items.set(element.attributes.name.toLowerCase(), element);
  if (items.size > 0) read09(items, server, facts, at);
  else read1x(elements, server, facts, at);
  facts.servers.push(server);
  return facts;
}

function read09(items: Map<string, XmlElement>, server: ServerFacts, facts: InputFacts, at: (element: XmlElement) => Where): void {
  const item = (...names: string[]): XmlElement | undefined => names.map((name) => items.get(name.toLowerCase())).find(Boolean);
  const ports = item('Serverports');
  const first = portNumber((ports?.text ?? '').split(/\s+/)[0] ?? '');
  if (ports && first !== undefined) server.controlPort = fact(first, at(ports));
  const custom = item('Use custom PASV ports', 'Use custom port range');
  const min = item('Custom PASV min port');
  const max = item('Custom PASV max port');
  if (custom?.text === '1' && min && max) {
    const from = portNumber(min.text);
    const to = portNumber(max.text);
    if (from === undefined || to === undefined || from > to) complain(facts, at(max), 'the custom PASV port range is not two port numbers, low then high');
    else server.passiveRange = fact({ from, to }, at(max));
  } else if (custom) {
    facts.notes.push(`${at(custom).file}:${at(custom).line}: no custom PASV port range: FileZilla Server hands out any free port`);
    server.passiveRange = fact({ from: 1024, to: 65535 }, at(custom));
  }
  const type = item('Custom PASV IP type');
  const address = item('Custom PASV IP');
  if (type?.text === '1' && address?.text) server.advertisedAddress = fact(address.text, at(address));
  else if (type?.text === '2') complain(facts, at(type), 'the passive address is retrieved from a URL at run time: not known here (give --public-address)');
  const ssl = item('Enable SSL');
  if (ssl?.text === '1') {
    const forced = item('Force explicit SSL');
    server.tls = fact('explicit', at(ssl));
    server.tlsRequired = fact(forced?.text === '1', at(forced ?? ssl));
  } else if (ssl) server.tls = fact('none', at(ssl));
}

function read1x(elements: XmlElement[], server: ServerFacts, facts: InputFacts, at: (element: XmlElement) => Where): void {
  const under = (element: XmlElement, name: string): boolean => element.ancestors.includes(name);
  const min = elements.find((element) => element.name === 'min' && under(element, 'passive_mode'));
  const max = elements.find((element) => element.name === 'max' && under(element, 'passive_mode'));
  if (min && max) {
    const from = portNumber(min.text);
    const to = portNumber(max.text);
    if (from === undefined || to === undefined || from > to) complain(facts, at(max), 'passive_mode port_range is not two port numbers, low then high');
    else server.passiveRange = fact({ from, to }, at(max));
  }
  const host = elements.find((element) => (element.name === 'host_override' || element.name === 'host') && under(element, 'passive_mode'));
  if (host?.text) server.advertisedAddress = fact(host.text, at(host));
  const listener = elements.find((element) => element.name === 'port' && under(element, 'listener'));
  const port = portNumber(listener?.text ?? '');
  if (listener && port !== undefined) server.controlPort = fact(port, at(listener));
  const mode = elements.find((element) => element.name === 'tls_mode' && under(element, 'listener'));
  if (mode) {
    if (!['0', '1', '2'].includes(mode.text)) complain(facts, at(mode), `tls_mode ${mode.text} is not 0, 1 or 2`);
    else {
      server.tls = fact(mode.text === '2' ? 'implicit' : 'explicit', at(mode));
      server.tlsRequired = fact(mode.text !== '0', at(mode));
    }
  }
  if (!min && !host && !listener) complain(facts, { file: facts.file, line: 1, text: '' }, 'no FileZilla Server passive_mode or listener settings found');
}
