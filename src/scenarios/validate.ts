/**
 * Validation of scenario data: every error names the field by path (`topology.firewalls[0].policy`)
 * and says what was expected, so a user editing their own firewall file knows what to fix.
 * Pure: takes parsed data, returns the typed scenario or the list of problems.
 */
import net from 'node:net';
import { topologyAddresses6, type Scenario } from '../topology/model.js';
import { isFindingCode } from '../findings/registry.js';
import { suggestCodes } from '../findings/suggest.js';
import { address, array, boolean, field, integer, object, oneOf, parsePortRange, portOrRange, string, type Check, type FieldProblem } from '../config/fields.js';

// Shared with check policies; re-exported because scenario code imports them from here.
export { parsePortRange, portOrRange, type FieldProblem } from '../config/fields.js';

const cidr: Check = (value, path, problems) => {
  const [base = '', bits, extra] = typeof value === 'string' ? value.split('/') : [];
  const family = net.isIP(base);
  const width = family === 4 ? 32 : 128;
  const ok = typeof value === 'string' && family !== 0 && extra === undefined && (bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= width));
  if (!ok) problems.push({ path, message: `must be an address or CIDR like 10.0.0.0/8 (got ${JSON.stringify(value)})` });
};

const ipv6Address: Check = (value, path, problems) => {
  if (typeof value !== 'string' || !net.isIPv6(value)) problems.push({ path, message: `must be an IPv6 address like 2001:db8:2::5 (got ${JSON.stringify(value)})` });
};

const ipFamily: Check = (value, path, problems) => {
  if (value !== 4 && value !== 6) problems.push({ path, message: `must be 4 (IPv4) or 6 (IPv6) (got ${JSON.stringify(value)})` });
};

/** A code of the finding registry: an expectation naming any other could never be met (or never fail). */
const findingCode: Check = (value, path, problems) => {
  if (typeof value === 'string' && isFindingCode(value)) return;
  const near = typeof value === 'string' ? suggestCodes(value) : [];
  const hint = near.length > 0 ? `; did you mean ${near.join(', ')}?` : ' (`ftp-doctor findings` lists them)';
  problems.push({ path, message: `must be a finding code like DATA_CHANNEL_BLOCKED (got ${JSON.stringify(value)})${hint}` });
};

const rule = object({
  comment: field(false, string),
  direction: field(false, oneOf('in', 'out')),
  src: field(false, cidr),
  dst: field(false, cidr),
  sport: field(false, portOrRange),
  dport: field(false, portOrRange),
  state: field(false, array(oneOf('new', 'established', 'related'))),
  family: field(false, ipFamily),
  action: field(true, oneOf('accept', 'drop', 'reject')),
});

const firewall = object({
  name: field(true, string),
  at: field(true, oneOf('client', 'edge', 'server')),
  policy: field(true, oneOf('accept', 'drop', 'reject')),
  rules: field(true, array(rule)),
  ftpHelper: field(false, object({ ports: field(false, array(integer(1, 65535))), epsv: field(false, boolean), blockAuthTls: field(false, boolean) })),
});

const serverSettings = {
  software: field(false, oneOf('ftp-doctor', 'vsftpd')),
  port: field(false, integer(1, 65535)),
  pasvRange: field(false, portOrRange),
  externalIp: field(false, address),
  tls: field(false, oneOf('none', 'explicit', 'implicit')),
  requireTls: field(false, boolean),
  requireSessionReuse: field(false, boolean),
  allowCcc: field(false, boolean),
  activeSourcePort: field(false, integer(1, 65535)),
  misbehave: field(
    false,
    object({
      advertiseAddress: field(false, address),
      outOfRangePorts: field(false, portOrRange),
      refuseEpsv: field(false, boolean),
      refusePort: field(false, boolean),
      coalesceReplies: field(false, boolean),
    }),
  ),
  bigFileBytes: field(false, integer(1, 1 << 30)),
  throttleBytesPerSecond: field(false, integer(1, 1 << 30)),
};

const topology = object({
  client: field(false, object({ address: field(false, address), address6: field(false, ipv6Address) })),
  edge: field(false, object({ outside: field(false, address), inside: field(false, address), outside6: field(false, ipv6Address), inside6: field(false, ipv6Address) })),
  server: field(false, object({ address: field(false, address), address6: field(false, ipv6Address), ...serverSettings })),
  firewalls: field(false, array(firewall)),
  nat: field(
    false,
    object({
      forward: field(false, array(portOrRange)),
      forwardToPort: field(false, array(object({ ports: field(true, portOrRange), toPort: field(true, integer(1, 65535)) }))),
      rewriteFtp: field(false, boolean),
      sourcePool: field(false, array(address)),
      masquerade: field(false, boolean),
      idleTimeoutMs: field(false, integer(1, 3_600_000)),
    }),
  ),
});

const client = object({
  dial: field(false, oneOf('server', 'edge')),
  family: field(false, ipFamily),
  user: field(false, string),
  password: field(false, string),
  modes: field(false, array(oneOf('epsv', 'pasv', 'port', 'eprt'))),
  tls: field(false, oneOf('none', 'explicit', 'implicit')),
  ccc: field(false, boolean),
  resumeTlsSession: field(false, boolean),
  expectRange: field(false, portOrRange),
  expectAddress: field(false, address),
  samples: field(false, integer(1, 1000)),
  useAdvertisedAddress: field(false, boolean),
  retrieve: field(false, string),
  connectTimeoutMs: field(false, integer(10, 600_000)),
  dataTimeoutMs: field(false, integer(10, 600_000)),
});

const expectation = object({
  verdict: field(true, oneOf('pass', 'fail')),
  findings: field(false, array(findingCode)),
  absent: field(false, array(findingCode)),
  failingStep: field(false, string),
});

const scenario = object({
  id: field(true, (value, path, problems) => {
    if (typeof value !== 'string' || !/^[a-z0-9][a-z0-9-]{0,63}$/.test(value)) problems.push({ path, message: 'must be lower-case letters, digits and dashes (at most 64)' });
  }),
  title: field(true, string),
  description: field(true, string),
  source: field(true, string),
  pairedWith: field(false, string),
  tags: field(false, array(string)),
  topology: field(true, topology),
  client: field(true, client),
  expect: field(true, expectation),
});

export function validateScenario(data: unknown): { ok: true; scenario: Scenario } | { ok: false; problems: FieldProblem[] } {
  const problems: FieldProblem[] = [];
  scenario(data, '', problems);
  if (problems.length === 0) crossCheck(data as Scenario, problems);
  return problems.length === 0 ? { ok: true, scenario: data as Scenario } : { ok: false, problems };
}

/** Checks across fields that a per-field schema cannot express. */
function crossCheck(value: Scenario, problems: FieldProblem[]): void {
  if (value.topology.nat?.rewriteFtp && !value.topology.firewalls?.some((wall) => wall.at === 'edge' && wall.ftpHelper)) {
    problems.push({ path: 'topology.nat.rewriteFtp', message: 'needs an edge firewall with an ftpHelper (the NAT helper rewrites what the FTP helper parses)' });
  }
  if (value.client.dial === 'edge' && !value.topology.nat?.forward?.length && !value.topology.nat?.forwardToPort?.length) {
    problems.push({ path: 'client.dial', message: '"edge" needs topology.nat.forward (port forwards on the edge) or the client reaches nothing' });
  }
  checkPortForwards(value, problems);
  if (value.client.family === 6 && !topologyAddresses6(value.topology)) {
    problems.push({ path: 'client.family', message: '6 needs a dual-stack topology: give an IPv6 address such as topology.server.address6' });
  }
  if (value.client.family === 6 && value.client.dial === 'edge') {
    problems.push({ path: 'client.dial', message: '"edge" reaches the server through IPv4 NAT only; an IPv6 client dials the server (IPv6 is routed, not NATed)' });
  }
  value.topology.firewalls?.forEach((wall, index) =>
    wall.rules.forEach((rule, position) => {
      for (const key of ['src', 'dst'] as const) {
        const text = rule[key];
        const family = text === undefined ? 0 : net.isIP(text.split('/')[0] ?? '');
        if (rule.family !== undefined && family !== 0 && family !== rule.family) {
          problems.push({ path: `topology.firewalls[${index}].rules[${position}].family`, message: `${rule.family} contradicts ${key} ${text} (an IPv${family} address): the rule could never match` });
        }
      }
    }),
  );
  const names = new Set<string>();
  value.topology.firewalls?.forEach((wall, index) => {
    if (names.has(wall.name)) problems.push({ path: `topology.firewalls[${index}].name`, message: `duplicate firewall name ${JSON.stringify(wall.name)}` });
    names.add(wall.name);
  });
}

/**
 * A port in two forwards would depend on rule order, which the two backends need not share: each
 * outside port must have exactly one target.
 */
function checkPortForwards(value: Scenario, problems: FieldProblem[]): void {
  const nat = value.topology.nat;
  const claimed: { range: { from: number; to: number }; path: string }[] = [];
  const claim = (spec: number | string, path: string): void => {
    const range = parsePortRange(spec);
    if (!range) return;
    const other = claimed.find((candidate) => range.from <= candidate.range.to && candidate.range.from <= range.to);
    if (other) problems.push({ path, message: `overlaps ${other.path} (${other.range.from}-${other.range.to}): a port forward needs exactly one target` });
    claimed.push({ range, path });
  };
  nat?.forward?.forEach((spec, index) => claim(spec, `topology.nat.forward[${index}]`));
  nat?.forwardToPort?.forEach((rule, index) => claim(rule.ports, `topology.nat.forwardToPort[${index}].ports`));
}
