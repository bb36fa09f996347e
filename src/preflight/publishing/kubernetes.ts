/**
 * Kubernetes manifests: Services (LoadBalancer/NodePort publish `port`/`nodePort` to
 * `targetPort`; ClusterIP publishes nothing outside the cluster) and Pod specs (bare Pods,
 * Deployments, StatefulSets, DaemonSets…: `hostPort`, and the containers' image and env read by
 * the image conventions). A Service port is one port: there are no ranges, so a passive range
 * of 10 ports needs 10 entries (said when a range is not covered).
 */
import { complain, fact } from '../lines.js';
import { emptyFacts, portNumber, type InputFacts, type Publication } from '../model.js';
import type { Environment } from '../servers/images.js';
import { readImageAndCommand } from './docker-run.js';
import { isMapping, yamlDocuments, type YamlDocument } from './yaml-input.js';

export function parseKubernetes(file: string, text: string): InputFacts {
  const facts = emptyFacts(file, 'kubernetes');
  for (const document of yamlDocuments(file, text)) {
    const data = document.data;
    if (data === null || data === undefined) continue;
    if (!isMapping(data) || typeof data.kind !== 'string') {
      complain(facts, document.at(''), 'not a Kubernetes object (no kind:)');
      continue;
    }
    if (data.kind === 'Service') readService(data, document, facts);
    else if (data.kind === 'Pod') readPodSpec(data.spec, 'spec', document, facts);
    else if (['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job'].includes(data.kind)) {
      const template = isMapping(data.spec) ? data.spec.template : undefined;
      readPodSpec(isMapping(template) ? template.spec : undefined, 'spec.template.spec', document, facts);
    } else facts.notes.push(`${file}:${document.at('kind').line}: kind ${data.kind} has nothing preflight reads`);
  }
  return facts;
}

function readService(service: Record<string, unknown>, document: YamlDocument, facts: InputFacts): void {
  const spec = isMapping(service.spec) ? service.spec : {};
  const type = typeof spec.type === 'string' ? spec.type : 'ClusterIP';
  const typeAt = document.at(spec.type === undefined ? 'spec' : 'spec.type');
  if (type === 'ClusterIP' || type === 'ExternalName') {
    facts.notes.push(`${typeAt.file}:${typeAt.line}: a ${type} Service is reachable only inside the cluster: it publishes nothing to outside clients`);
    return;
  }
  if (type !== 'NodePort' && type !== 'LoadBalancer') return complain(facts, typeAt, `Service type ${type} is not one Kubernetes knows`);
  const ports = Array.isArray(spec.ports) ? spec.ports : [];
  ports.forEach((entry, index) => {
    const at = document.at(`spec.ports[${index}]`);
    if (!isMapping(entry)) return complain(facts, at, 'a Service port must be a mapping');
    const port = portNumber(String(entry.port ?? ''));
    const target = entry.targetPort === undefined ? port : portNumber(String(entry.targetPort));
    if (port === undefined) return complain(facts, at, 'port: must be a port number');
    if (target === undefined) return complain(facts, document.at(`spec.ports[${index}].targetPort`), `targetPort ${String(entry.targetPort)} is a named port: name the Pod manifest too, or use the number`);
    const protocol = String(entry.protocol ?? 'TCP').toLowerCase() as Publication['protocol'];
    let host = port;
    if (type === 'NodePort') {
      const node = portNumber(String(entry.nodePort ?? ''));
      if (node === undefined) return complain(facts, at, `NodePort without nodePort: Kubernetes picks one from 30000-32767 at creation, a client (and the server's passive range) cannot be told it in advance`);
      host = node;
    }
    facts.publications.push({ hostPorts: { from: host, to: host }, serverPorts: { from: target, to: target }, protocol, via: `Kubernetes Service ${type}`, at });
  });
}

function readPodSpec(spec: unknown, base: string, document: YamlDocument, facts: InputFacts): void {
  if (!isMapping(spec)) return complain(facts, document.at(base), 'no pod spec');
  if (spec.hostNetwork === true) facts.notes.push(`${document.at(`${base}.hostNetwork`).file}:${document.at(`${base}.hostNetwork`).line}: hostNetwork: true, the server's ports are the node's own (nothing published)`);
  const containers = Array.isArray(spec.containers) ? spec.containers : [];
  containers.forEach((container, index) => {
    const path = `${base}.containers[${index}]`;
    if (!isMapping(container)) return;
    const ports = Array.isArray(container.ports) ? container.ports : [];
    ports.forEach((entry, portIndex) => {
      const at = document.at(`${path}.ports[${portIndex}]`);
      if (!isMapping(entry) || entry.hostPort === undefined) return;
      const hostPort = portNumber(String(entry.hostPort));
      const containerPort = portNumber(String(entry.containerPort ?? ''));
      if (hostPort === undefined || containerPort === undefined) return complain(facts, at, 'hostPort and containerPort must be port numbers');
      facts.publications.push({ hostPorts: { from: hostPort, to: hostPort }, serverPorts: { from: containerPort, to: containerPort }, protocol: String(entry.protocol ?? 'TCP').toLowerCase() as Publication['protocol'], via: 'Kubernetes hostPort', at });
    });
    const env: Environment = new Map();
    (Array.isArray(container.env) ? container.env : []).forEach((variable, envIndex) => {
      if (isMapping(variable) && typeof variable.name === 'string') {
        if (variable.value !== undefined) env.set(variable.name, fact(String(variable.value), document.at(`${path}.env[${envIndex}]`)));
        else complain(facts, document.at(`${path}.env[${envIndex}]`), `${variable.name} comes from valueFrom: known only in the cluster`);
      }
    });
    const words = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : []);
    if (typeof container.image === 'string') readImageAndCommand(container.image, document.at(`${path}.image`), env, [...words(container.command), ...words(container.args)], facts);
  });
}
