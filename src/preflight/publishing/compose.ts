/**
 * Docker Compose files: per service, `ports:` (short "host:container" strings and long
 * {target, published, host_ip, protocol} mappings), `image:` and `environment:` (the image's
 * conventions), `command:`/`entrypoint:` (a pure-ftpd command line), `network_mode: host`.
 */
import { complain, fact, shellWords } from '../lines.js';
import { emptyFacts, portRange, type InputFacts, type Publication } from '../model.js';
import type { Environment } from '../servers/images.js';
import { readImageAndCommand } from './docker-run.js';
import { length, parsePortSpec } from './port-spec.js';
import { isMapping, yamlDocuments, type YamlDocument } from './yaml-input.js';

export function parseCompose(file: string, text: string): InputFacts {
  const facts = emptyFacts(file, 'compose');
  for (const document of yamlDocuments(file, text)) {
    const services = isMapping(document.data) ? document.data.services : undefined;
    if (!isMapping(services)) {
      complain(facts, document.at(''), 'no services: mapping');
      continue;
    }
    for (const [name, service] of Object.entries(services)) readService(name, service, document, facts);
  }
  return facts;
}

function readService(name: string, service: unknown, document: YamlDocument, facts: InputFacts): void {
  const base = `services.${name}`;
  if (!isMapping(service)) return complain(facts, document.at(base), `service ${name} is not a mapping`);
  const hostNetwork = service.network_mode === 'host';
  const ports = service.ports;
  if (ports !== undefined && !Array.isArray(ports)) complain(facts, document.at(`${base}.ports`), 'ports: must be a list');
  if (Array.isArray(ports)) {
    if (hostNetwork) facts.notes.push(`${document.at(`${base}.network_mode`).file}:${document.at(`${base}.network_mode`).line}: network_mode: host, so ports: is ignored by Docker (the server's ports are the host's own)`);
    else ports.forEach((entry, index) => readPort(entry, `${base}.ports[${index}]`, document, facts));
  }
  const env: Environment = new Map();
  const environment = service.environment;
  if (Array.isArray(environment)) {
    environment.forEach((entry, index) => {
      const [key = '', value] = String(entry).split(/=(.*)/s);
      if (value !== undefined) env.set(key, fact(value, document.at(`${base}.environment[${index}]`)));
    });
  } else if (isMapping(environment)) {
    for (const [key, value] of Object.entries(environment)) if (value !== null && value !== undefined) env.set(key, fact(String(value), document.at(`${base}.environment.${key}`)));
  }
  if (service.env_file !== undefined) complain(facts, document.at(`${base}.env_file`), 'env_file is not read: its variables are unknown here (name the values under environment:)');
  const words = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : typeof value === 'string' ? shellWords(value) : []);
  const command = [...words(service.entrypoint), ...words(service.command)];
  const image = typeof service.image === 'string' ? service.image : '';
  const at = document.at(service.command !== undefined && !image ? `${base}.command` : `${base}.image`);
  if (image || command.length > 0) readImageAndCommand(image, at, env, command, facts, document.at(service.command !== undefined ? `${base}.command` : `${base}.entrypoint`));
}

function readPort(entry: unknown, fieldPath: string, document: YamlDocument, facts: InputFacts): void {
  const at = document.at(fieldPath);
  if (typeof entry === 'string' || typeof entry === 'number') {
    // A bare number in YAML ("21:21" unquoted is base-60 in YAML 1.1, but the yaml library reads 1.2).
    const result = parsePortSpec(String(entry), 'compose ports', at);
    if (result.ok) facts.publications.push(result.publication);
    else complain(facts, at, result.reason);
    return;
  }
  if (!isMapping(entry)) return complain(facts, at, 'a port must be "host:container" or a mapping with target and published');
  const target = portRange(String(entry.target ?? '').replace('-', ':'));
  const published = entry.published === undefined ? undefined : portRange(String(entry.published).replace('-', ':'));
  if (!target) return complain(facts, at, 'target: must be a port');
  if (!published) return complain(facts, at, `target ${target.from} without published: Docker picks a host port at start-up, a client cannot be told it in advance`);
  const protocol = String(entry.protocol ?? 'tcp').toLowerCase();
  if (!['tcp', 'udp', 'sctp'].includes(protocol)) return complain(facts, at, `protocol ${protocol}: must be tcp, udp or sctp`);
  const serverPorts = target;
  if (length(serverPorts) !== length(published)) return complain(facts, at, `published ${String(entry.published)} and target ${String(entry.target)} differ in length`);
  const publication: Publication = { hostPorts: published, serverPorts, protocol: protocol as Publication['protocol'], via: 'compose ports', at };
  if (typeof entry.host_ip === 'string') publication.hostAddress = entry.host_ip;
  facts.publications.push(publication);
}
