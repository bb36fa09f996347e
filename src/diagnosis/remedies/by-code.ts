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

/**
 * Every product's remedies for the code: for each kind of problem in order, one remedy per product
 * that has one (a product can have several here, for different situations of the same code).
 */
export function remediesForCode(code: FindingCode, context: RemedyContext = EXAMPLE_REMEDY_CONTEXT): Remedy[] {
  const remedies: Remedy[] = [];
  const seen = new Set<string>();
  for (const problem of PROBLEMS_BY_CODE[code] ?? []) {
    for (const remedy of remediesFor([problem], context)) {
      const key = `${remedy.product}\n${remedy.text}`;
      if (seen.has(key)) continue;
      seen.add(key);
      remedies.push(remedy);
    }
  }
  return remedies;
}
