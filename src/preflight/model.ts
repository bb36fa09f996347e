/**
 * The facts `preflight` reads out of configuration files, each with where it was read (file and
 * line), so every prediction can say which line of which file it rests on. Parsers produce these
 * facts and nothing else; what they could not read is kept as `notUnderstood`, never dropped.
 * Firewall facts come from src/preflight/firewalls (their own model).
 */

export interface PortRange {
  from: number;
  to: number;
}

/** Where a fact was read: the file as the user named it, the 1-based line, the line as written. */
export interface Where {
  file: string;
  line: number;
  text: string;
}

export interface Fact<T> {
  value: T;
  at: Where;
}

export type TlsMode = 'none' | 'explicit' | 'implicit';

/**
 * One FTP server's settings as the files say them. `product` is the software whose remedies apply
 * ('vsftpd', 'ProFTPD', 'Pure-FTPd', 'IIS', 'FileZilla Server', 'ftp-doctor'); `image` the
 * container image whose environment conventions were read, when they were.
 */
export interface ServerFacts {
  product: string;
  image?: string;
  /** The port the server listens on for control connections (inside the container, if any). */
  controlPort?: Fact<number>;
  passiveRange?: Fact<PortRange>;
  /** What the server puts in its 227 reply (pasv_address, MasqueradeAddress, ForcePassiveIP…). */
  advertisedAddress?: Fact<string>;
  tls?: Fact<TlsMode>;
  /** Logins (and data) refused without TLS. */
  tlsRequired?: Fact<boolean>;
  /** Passive mode switched off (pasv_enable=NO). */
  passiveDisabled?: Fact<boolean>;
  /** PASV (not EPSV) fails for another reason: the value says why (vsftpd's pasv_address a name without pasv_addr_resolve). */
  pasvRefused?: Fact<string>;
}

/**
 * A port published in front of the server: Docker's `-p`/`ports:` (DNAT on the host), a
 * Kubernetes Service port or a Pod hostPort. `hostPorts` are what clients dial, `serverPorts`
 * what the server listens on; ranges have the same length.
 */
export interface Publication {
  hostAddress?: string;
  hostPorts: PortRange;
  serverPorts: PortRange;
  protocol: 'tcp' | 'udp' | 'sctp';
  /** 'docker run -p', 'compose ports', 'Kubernetes Service NodePort', 'Kubernetes hostPort'… */
  via: string;
  at: Where;
}

/** A line (or part of one) a parser could not read: said with its place, never ignored. */
export interface NotUnderstood {
  at: Where;
  reason: string;
}

/** Everything one input file said. */
export interface InputFacts {
  file: string;
  kind: string;
  servers: ServerFacts[];
  publications: Publication[];
  notUnderstood: NotUnderstood[];
  /** Things read that matter but are not facts (a default the product applies, an assumption). */
  notes: string[];
}

export function emptyFacts(file: string, kind: string): InputFacts {
  return { file, kind, servers: [], publications: [], notUnderstood: [], notes: [] };
}

/** "vsftpd.conf:12" — the file as named, so a user can open it. */
export function placeOf(at: Where): string {
  return `${at.file}:${at.line}`;
}

/** "vsftpd.conf:12 pasv_max_port=50100" */
export function quoteOf(at: Where): string {
  return `${placeOf(at)} ${at.text}`;
}

export function rangeText(range: PortRange): string {
  return range.from === range.to ? String(range.from) : `${range.from}-${range.to}`;
}

/** A port number as written: digits only, 1-65535. */
export function portNumber(text: string): number | undefined {
  if (!/^\d{1,5}$/.test(text.trim())) return undefined;
  const value = Number(text.trim());
  return value >= 1 && value <= 65535 ? value : undefined;
}

/** "50000-50100", "50000:50100" or "50000 50100" (Pure-FTPd's conf file); low ≤ high. */
export function portRange(text: string): PortRange | undefined {
  const match = /^\s*(\d{1,5})\s*(?:[-:]|\s+)\s*(\d{1,5})\s*$/.exec(text) ?? /^\s*(\d{1,5})\s*$/.exec(text);
  if (!match) return undefined;
  const from = portNumber(match[1] ?? '');
  const to = portNumber(match[2] ?? match[1] ?? '');
  if (from === undefined || to === undefined || from > to) return undefined;
  return { from, to };
}
