/**
 * Docker's port publishing syntax, shared by `docker run -p` and compose's short `ports:` form:
 * `[host-ip:][host-port[-end]:]container-port[-end][/protocol]` (an IPv6 host address in
 * brackets). Without a host port Docker picks a free one at start-up: nothing a client can be
 * told in advance, said as such.
 */
import { portRange, type PortRange, type Publication, type Where } from '../model.js';

export type PortSpecResult = { ok: true; publication: Publication } | { ok: false; reason: string };

export function parsePortSpec(spec: string, via: string, at: Where): PortSpecResult {
  let rest = spec.trim();
  let protocol: Publication['protocol'] = 'tcp';
  const slash = /\/(tcp|udp|sctp)$/i.exec(rest);
  if (slash) {
    protocol = (slash[1] ?? 'tcp').toLowerCase() as Publication['protocol'];
    rest = rest.slice(0, slash.index);
  } else if (rest.includes('/')) {
    return { ok: false, reason: `"${spec}": the protocol must be tcp, udp or sctp` };
  }
  let hostAddress: string | undefined;
  const bracketed = /^\[([0-9a-fA-F:.]+)\]:(.*)$/.exec(rest);
  if (bracketed) {
    hostAddress = bracketed[1];
    rest = bracketed[2] ?? '';
  }
  const parts = rest.split(':');
  if (!bracketed && parts.length === 3) hostAddress = parts.shift();
  if (parts.length > 2 || parts.length === 0) return { ok: false, reason: `"${spec}" is not [host-ip:][host-port:]container-port[/protocol]` };
  const serverText = parts.pop() ?? '';
  const hostText = parts.pop();
  const serverPorts = portRange(serverText.replace('-', ':'));
  if (!serverPorts || /\s/.test(serverText)) return { ok: false, reason: `"${spec}": ${serverText} is not a port or a range of ports` };
  if (hostText === undefined || hostText === '') {
    return { ok: false, reason: `"${spec}" publishes container port${serverPorts.from === serverPorts.to ? '' : 's'} ${serverText} on a host port Docker picks at start-up: a client cannot be told it in advance` };
  }
  const hostPorts = portRange(hostText.replace('-', ':'));
  if (!hostPorts || /\s/.test(hostText)) return { ok: false, reason: `"${spec}": ${hostText} is not a port or a range of ports` };
  if (length(hostPorts) !== length(serverPorts)) {
    return { ok: false, reason: `"${spec}": ${length(hostPorts)} host port${length(hostPorts) === 1 ? '' : 's'} for ${length(serverPorts)} container port${length(serverPorts) === 1 ? '' : 's'}; Docker needs ranges of the same length` };
  }
  return { ok: true, publication: { ...(hostAddress ? { hostAddress } : {}), hostPorts, serverPorts, protocol, via, at } };
}

export function length(range: PortRange): number {
  return range.to - range.from + 1;
}
