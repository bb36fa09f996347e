/**
 * PASV and PORT are RFC 959's data modes and can only name an IPv4 address; RFC 2428 added EPSV and
 * EPRT for every address family, and servers turn PASV/PORT down on an IPv6 control connection
 * (522 "network protocol not supported" is the RFC 2428 answer; some say 500 or 502). Over IPv6, then, a refused PASV is the server doing the right thing — and the probe
 * must neither demand it nor call its refusal a fault. Pure: the engine, the mode sessions and the
 * diagnosis share these readings.
 */
import net from 'node:net';
import { normalizeAddress } from '../ftp/index.js';
import { ALL_MODES, type DataMode } from '../report/model.js';
import type { DataAttempt } from '../evidence/model.js';
import { DEFAULT_MODES } from './options.js';

/** The modes whose command or reply can only carry an IPv4 address. */
export const IPV4_ONLY_MODES: readonly DataMode[] = ['pasv', 'port'];

const IPV6_FORM: Record<DataMode, DataMode> = { pasv: 'epsv', port: 'eprt', epsv: 'epsv', eprt: 'eprt' };

export const ipv4Only = (mode: DataMode): boolean => IPV4_ONLY_MODES.includes(mode);

/** A real IPv6 control connection; an IPv4-mapped address (::ffff:a.b.c.d) is IPv4 on the wire. */
export function isIpv6Control(address: string): boolean {
  return net.isIPv6(normalizeAddress(address));
}

export interface ModePlan {
  /** The modes to run, in the order asked. */
  run: DataMode[];
  /** Asked for (by default or with `all`) but left out: IPv4-only modes on an IPv6 control connection. */
  notApplicable: DataMode[];
}

const sameModes = (left: readonly DataMode[], right: readonly DataMode[]): boolean =>
  left.length === right.length && left.every((mode) => right.includes(mode));

/**
 * Which of the requested modes to run over this control connection. On IPv6 a generic request —
 * the default list or `all` — runs only EPSV/EPRT and reports PASV/PORT as not applicable. Any
 * other list that names PASV or PORT is a deliberate question ("what does this server answer?"),
 * so they are still asked. The CLI always passes a list, so the default is recognised by content.
 */
export function planModes(requested: readonly DataMode[], ipv6Control: boolean): ModePlan {
  const generic = sameModes(requested, DEFAULT_MODES) || sameModes(requested, ALL_MODES);
  if (!ipv6Control || !generic) return { run: [...requested], notApplicable: [] };
  return { run: requested.filter((mode) => !ipv4Only(mode)), notApplicable: requested.filter(ipv4Only) };
}

/** One sentence: why these modes do not apply over IPv6, and what to use instead. */
export function notApplicableReason(modes: readonly DataMode[]): string {
  const names = (list: readonly DataMode[]): string => list.map((mode) => mode.toUpperCase()).join(' and ');
  const forms = [...new Set(modes.map((mode) => IPV6_FORM[mode]))];
  const plural = modes.length > 1;
  return (
    `${names(modes)} can only carry an IPv4 address and the control connection is IPv6, so servers refuse ${plural ? 'them' : 'it'} there ` +
    `(522, RFC 2428's "network protocol not supported"); ${names(forms)} ${plural ? 'are their' : 'is its'} IPv6 form${plural ? 's' : ''}.`
  );
}

/**
 * An IPv4-only mode on an IPv6 control connection that ended the way RFC 2428 says it should: the
 * server refused it permanently (522, or the 500/502/504 of servers that do not say why), or the
 * client could not even write the command (PORT has no form for an IPv6 address).
 */
export function refusedAsExpected(attempt: DataAttempt, controlAddress: string): boolean {
  if (!ipv4Only(attempt.mode) || !isIpv6Control(controlAddress)) return false;
  if (attempt.notSent !== undefined) return true;
  const code = attempt.modeReply?.code;
  return code !== undefined && code >= 500 && code < 600 && attempt.transfer.outcome !== 'complete';
}
