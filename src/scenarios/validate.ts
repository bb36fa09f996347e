/**
 * Validation of scenario data: every error names the field by path (`topology.firewalls[0].policy`)
 * and says what was expected, so a user editing their own firewall file knows what to fix.
 * Pure: takes parsed data, returns the typed scenario or the list of problems.
 */
import net from 'node:net';
import type { Scenario } from './model.js';

export interface FieldProblem {
  path: string;
  message: string;
}

type Check = (value: unknown, path: string, problems: FieldProblem[]) => void;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function field(required: boolean, check: Check): { required: boolean; check: Check } {
  return { required, check };
}

function object(shape: Record<string, { required: boolean; check: Check }>): Check {
  return (value, path, problems) => {
    if (!isObject(value)) return void problems.push({ path, message: 'must be a mapping (key: value)' });
    for (const key of Object.keys(value)) {
      if (!(key in shape)) problems.push({ path: join(path, key), message: `unknown field (expected one of: ${Object.keys(shape).join(', ')})` });
    }
    for (const [key, spec] of Object.entries(shape)) {
      const child = value[key];
      if (child === undefined) {
        if (spec.required) problems.push({ path: join(path, key), message: 'is required' });
        continue;
      }
      spec.check(child, join(path, key), problems);
    }
  };
}

const join = (path: string, key: string): string => (path === '' ? key : `${path}.${key}`);

function array(item: Check): Check {
  return (value, path, problems) => {
    if (!Array.isArray(value)) return void problems.push({ path, message: 'must be a list' });
    value.forEach((element, index) => item(element, `${path}[${index}]`, problems));
  };
}

const string: Check = (value, path, problems) => {
  if (typeof value !== 'string' || value.trim() === '') problems.push({ path, message: 'must be a non-empty text' });
};

const boolean: Check = (value, path, problems) => {
  if (typeof value !== 'boolean') problems.push({ path, message: 'must be true or false' });
};

function oneOf(...choices: string[]): Check {
  return (value, path, problems) => {
    if (typeof value !== 'string' || !choices.includes(value)) problems.push({ path, message: `must be one of ${choices.join(', ')} (got ${JSON.stringify(value)})` });
  };
}

function integer(min: number, max: number): Check {
  return (value, path, problems) => {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      problems.push({ path, message: `must be a whole number from ${min} to ${max} (got ${JSON.stringify(value)})` });
    }
  };
}

const address: Check = (value, path, problems) => {
  if (typeof value !== 'string' || net.isIP(value) === 0) problems.push({ path, message: `must be an IP address (got ${JSON.stringify(value)})` });
};

const cidr: Check = (value, path, problems) => {
  const [base = '', bits, extra] = typeof value === 'string' ? value.split('/') : [];
  const family = net.isIP(base);
  const width = family === 4 ? 32 : 128;
  const ok = typeof value === 'string' && family !== 0 && extra === undefined && (bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= width));
  if (!ok) problems.push({ path, message: `must be an address or CIDR like 10.0.0.0/8 (got ${JSON.stringify(value)})` });
};

/** A port (21) or an inclusive range ("5500-5525"). */
export const portOrRange: Check = (value, path, problems) => {
  if (typeof value === 'number') return integer(1, 65535)(value, path, problems);
  const range = parsePortRange(value);
  if (!range) problems.push({ path, message: `must be a port (1-65535) or a range like "5500-5525" with low <= high (got ${JSON.stringify(value)})` });
};

export function parsePortRange(value: unknown): { from: number; to: number } | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 1 && value <= 65535 ? { from: value, to: value } : undefined;
  if (typeof value !== 'string') return undefined;
  const match = /^\s*(\d{1,5})\s*(?:-\s*(\d{1,5})\s*)?$/.exec(value);
  if (!match) return undefined;
  const from = Number(match[1]);
  const to = match[2] === undefined ? from : Number(match[2]);
  if (from < 1 || to > 65535 || from > to) return undefined;
  return { from, to };
}

const findingCode: Check = (value, path, problems) => {
  if (typeof value !== 'string' || !/^[A-Z][A-Z0-9_]+$/.test(value)) problems.push({ path, message: `must be a finding code like DATA_CHANNEL_BLOCKED (got ${JSON.stringify(value)})` });
};

const rule = object({
  comment: field(false, string),
  direction: field(false, oneOf('in', 'out')),
  src: field(false, cidr),
  dst: field(false, cidr),
  sport: field(false, portOrRange),
  dport: field(false, portOrRange),
  state: field(false, array(oneOf('new', 'established', 'related'))),
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
  client: field(false, object({ address: field(false, address) })),
  edge: field(false, object({ outside: field(false, address), inside: field(false, address) })),
  server: field(false, object({ address: field(false, address), ...serverSettings })),
  firewalls: field(false, array(firewall)),
  nat: field(
    false,
    object({
      forward: field(false, array(portOrRange)),
      rewriteFtp: field(false, boolean),
      sourcePool: field(false, array(address)),
      masquerade: field(false, boolean),
      idleTimeoutMs: field(false, integer(1, 3_600_000)),
    }),
  ),
});

const client = object({
  dial: field(false, oneOf('server', 'edge')),
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
  if (value.client.dial === 'edge' && !value.topology.nat?.forward?.length) {
    problems.push({ path: 'client.dial', message: '"edge" needs topology.nat.forward (port forwards on the edge) or the client reaches nothing' });
  }
  const names = new Set<string>();
  value.topology.firewalls?.forEach((wall, index) => {
    if (names.has(wall.name)) problems.push({ path: `topology.firewalls[${index}].name`, message: `duplicate firewall name ${JSON.stringify(wall.name)}` });
    names.add(wall.name);
  });
}
