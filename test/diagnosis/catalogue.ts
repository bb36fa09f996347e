/**
 * One evidence fixture per finding code (and the healthy cases), named, so the per-code tests and
 * the invariant tests (every error has remedies and evidence; verdict follows severities) share them.
 */
import type { ProbeEvidence } from '../../src/evidence/model.js';
import { active, passive, probe, reply, SERVER } from './fixtures.js';

export interface CatalogueEntry {
  name: string;
  evidence: ProbeEvidence;
  verdict: 'pass' | 'fail';
  /** Codes that must be present, each with its severity. */
  findings: Record<string, 'error' | 'warning' | 'info'>;
  /** Codes that must not be present. */
  absent?: string[];
}

const range = { from: 5500, to: 5525 };
const tlsOk = { handshake: 'ok' as const, reply: reply(234, 'Proceed with negotiation.') };

export const HEALTHY: CatalogueEntry[] = [
  { name: 'plain server, EPSV and PASV complete', evidence: probe(), verdict: 'pass', findings: {} },
  {
    name: 'LAN server whose private address is the control peer',
    evidence: probe({ host: '10.0.0.5', controlPeer: '10.0.0.5', attempts: [passive('pasv', { peer: '10.0.0.5', followAdvertised: true }), passive('epsv', { peer: '10.0.0.5' })] }),
    verdict: 'pass',
    findings: {},
  },
  {
    name: "NAT'd server advertising its correct external address, inside the expected range",
    evidence: probe({
      options: { expectRange: range, expectAddress: SERVER },
      attempts: [passive('pasv', { advertised: `${SERVER}:5501`, followAdvertised: true }), passive('epsv', { advertised: `${SERVER}:5502` })],
    }),
    verdict: 'pass',
    findings: {},
  },
  {
    name: 'explicit TLS with a valid certificate, plain twins and TLS data resuming the session',
    evidence: probe({
      tlsMode: 'explicit',
      authTls: { ...tlsOk, certificate: { selfSigned: false, subject: `CN=${SERVER}` } },
      plainLoginAllowed: true,
      attempts: [passive('pasv', { tls: true }), passive('pasv'), passive('epsv', { tls: true }), passive('epsv')],
    }),
    verdict: 'pass',
    findings: {},
  },
  {
    name: 'active mode PORT and EPRT complete',
    evidence: probe({ options: { modes: ['port', 'eprt'] }, attempts: [active('port'), active('eprt')] }),
    verdict: 'pass',
    findings: {},
  },
  {
    name: 'reference server: copies and tokens agree',
    evidence: probe({
      referenceServer: true,
      attempts: [
        passive('pasv', { patch: { sentByServer: { host: SERVER, port: 50123 }, token: { expected: { port: 50123 }, received: 'FTP-DOCTOR-TOKEN s1 50123', matches: true } } }),
      ],
    }),
    verdict: 'pass',
    findings: {},
  },
];

export const CONTROL: CatalogueEntry[] = [
  {
    name: 'control filtered (timeout)',
    evidence: probe({ control: { outcome: 'timeout', durationMs: 300 }, attempts: [], greeting: undefined, login: undefined }),
    verdict: 'fail',
    findings: { CONTROL_UNREACHABLE: 'error' },
  },
  {
    name: 'control closed (refused)',
    evidence: probe({ control: { outcome: 'refused', durationMs: 1 }, attempts: [], greeting: undefined, login: undefined }),
    verdict: 'fail',
    findings: { CONTROL_UNREACHABLE: 'error' },
  },
  {
    name: 'no greeting',
    evidence: probe({ greeting: { timeout: true, waitedMs: 300 }, login: undefined, attempts: [] }),
    verdict: 'fail',
    findings: { CONTROL_GREETING_FAILED: 'error' },
  },
  {
    name: 'host name that does not resolve',
    evidence: probe({ resolve: { error: 'getaddrinfo ENOTFOUND ftp.example.invalid', code: 'ENOTFOUND' }, control: { outcome: 'error', durationMs: 0 }, greeting: undefined, login: undefined, attempts: [] }),
    verdict: 'fail',
    findings: { CONTROL_RESOLVE_FAILED: 'error' },
    absent: ['CONTROL_UNREACHABLE'],
  },
  {
    name: 'an SSH server on the control port',
    evidence: probe({ greeting: { timeout: false, waitedMs: 3, received: 'SSH-2.0-OpenSSH_9.2p1\\r\\n', error: 'malformed reply line' }, login: undefined, attempts: [] }),
    verdict: 'fail',
    findings: { CONTROL_GREETING_FAILED: 'error' },
    absent: ['UNEXPLAINED_FAILURE'],
  },
  {
    name: 'ftps:// against an explicit-TLS port (a plain 220 inside the handshake)',
    evidence: probe({ tlsMode: 'implicit', port: 990, greeting: undefined, authTls: { handshake: 'failed', error: 'wrong version number', received: '220 (vsFTPd 3.0.5)\\r\\n' }, login: undefined, attempts: [] }),
    verdict: 'fail',
    findings: { TLS_MODE_MISMATCH: 'error' },
    absent: ['TLS_NEGOTIATION_BLOCKED'],
  },
  {
    name: 'ftpes:// against an implicit-TLS port (silence, then a TLS handshake and a 220 inside it)',
    evidence: probe({ tlsMode: 'explicit', greeting: { timeout: true, waitedMs: 300, tlsCheck: { handshake: 'ok', received: '220 ready\\r\\n' } }, login: undefined, attempts: [] }),
    verdict: 'fail',
    findings: { TLS_MODE_MISMATCH: 'error' },
    absent: ['CONTROL_GREETING_FAILED'],
  },
  {
    name: 'a named user without a password',
    evidence: probe({ control: { outcome: 'error', durationMs: 0 }, greeting: undefined, login: { ok: false, noPasswordFor: 'deploy' }, attempts: [] }),
    verdict: 'fail',
    findings: { LOGIN_PASSWORD_MISSING: 'error' },
    absent: ['LOGIN_FAILED', 'CONTROL_UNREACHABLE'],
  },
  {
    name: 'AUTH TLS refused by a filter',
    evidence: probe({ tlsMode: 'explicit', authTls: { reply: reply(534, 'Policy requires SSL.'), handshake: 'not-attempted' }, login: undefined, attempts: [] }),
    verdict: 'fail',
    findings: { TLS_NEGOTIATION_BLOCKED: 'error' },
  },
  {
    name: 'TLS handshake reset',
    evidence: probe({ tlsMode: 'explicit', authTls: { reply: reply(234, 'AUTH TLS OK'), handshake: 'reset', error: 'ECONNRESET' }, login: undefined, attempts: [] }),
    verdict: 'fail',
    findings: { TLS_NEGOTIATION_BLOCKED: 'error' },
  },
  {
    name: 'login refused',
    evidence: probe({ login: { userReply: reply(331, 'Please specify the password.'), passReply: reply(530, 'Login incorrect.'), ok: false }, attempts: [] }),
    verdict: 'fail',
    findings: { LOGIN_FAILED: 'error' },
  },
  {
    name: 'self-signed certificate (not strict)',
    evidence: probe({ tlsMode: 'explicit', authTls: { ...tlsOk, certificate: { selfSigned: true, verifyError: 'DEPTH_ZERO_SELF_SIGNED_CERT', subject: 'CN=ftp-doctor' } }, attempts: [passive('pasv', { tls: true })] }),
    verdict: 'pass',
    findings: { TLS_CERTIFICATE_SELF_SIGNED: 'warning' },
  },
  {
    name: 'expired certificate under --strict',
    evidence: probe({
      tlsMode: 'explicit',
      options: { strictTls: true },
      authTls: { ...tlsOk, certificate: { selfSigned: false, verifyError: 'CERT_HAS_EXPIRED', validTo: 'Jan  1 00:00:00 2020 GMT' } },
      attempts: [passive('pasv', { tls: true })],
    }),
    verdict: 'fail',
    findings: { TLS_CERTIFICATE_EXPIRED: 'error' },
  },
];

const blocked = (mode: 'pasv' | 'epsv', port: number, extra: Parameters<typeof passive>[1] = {}) =>
  passive(mode, { advertised: `${SERVER}:${port}`, connect: 'timeout', ...extra });

export const DATA: CatalogueEntry[] = [
  {
    name: 'control channel only: passive data dropped',
    evidence: probe({ attempts: [blocked('epsv', 50124), blocked('pasv', 50123)] }),
    verdict: 'fail',
    findings: { DATA_CHANNEL_BLOCKED: 'error' },
  },
  {
    name: 'passive data refused',
    evidence: probe({ attempts: [passive('pasv', { connect: 'refused' })] }),
    verdict: 'fail',
    findings: { DATA_CHANNEL_REFUSED: 'error' },
  },
  {
    name: 'IIS 0-0: ports from the dynamic range, outside the firewall range',
    evidence: probe({ options: { expectRange: range }, attempts: [blocked('pasv', 50123), blocked('epsv', 50124)] }),
    verdict: 'fail',
    findings: { PASV_PORT_OUT_OF_RANGE: 'error', DATA_CHANNEL_BLOCKED: 'error' },
  },
  {
    name: 'private 227 address followed by the advertised policy',
    evidence: probe({ options: { addressPolicy: 'advertised' }, attempts: [passive('pasv', { advertised: '10.0.0.5:5500', followAdvertised: true, connect: 'timeout' })] }),
    verdict: 'fail',
    findings: { PASV_ADDRESS_PRIVATE: 'error' },
    absent: ['DATA_CHANNEL_BLOCKED'],
  },
  {
    name: 'private 227 address hidden by the control-peer policy',
    evidence: probe({ attempts: [passive('pasv', { advertised: '10.0.0.5:5500' }), passive('epsv', { advertised: `${SERVER}:5501` })] }),
    verdict: 'pass',
    findings: { PASV_ADDRESS_PRIVATE: 'warning', PASV_ADDRESS_HIDDEN_BY_CLIENT: 'info' },
  },
  {
    name: 'stale external address',
    evidence: probe({ options: { addressPolicy: 'advertised' }, attempts: [passive('pasv', { advertised: '198.51.100.77:5500', followAdvertised: true, connect: 'timeout' })] }),
    verdict: 'fail',
    findings: { PASV_ADDRESS_MISMATCH: 'error' },
    absent: ['DATA_CHANNEL_BLOCKED'],
  },
  {
    name: 'EPSV dropped while PASV works',
    evidence: probe({ attempts: [blocked('epsv', 50124), passive('pasv')] }),
    verdict: 'fail',
    findings: { EPSV_BLOCKED: 'error' },
    absent: ['DATA_CHANNEL_BLOCKED'],
  },
  {
    name: 'PORT refused',
    evidence: probe({ options: { modes: ['port'] }, attempts: [active('port', { modeReply: [500, 'Illegal PORT command.'] })] }),
    verdict: 'fail',
    findings: { ACTIVE_REJECTED: 'error' },
  },
  {
    name: 'PORT accepted, connection back never arrives',
    evidence: probe({ options: { modes: ['port'] }, attempts: [active('port', { arrived: false })] }),
    verdict: 'fail',
    findings: { ACTIVE_INBOUND_BLOCKED: 'error' },
  },
  {
    name: 'FTPS breaks FTP inspection',
    evidence: probe({
      tlsMode: 'explicit',
      authTls: tlsOk,
      plainLoginAllowed: true,
      attempts: [blocked('pasv', 50200, { tls: true }), passive('pasv', { advertised: `${SERVER}:50100` })],
    }),
    verdict: 'fail',
    findings: { TLS_BREAKS_INSPECTION: 'error' },
    absent: ['DATA_CHANNEL_BLOCKED'],
  },
  {
    name: 'vsftpd requires TLS session reuse',
    evidence: probe({
      tlsMode: 'explicit',
      authTls: tlsOk,
      attempts: [
        passive('pasv', {
          tls: true,
          replies: [[522, 'SSL connection failed: session reuse required']],
          outcome: 'refused-by-server',
          bytes: 0,
          patch: { dataTls: { handshake: 'ok', resumed: false } },
        }),
      ],
    }),
    verdict: 'fail',
    findings: { TLS_SESSION_REUSE_REQUIRED: 'error' },
  },
  {
    name: 'vsftpd refuses a data connection from another source (SNAT pool)',
    evidence: probe({ attempts: [passive('pasv', { replies: [[425, 'Security: Bad IP connecting.']], outcome: 'refused-by-server', bytes: 0 })] }),
    verdict: 'fail',
    findings: { DATA_SOURCE_REJECTED: 'error' },
    absent: ['DATA_CHANNEL_REFUSED', 'DATA_TRANSFER_FAILED'],
  },
  {
    name: 'ALG rewrote the 227 port badly',
    evidence: probe({
      referenceServer: true,
      attempts: [passive('pasv', { advertised: `${SERVER}:5599`, connect: 'timeout', patch: { sentByServer: { host: SERVER, port: 5500 } } })],
    }),
    verdict: 'fail',
    findings: { PASV_REWRITTEN_IN_TRANSIT: 'error' },
    absent: ['DATA_CHANNEL_BLOCKED'],
  },
  {
    name: 'data connection reached another host (wrong token)',
    evidence: probe({
      referenceServer: true,
      attempts: [passive('pasv', { outcome: 'timeout', bytes: 0, replies: [], patch: { token: { expected: { port: 50123 }, received: 'SSH-2.0-OpenSSH_9.6', matches: false } } })],
    }),
    verdict: 'fail',
    findings: { DATA_MISROUTED: 'error' },
  },
  {
    name: 'control connection lost to an idle timeout during a long RETR',
    evidence: probe({
      attempts: [passive('pasv'), passive('pasv', { replies: [[150, 'Opening BINARY mode data connection for /big.bin']], outcome: 'timeout', bytes: 50_000_000, patch: { transferCommand: 'RETR /big.bin', controlLostAfterData: true } })],
    }),
    verdict: 'fail',
    findings: { CONTROL_IDLE_TIMEOUT: 'error' },
    absent: ['DATA_TRANSFER_FAILED'],
  },
];

export const ALL: CatalogueEntry[] = [...HEALTHY, ...CONTROL, ...DATA];
