/**
 * Publishing parsers (docker run, Dockerfile, compose, Kubernetes) and the container image
 * conventions, table-tested; credentials in environment lines never reach a fact's text.
 */
import { describe, expect, it } from 'vitest';
import type { InputFacts } from '../../src/preflight/model.js';
import { parseCompose } from '../../src/preflight/publishing/compose.js';
import { parseDockerfile, parseDockerRunScript } from '../../src/preflight/publishing/docker-run.js';
import { parseKubernetes } from '../../src/preflight/publishing/kubernetes.js';
import { parsePortSpec } from '../../src/preflight/publishing/port-spec.js';

const published = (facts: InputFacts): string[] =>
  facts.publications.map((publication) => `${publication.hostAddress ? `${publication.hostAddress}:` : ''}${publication.hostPorts.from}-${publication.hostPorts.to}>${publication.serverPorts.from}-${publication.serverPorts.to}/${publication.protocol} @${publication.at.line}`);
const complaints = (facts: InputFacts): string[] => facts.notUnderstood.map((item) => `${item.at.file}:${item.at.line} ${item.reason}`);
const at = { file: 'f', line: 1, text: '' };

describe('Docker port specs', () => {
  it.each([
    ['21:21', '21-21>21-21/tcp'],
    ['50000-50050:50000-50050', '50000-50050>50000-50050/tcp'],
    ['127.0.0.1:2121:21/tcp', '127.0.0.1:2121-2121>21-21/tcp'],
    ['[::1]:21:21', '::1:21-21>21-21/tcp'],
    ['69:69/udp', '69-69>69-69/udp'],
  ])('%s', (spec, expected) => {
    const result = parsePortSpec(spec, 'test', at);
    expect(result.ok).toBe(true);
    if (result.ok) expect(published({ ...emptyInput(), publications: [result.publication] })[0]).toBe(`${expected} @1`);
  });
  it.each([
    ['21', /host port Docker picks at start-up/],
    ['50000-50010:50000-50020', /11 host ports for 21 container ports/],
    ['21:21/icmp', /protocol must be tcp, udp or sctp/],
    ['a:b', /is not a port or a range/],
  ])('%s is refused with a reason', (spec, reason) => {
    const result = parsePortSpec(spec, 'test', at);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(reason);
  });
});

function emptyInput(): InputFacts {
  return { file: 'f', kind: 'test', servers: [], publications: [], notUnderstood: [], notes: [] };
}

describe('docker run lines', () => {
  it('ports, the image convention and its environment (fauria/vsftpd), credentials redacted', () => {
    const script = ['#!/bin/sh', 'docker run -d --name ftp \\', '  -p 21:21 -p 21100-21110:21100-21110 \\', '  -e FTP_PASS=hunter22 -e PASV_ADDRESS=203.0.113.7 \\', '  fauria/vsftpd'].join('\n');
    const facts = parseDockerRunScript('run.sh', script);
    expect(published(facts)).toEqual(['21-21>21-21/tcp @3', '21100-21110>21100-21110/tcp @3']);
    const server = facts.servers[0];
    expect(server?.image).toBe('fauria/vsftpd');
    expect(server?.passiveRange?.value).toEqual({ from: 21100, to: 21110 });
    expect(server?.passiveRange?.at.text).toBe('fauria/vsftpd default PASV_MAX_PORT=21110');
    expect(server?.advertisedAddress?.value).toBe('203.0.113.7');
    expect(server?.advertisedAddress?.at.line).toBe(4);
    expect(JSON.stringify(facts)).not.toContain('hunter22');
  });
  it('stilliard/pure-ftpd: PUBLICHOST, FTP_PASSIVE_PORTS and ADDED_FLAGS', () => {
    const facts = parseDockerRunScript('run.sh', 'docker run -p 21:21 -p 30000-30009:30000-30009 -e PUBLICHOST=203.0.113.3 -e FTP_PASSIVE_PORTS=30000:30019 -e "ADDED_FLAGS=--tls=2" stilliard/pure-ftpd\n');
    expect(facts.servers[0]).toMatchObject({ product: 'Pure-FTPd', advertisedAddress: { value: '203.0.113.3' }, passiveRange: { value: { from: 30000, to: 30019 } }, tls: { value: 'explicit' }, tlsRequired: { value: true } });
  });
  it('garethflowers/ftp-server without PUBLIC_IP advertises 0.0.0.0; delfer defaults', () => {
    const gareth = parseDockerRunScript('a.sh', 'docker run --publish 20-21:20-21/tcp --publish 40000-40009:40000-40009/tcp garethflowers/ftp-server\n');
    expect(gareth.servers[0]?.advertisedAddress?.value).toBe('0.0.0.0');
    expect(gareth.servers[0]?.passiveRange?.value).toEqual({ from: 40000, to: 40009 });
    const delfer = parseDockerRunScript('b.sh', 'docker run -p 21:21 -e ADDRESS=ftp.example.com delfer/alpine-ftp-server:latest\n');
    expect(delfer.servers[0]).toMatchObject({ advertisedAddress: { value: 'ftp.example.com' }, passiveRange: { value: { from: 21000, to: 21010 } } });
  });
  it('a pure-ftpd command after the image; host networking publishes nothing; unknown variables said', () => {
    const facts = parseDockerRunScript('c.sh', 'docker run --network host -p 21:21 -e X=1 debian:12 /usr/sbin/pure-ftpd -p 30000:30009 -P $PUBLIC_IP\n');
    expect(facts.publications).toEqual([]);
    expect(facts.servers[0]?.passiveRange?.value).toEqual({ from: 30000, to: 30009 });
    expect(complaints(facts).join('\n')).toMatch(/c\.sh:1 -P \$PUBLIC_IP: a variable, known only when the container starts/);
  });
});

describe('Dockerfile', () => {
  it('CMD in exec form with pure-ftpd flags', () => {
    const facts = parseDockerfile('Dockerfile', 'FROM debian:12\nRUN apt-get install -y pure-ftpd\nEXPOSE 21 30000-30009\nCMD ["/usr/sbin/pure-ftpd", "-p", "30000:30009", "-P", "203.0.113.6", "--tls=1"]\n');
    expect(facts.servers[0]).toMatchObject({ product: 'Pure-FTPd', passiveRange: { value: { from: 30000, to: 30009 }, at: { line: 4 } }, advertisedAddress: { value: '203.0.113.6' }, tls: { value: 'explicit' } });
  });
  it('ENV of an image with a convention', () => {
    const facts = parseDockerfile('Dockerfile', 'FROM fauria/vsftpd\nENV PASV_MIN_PORT=21100 PASV_MAX_PORT=21199\n');
    expect(facts.servers[0]?.passiveRange?.value).toEqual({ from: 21100, to: 21199 });
  });
});

describe('compose files', () => {
  it('short and long port syntax, host address, protocol, environment map, command', () => {
    const text = [
      'services:',
      '  ftp:',
      '    image: stilliard/pure-ftpd',
      '    ports:',
      '      - "21:21"',
      '      - "127.0.0.1:30000-30009:30000-30009"',
      '      - target: 990',
      '        published: "990"',
      '        host_ip: 0.0.0.0',
      '        protocol: tcp',
      '      - "69:69/udp"',
      '    environment:',
      '      PUBLICHOST: 203.0.113.10',
      '      FTP_USER_PASS: s3cret-value',
    ].join('\n');
    const facts = parseCompose('compose.yml', text);
    expect(published(facts)).toEqual(['21-21>21-21/tcp @5', '127.0.0.1:30000-30009>30000-30009/tcp @6', '0.0.0.0:990-990>990-990/tcp @7', '69-69>69-69/udp @11']);
    expect(facts.servers[0]).toMatchObject({ advertisedAddress: { value: '203.0.113.10', at: { line: 13 } }, passiveRange: { value: { from: 30000, to: 30009 } } });
    expect(JSON.stringify(facts)).not.toContain('s3cret-value');
  });
  it('a compose command running pure-ftpd; env_file and a port without a host port are said', () => {
    const text = ['services:', '  ftp:', '    build: .', '    command: pure-ftpd -p 40000:40010 -P 203.0.113.11', '    env_file: .env', '    ports:', '      - "21"'].join('\n');
    const facts = parseCompose('compose.yml', text);
    expect(facts.servers[0]?.passiveRange?.value).toEqual({ from: 40000, to: 40010 });
    expect(complaints(facts)).toEqual([
      'compose.yml:7 "21" publishes container port 21 on a host port Docker picks at start-up: a client cannot be told it in advance',
      'compose.yml:5 env_file is not read: its variables are unknown here (name the values under environment:)',
    ]);
  });
  it('a YAML syntax error names the file and line', () => {
    expect(() => parseCompose('compose.yml', 'services:\n  ftp:\n    ports: [\n')).toThrow(/compose\.yml: line \d/);
  });
});

describe('Kubernetes manifests', () => {
  const text = [
    'apiVersion: v1',
    'kind: Service',
    'metadata: { name: ftp }',
    'spec:',
    '  type: NodePort',
    '  ports:',
    '    - { name: control, port: 21, targetPort: 21, nodePort: 30021 }',
    '    - { name: pasv0, port: 30100, targetPort: 30100, nodePort: 30100 }',
    '    - { name: pasv1, port: 30101, targetPort: ftp-data }',
    '---',
    'apiVersion: v1',
    'kind: Service',
    'metadata: { name: internal }',
    'spec:',
    '  ports: [{ port: 21 }]',
    '---',
    'apiVersion: apps/v1',
    'kind: Deployment',
    'spec:',
    '  template:',
    '    spec:',
    '      containers:',
    '        - name: ftp',
    '          image: delfer/alpine-ftp-server',
    '          env:',
    '            - { name: ADDRESS, value: 203.0.113.12 }',
    '            - { name: MIN_PORT, value: "30100" }',
    '            - { name: MAX_PORT, value: "30109" }',
    '          ports:',
    '            - { containerPort: 21, hostPort: 2121 }',
  ].join('\n');
  it('NodePort ports one by one (no ranges), ClusterIP publishes nothing, hostPort, the image convention', () => {
    const facts = parseKubernetes('ftp.yaml', text);
    expect(published(facts)).toEqual(['30021-30021>21-21/tcp @7', '30100-30100>30100-30100/tcp @8', '2121-2121>21-21/tcp @30']);
    expect(complaints(facts)).toEqual(['ftp.yaml:9 targetPort ftp-data is a named port: name the Pod manifest too, or use the number']);
    expect(facts.notes.join('\n')).toMatch(/ftp\.yaml:15: a ClusterIP Service is reachable only inside the cluster/);
    expect(facts.servers[0]).toMatchObject({ advertisedAddress: { value: '203.0.113.12', at: { line: 26 } }, passiveRange: { value: { from: 30100, to: 30109 } } });
  });
});
