/**
 * Remedies are data: per product, a table from the kind of problem to a function that fills the
 * product's own commands with what the probe saw (the range, the address, the ports). Rules name
 * problems; they never spell out product commands themselves.
 */
import type { Remedy } from '../../report/model.js';

export type Problem =
  | 'resolve' // the host name does not resolve
  | 'open-control' // let the control port through / start the service
  | 'passive-range' // make the server hand out ports from one known range
  | 'open-passive-range' // let that range through the firewall
  | 'public-address' // make the 227 reply carry the address clients reach
  | 'tls-inspection' // FTP inspection cannot read encrypted control traffic
  | 'epsv-inspection' // an inspection helper that does not understand EPSV/229
  | 'rewrite' // an inspection helper that rewrites replies badly
  | 'passive-enable' // the server refuses PASV (passive mode switched off)
  | 'epsv-refused' // the server (or a filter) refuses EPSV, whatever it does with PASV
  | 'session-limit' // a per-address or total session limit turned a session away (421)
  | 'data-protection' // PBSZ/PROT P refused: the server will not encrypt data connections
  | 'session-lost' // a control session died without a reply while a data channel was set up
  | 'active-enable' // the server refuses PORT/EPRT
  | 'active-inbound' // the server's connection back to the client does not arrive
  | 'active-private-address' // PORT/EPRT carried the client's private address: the client is behind NAT
  | 'session-reuse' // the server insists on TLS session resumption on data connections
  | 'foreign-source' // the server refuses data connections from another source address
  | 'idle-timeout' // NAT/firewall forgets the idle control connection during a long transfer
  | 'slow-transfer' // data keeps arriving, too slowly to finish within the transfer's total deadline
  | 'auth-tls' // AUTH TLS refused or the handshake dies
  | 'login' // credentials rejected
  | 'tls-required' // the server refuses logins without TLS
  | 'certificate' // the server's certificate does not verify
  | 'misrouted' // the data port is forwarded to the wrong host
  | 'file-refused'; // the server refused the file itself (no such path, or not readable by this login)

export interface RemedyContext {
  /** The passive range to configure and open. */
  range: { from: number; to: number };
  /** True when nothing told us the range and `range` is only a suggestion. */
  rangeIsExample: boolean;
  /**
   * Where `range` came from: --expect-range; the span of many passive ports the server handed out
   * (inferred); the span of the few seen (observed: the real range holds at least these); or a
   * suggestion because nothing is known (example).
   */
  rangeSource?: 'expected' | 'inferred' | 'observed' | 'example';
  /** The address clients should be told in 227 replies. */
  publicAddress: string;
  controlPort: number;
  /** The host name or address the user asked for (optional: sweep builds contexts without one). */
  host?: string;
  /** The TLS mode the URL asked for (optional: sweep builds contexts without one). */
  tlsMode?: 'none' | 'explicit' | 'implicit';
  /** Active mode: where the client listened. */
  clientListen?: { host: string; port: number };
}

export type RemedyTable = Partial<Record<Problem, (context: RemedyContext) => Remedy>>;

export interface ProductRemedies {
  product: string;
  /**
   * 'server': an FTP server's own settings, shown only when that server answered (or nothing
   * identified it); 'network': firewalls, NAT, cloud and the client, shown whatever the server.
   */
  kind: 'server' | 'network';
  /**
   * A host firewall of one OS: shown only when the identified server runs there (these products),
   * or when nothing identified it. Windows Firewall is no remedy for a vsftpd on Linux.
   */
  onlyWithServers?: readonly string[];
  table: RemedyTable;
}

export const dash = (range: { from: number; to: number }): string => `${range.from}-${range.to}`;
export const colon = (range: { from: number; to: number }): string => `${range.from}:${range.to}`;
/**
 * "5500-5525", "5500-5525 (an example range: pick your own)" when nothing is known, or for a
 * range read off the ports seen "5500-5525 (the ports seen so far; …)".
 */
export function rangeWords(context: RemedyContext): string {
  if (context.rangeSource === 'observed') return `${dash(context.range)} (the ports seen; take the exact bounds from the server's configuration)`;
  return context.rangeIsExample ? `${dash(context.range)} (an example range: pick your own)` : dash(context.range);
}

/**
 * rangeWords for a firewall's, NAT's or cloud's remedy. A range read off the ports seen says only
 * "(the ports seen)": the caveat to take the bounds from the server's configuration is said once,
 * in the server product's own remedy, instead of again under every firewall.
 */
export function firewallRangeWords(context: RemedyContext): string {
  return context.rangeSource === 'observed' ? `${dash(context.range)} (the ports seen)` : rangeWords(context);
}
