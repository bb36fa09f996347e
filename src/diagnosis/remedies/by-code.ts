/**
 * The remedies of a finding code, without a run: which kinds of problem (in the product tables) the
 * rules that say the code draw their remedies from, in the rules' priority order. For
 * `ftp-doctor findings CODE`, filled with an example context instead of a probe's numbers. A rule
 * picks among these by what it saw (plain or TLS, PASV or EPSV, a private PORT address); the list
 * is the union. Codes whose remedy is built from the run itself (the URL scheme to use, the
 * password to give) have none here. test/findings/remedies-by-code.test.ts holds this list to what
 * the rules produce on the sample reports.
 */
import type { FindingCode } from '../../findings/registry.js';
import type { Remedy } from '../../report/model.js';
import { remediesFor } from './index.js';
import type { Problem, RemedyContext } from './types.js';

const PASSIVE: readonly Problem[] = ['open-passive-range', 'passive-range'];

export const PROBLEMS_BY_CODE: Readonly<Partial<Record<FindingCode, readonly Problem[]>>> = {
  CONTROL_RESOLVE_FAILED: ['resolve'],
  CONTROL_UNREACHABLE: ['open-control'],
  CONTROL_GREETING_FAILED: ['open-control'],
  TLS_NEGOTIATION_BLOCKED: ['auth-tls', 'tls-inspection'],
  TLS_CERTIFICATE_SELF_SIGNED: ['certificate'],
  TLS_CERTIFICATE_EXPIRED: ['certificate'],
  TLS_CERTIFICATE_NAME_MISMATCH: ['certificate'],
  TLS_CERTIFICATE_UNTRUSTED: ['certificate'],
  LOGIN_FAILED: ['login', 'tls-required', 'session-lost', 'open-control'],
  SESSION_LIMIT_REACHED: ['session-limit'],
  DATA_CHANNEL_BLOCKED: ['tls-inspection', ...PASSIVE],
  DATA_CHANNEL_REFUSED: ['open-passive-range', 'misrouted'],
  PASV_PORT_OUT_OF_RANGE: ['passive-range', 'open-passive-range'],
  PASV_ADDRESS_PRIVATE: ['public-address'],
  PASV_ADDRESS_MISMATCH: ['public-address'],
  EPSV_BLOCKED: ['epsv-inspection', 'open-passive-range'],
  PASSIVE_MODE_REFUSED: ['passive-enable', 'passive-range', 'epsv-refused', 'epsv-inspection'],
  PASSIVE_REPLY_UNUSABLE: ['rewrite'],
  ACTIVE_REJECTED: ['active-enable', 'active-private-address'],
  ACTIVE_INBOUND_BLOCKED: ['active-inbound', 'active-private-address'],
  TLS_BREAKS_INSPECTION: ['tls-inspection', ...PASSIVE],
  TLS_SESSION_REUSE_REQUIRED: ['session-reuse'],
  TLS_DATA_CERTIFICATE_MISMATCH: ['misrouted'],
  DATA_SOURCE_REJECTED: ['foreign-source'],
  PASV_REWRITTEN_IN_TRANSIT: ['rewrite', 'public-address'],
  DATA_MISROUTED: ['misrouted', 'open-passive-range'],
  CONTROL_IDLE_TIMEOUT: ['idle-timeout'],
  DATA_TRANSFER_TOO_SLOW: ['slow-transfer'],
  FILE_UNAVAILABLE: ['file-refused'],
  MODE_SESSION_FAILED: ['open-control', 'auth-tls', 'tls-inspection', 'login', 'data-protection', 'session-lost'],
  DATA_TLS_FAILED: ['session-reuse', 'misrouted'],
  DATA_TRANSFER_FAILED: ['foreign-source', 'misrouted'],
};

/** What `findings CODE` fills the remedies with: an example range and documentation addresses. */
export const EXAMPLE_REMEDY_CONTEXT: RemedyContext = {
  range: { from: 50000, to: 50100 },
  rangeIsExample: true,
  rangeSource: 'example',
  publicAddress: '203.0.113.10',
  controlPort: 21,
  host: 'ftp.example.com',
  tlsMode: 'explicit',
};

/** What each kind of problem is, as the heading of its remedies (the comments of `Problem`, for users). */
export const PROBLEM_WORDS: Readonly<Record<Problem, string>> = {
  resolve: 'the host name does not resolve',
  'open-control': 'the control port is closed or filtered',
  'passive-range': 'the server must hand out passive ports from one known range',
  'open-passive-range': 'the firewall must let that passive range through',
  'public-address': 'the 227 reply must carry the address clients reach',
  'tls-inspection': 'FTP inspection cannot read an encrypted control channel',
  'epsv-inspection': 'an inspection helper that does not understand EPSV (229)',
  rewrite: 'an inspection helper rewrites passive replies badly',
  'passive-enable': 'the server refuses PASV (passive mode switched off)',
  'epsv-refused': 'the server or a filter refuses EPSV',
  'session-limit': 'a per-address or global session limit',
  'data-protection': 'PBSZ/PROT P refused: data connections cannot be encrypted',
  'session-lost': 'a control session died without a reply',
  'active-enable': 'the server refuses PORT/EPRT',
  'active-inbound': "the server's connection back to the client does not arrive",
  'active-private-address': "PORT/EPRT carried the client's private address (a client behind NAT)",
  'session-reuse': 'the server insists on TLS session resumption on data connections',
  'foreign-source': 'the server refuses data connections from another source address',
  'idle-timeout': 'a NAT or firewall forgets the idle control connection during a long transfer',
  'slow-transfer': 'data arrives too slowly to finish within the deadline',
  'auth-tls': 'AUTH TLS is refused or the handshake dies',
  login: 'the credentials are rejected',
  'tls-required': 'the server refuses logins without TLS',
  certificate: "the server's certificate does not verify",
  misrouted: 'the data port is forwarded to the wrong host or port',
  'file-refused': 'the server refused the file itself (path or permissions)',
};

export interface RemedyGroup {
  problem: Problem;
  about: string;
  remedies: Remedy[];
}

/**
 * Every product's remedies for the code, grouped by the kind of problem (in the rules' priority
 * order): a run shows one remedy per product, for the first problem that matches what it saw.
 */
export function remediesForCode(code: FindingCode, context: RemedyContext = EXAMPLE_REMEDY_CONTEXT): RemedyGroup[] {
  return (PROBLEMS_BY_CODE[code] ?? []).map((problem) => ({ problem, about: PROBLEM_WORDS[problem], remedies: remediesFor([problem], context) }));
}
