/**
 * firewalld zone XML and `firewall-cmd --list-all` (pure). firewalld does not run here: the fixtures
 * are written from the documented formats (firewalld.zone(5), firewall-cmd(1)), the same zone in
 * both spellings, which must give the same facts.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { detectFirewallKind, evaluateTcp, readFirewallFile, type FirewallFacts } from '../../../src/preflight/firewalls/index.js';
import { meaning } from './kernel-compare.js';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/preflight/firewalls/firewalld/${name}`, import.meta.url), 'utf8');
const zoneXml = fixture('public.xml');
const listAll = fixture('list-all.txt');
const inbound = (facts: FirewallFacts, dport: number, src = '198.51.100.10', state: 'new' | 'related' = 'new') =>
  evaluateTcp(facts, { direction: 'in', src, dst: '10.0.0.5', dport, state }).verdict;

describe('firewalld', () => {
  const xml = readFirewallFile('zones/public.xml', zoneXml);
  const list = readFirewallFile('list-all.txt', listAll);

  it('detects both forms', () => {
    expect(xml.kind).toBe('firewalld-zone');
    expect(list.kind).toBe('firewalld-list');
    expect(detectFirewallKind(listAll, 'x')).toBe('firewalld-list');
  });

  it('the zone file and --list-all give the same facts, every line understood', () => {
    expect(xml.notUnderstood).toEqual([]);
    expect(list.notUnderstood).toEqual([]);
    expect(meaning(xml)).toEqual(meaning(list));
  });

  it.each([
    [21, '198.51.100.10', 'accept'], // service ftp
    [21, '203.0.113.9', 'reject'], // deny rich rule before the service
    [50100, '198.51.100.10', 'accept'], // port range
    [50101, '198.51.100.10', 'reject'], // target default rejects
    [990, '198.51.100.10', 'accept'], // rich accept
    [990, '192.0.2.1', 'reject'],
    [22, '192.0.2.1', 'accept'],
  ] as const)('port %d from %s: %s', (port, src, expected) => {
    expect(inbound(xml, port, src)).toBe(expected);
    expect(inbound(list, port, src)).toBe(expected);
  });

  it('the ftp service assigns the FTP helper on 21; the data connection it expects is accepted as related', () => {
    expect(xml.ftpInspection).toEqual([expect.objectContaining({ kind: 'helper-assigned', name: 'ftp', ports: [21], at: expect.objectContaining({ file: 'zones/public.xml', line: 8 }) })]);
    expect(inbound(xml, 40000, '198.51.100.10', 'related')).toBe('accept');
  });

  it('forward-port is DNAT, masquerade is source NAT', () => {
    expect(xml.nat.map((nat) => [nat.kind, nat.to, nat.at.line])).toEqual([
      ['dnat', { address: '10.0.0.5', ports: { from: 21, to: 21 } }, 10],
      ['masquerade', undefined, 11],
    ]);
  });

  it.each([
    ['DROP', 'drop'], ['ACCEPT', 'accept'], ['%%REJECT%%', 'reject'],
  ])('target %s', (target, expected) => {
    const facts = readFirewallFile('z.xml', `<zone target="${target}"><service name="ssh"/></zone>`, 'firewalld-zone');
    expect(inbound(facts, 8080)).toBe(expected);
  });

  it('an unknown service, an absurd port and an unknown element are said with their lines', () => {
    const facts = readFirewallFile('z.xml', '<zone>\n<service name="my-app"/>\n<port protocol="tcp" port="70000"/>\n<frob/>\n</zone>', 'firewalld-zone');
    expect(facts.notUnderstood.map((item) => [item.at.line, item.reason]).sort()).toEqual([
      [2, 'service "my-app": its ports are defined in its own service file, not read here'],
      [3, 'port 70000 in "70000" is above 65535'],
      [4, '<frob> in a zone is not understood'],
    ]);
    expect(inbound(facts, 8080)).toBe('unknown');
  });

  it('hostile input: binary and garbage', () => {
    expect(() => readFirewallFile('z.xml', '<zone>\u0000</zone>', 'firewalld-zone')).toThrow(/z.xml:1: binary data/);
    const facts = readFirewallFile('l.txt', 'public\n  target: default\n  wibble: 3\n', 'firewalld-list');
    expect(facts.notUnderstood).toEqual([{ at: expect.objectContaining({ line: 3 }), reason: '"wibble" is not understood' }]);
  });
});
