/**
 * What two captures of one path show together, as findings: each located failure (dropped between
 * the capture points, refused by the target, a reply rewritten in transit, SNAT) under the code a
 * probe would give the same failure, its proof the frames on both sides. Pure.
 */
import type { Location, LocationKind } from '../capture/pair-locate.js';
import { withProvenance } from '../evidence/provenance.js';
import type { FindingCode } from '../findings/registry.js';
import type { Finding, Severity } from '../report/model.js';

interface Reading {
  code: FindingCode;
  severity: Severity;
  title: (count: number) => string;
  meaning: string;
}

const plural = (count: number, one: string): string => `${count} ${one}${count === 1 ? '' : 's'}`;

const READINGS: Record<LocationKind, Reading> = {
  'dropped-between': {
    code: 'DATA_CHANNEL_BLOCKED',
    severity: 'error',
    title: (count) => `${plural(count, 'connection')} left the first capture point and never reached the other: dropped between them`,
    meaning: 'The SYN is in the capture where the connection was opened and absent from the other: a firewall (or NAT without a mapping) between the two capture points dropped it.',
  },
  'answer-lost': {
    code: 'DATA_CHANNEL_BLOCKED',
    severity: 'error',
    title: (count) => `${plural(count, 'connection')} reached the far end, which answered; the answer never came back`,
    meaning: 'The far end sent its SYN-ACK (it is in the far capture) but the dialling side never saw it: the return path drops it, typically a stateful firewall or NAT that did not see the SYN go out the same way.',
  },
  'refused-by-target': {
    code: 'DATA_CHANNEL_REFUSED',
    severity: 'error',
    title: (count) => `${plural(count, 'connection')} reached the far end and were refused there (RST)`,
    meaning: 'Both captures show the SYN and the far end answered with a reset: nothing listens on that port there, or the host itself rejects it.',
  },
  'refused-between': {
    code: 'DATA_CHANNEL_REFUSED',
    severity: 'error',
    title: (count) => `${plural(count, 'connection')} refused by something between the capture points`,
    meaning: 'A reset (or ICMP unreachable) reached the dialling side, but the far capture never saw the SYN: a device between the two points rejected it in the far end\'s name.',
  },
  'unanswered-at-target': {
    code: 'DATA_CHANNEL_BLOCKED',
    severity: 'error',
    title: (count) => `${plural(count, 'connection')} reached the far capture point and got no answer there`,
    meaning: 'The SYN arrived where the far capture was taken and nothing answered: the far host\'s own firewall drops it, or the capture was taken in front of the host (a span port) and something after it dropped it.',
  },
  'rewritten-in-transit': {
    code: 'PASV_REWRITTEN_IN_TRANSIT',
    severity: 'warning',
    title: (count) => `${count === 1 ? 'A reply or command' : `${count} replies or commands`} carried other addresses at each end: rewritten in transit`,
    meaning: 'The 227/229 reply or the PORT/EPRT argument differs between the two captures: an FTP-aware device between them (an ALG, a NAT helper) rewrote it.',
  },
  'source-rewritten': {
    code: 'DATA_SOURCE_REJECTED',
    severity: 'warning',
    title: (count) => `${plural(count, 'data connection')} reached the server from another address than its control connection (SNAT)`,
    meaning: 'Servers that check the data connection\'s source (vsftpd, ProFTPD, Pure-FTPd, pyftpdlib) refuse such a connection: the NAT between the two points translates the control and data connections to different addresses.',
  },
};

function proof(location: Location, client: string | undefined, server: string | undefined): string[] {
  const lines = [location.text];
  if (location.atClient) lines.push(withProvenance('* at the client', location.atClient));
  if (location.atServer) lines.push(withProvenance('* at the server', location.atServer));
  if (location.clientSaw !== undefined) lines.push(`* ${client ?? 'client side'} saw: ${location.clientSaw}`);
  if (location.serverSaw !== undefined) lines.push(`* ${server ?? 'server side'} saw: ${location.serverSaw}`);
  return lines;
}

/** One finding per kind of location, its proof up to `limit` located connections. */
export function locationFindings(locations: readonly Location[], limit = 3): Finding[] {
  const byKind = new Map<LocationKind, Location[]>();
  for (const location of locations) byKind.set(location.kind, [...(byKind.get(location.kind) ?? []), location]);
  return [...byKind].map(([kind, list]) => {
    const reading = READINGS[kind];
    const active = list.every((location) => location.openedBy === 'server');
    const control = list.every((location) => location.channel === 'control');
    const code: FindingCode = kind === 'dropped-between' && control ? 'CONTROL_UNREACHABLE' : kind === 'dropped-between' && active ? 'ACTIVE_INBOUND_BLOCKED' : reading.code;
    const shown = list.slice(0, limit).flatMap((location) => proof(location, location.sessions.client, location.sessions.server));
    if (list.length > limit) shown.push(`* … and ${list.length - limit} more like these`);
    return { code, severity: reading.severity, title: reading.title(list.length), explanation: reading.meaning, evidence: shown, remedies: [] };
  });
}
