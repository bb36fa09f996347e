/** Registry rows: name lookup, the control connection, its TLS, and login. */
import type { FindingEntry } from './entry.js';
import { FTPS_SECTION, IIS_FIREWALL_GUIDE, STATEFUL_FTP_SECTION } from './references.js';

const CERTIFICATE_REFERENCES = ['RFC 4217 (AUTH TLS)', 'RFC 5280 §6 (certification path validation)', 'RFC 6125 (the server name in a certificate)'];

export const CONTROL_FINDINGS = {
  CONTROL_RESOLVE_FAILED: {
    title: 'the host name does not resolve: DNS remedies, not "open port 21"',
    severity: 'error',
    stage: 'resolve',
    modes: 'all',
    emittedBy: ['probe'],
    meaning:
      "The server's host name does not resolve (no such name in DNS, or the resolver failed), so no connection was tried. Nothing about the firewall or the FTP server can be judged until the name resolves.",
    causes: ['a typing mistake in the host name', 'a record that does not exist (yet) in public DNS, or exists only in an internal zone', 'no working resolver on the machine that ran the check'],
    references: ['RFC 1034 §3 (the domain name space)'],
  },
  CONTROL_UNREACHABLE: {
    title: 'the control connection does not open: timeout = filtered (dropped), refused = closed',
    severity: 'error',
    stage: 'control',
    modes: 'all',
    emittedBy: ['probe', 'sweep'],
    meaning:
      'The control connection does not open. A timeout means something on the path drops the connection silently (a firewall); a refusal means the host answered that nothing listens on the port, or a firewall rejects it.',
    causes: ['the FTP service is not running or listens on another port or address', 'a firewall (host, network or cloud security group) does not let the control port through', 'a wrong host or port in the URL'],
    references: ['RFC 959 §5.4 (the connection and the 220 greeting)', IIS_FIREWALL_GUIDE(`${STATEFUL_FTP_SECTION}`)],
  },
  CONTROL_GREETING_FAILED: {
    title: 'the connection opens but no usable 220 greeting arrives (something that is not an FTP server answers, or nothing does)',
    severity: 'error',
    stage: 'control',
    modes: 'all',
    emittedBy: ['probe'],
    meaning:
      'The TCP connection opens, but no usable 220 greeting arrives: something that is not an FTP server answers (an SSH banner, an HTTP reply), the server says it is not available (421), or nothing is said before the deadline.',
    causes: ['another service on the port (SSH, HTTP, a load balancer health page)', 'a server that refuses new sessions (421: too many users, maintenance)', 'a port forward or proxy that accepts the connection but reaches nothing behind it'],
    references: ['RFC 959 §5.4 (120, 220, 421 after the connection)', 'RFC 959 §4.2 (reply codes)'],
  },
  TLS_MODE_MISMATCH: {
    title: '`ftps://` (implicit TLS) against a port that greets in clear text, or the reverse: says which scheme to use',
    severity: 'error',
    stage: 'tls',
    modes: 'all',
    emittedBy: ['probe'],
    meaning:
      "The URL's TLS mode does not match the port: `ftps://` (implicit TLS, a TLS handshake before any FTP) against a port that greets in clear text, or `ftp://`/`ftpes://` against an implicit-TLS port that waits for a handshake. The finding names the scheme to use.",
    causes: ['implicit TLS (usually port 990) confused with explicit AUTH TLS (port 21)', 'a server moved from one mode to the other'],
    references: ['RFC 4217 (AUTH TLS on the control connection)'],
  },
  TLS_NEGOTIATION_BLOCKED: {
    title: 'AUTH TLS refused, or the connection is reset or stalls in the handshake',
    severity: 'error',
    stage: 'tls',
    modes: 'all',
    emittedBy: ['probe', 'sweep'],
    meaning:
      'Securing the control connection failed: the server refused AUTH TLS, or the connection was reset or stalled during the TLS handshake. A reset or a stall right after AUTH TLS is typical of an FTP-inspecting firewall that cannot follow an encrypted control channel and blocks it.',
    causes: ['TLS not configured on the server (no certificate, TLS switched off)', 'an FTP inspection helper or ALG that blocks AUTH TLS', 'no TLS version or cipher in common'],
    references: ['RFC 4217 (AUTH TLS)', IIS_FIREWALL_GUIDE(FTPS_SECTION)],
  },
  TLS_CERTIFICATE_SELF_SIGNED: {
    title: "the server's certificate is self-signed",
    severity: 'warning',
    severityNote: 'error with `--strict-tls` or when the handshake itself failed on it',
    stage: 'tls',
    modes: 'all',
    emittedBy: ['probe'],
    meaning:
      "The server's certificate is signed by itself, not by a certificate authority this machine trusts. Clients that verify certificates refuse to connect; the others cannot tell the server from an impostor.",
    causes: ['the certificate the FTP server generated on installation', 'a test certificate left in production'],
    references: CERTIFICATE_REFERENCES,
  },
  TLS_CERTIFICATE_EXPIRED: {
    title: "the server's certificate has expired or is not valid yet",
    severity: 'warning',
    severityNote: 'error with `--strict-tls` or when the handshake itself failed on it',
    stage: 'tls',
    modes: 'all',
    emittedBy: ['probe'],
    meaning: "The server's certificate is outside its validity period: it has expired, or it is not valid yet. Clients that verify certificates refuse to connect.",
    causes: ['a certificate that was not renewed', 'a wrong clock on the server or on the machine that ran the check'],
    references: ['RFC 5280 §4.1.2.5 (validity)', ...CERTIFICATE_REFERENCES.slice(0, 1)],
  },
  TLS_CERTIFICATE_NAME_MISMATCH: {
    title: "the server's certificate does not name the host connected to",
    severity: 'warning',
    severityNote: 'error with `--strict-tls` or when the handshake itself failed on it',
    stage: 'tls',
    modes: 'all',
    emittedBy: ['probe'],
    meaning: "The server's certificate does not name the host name (or address) that was connected to. Clients that verify certificates refuse to connect.",
    causes: ['connecting by address, or by another name than the certificate was issued for', 'a certificate for another host served by mistake'],
    references: ['RFC 6125 §6 (verifying the service identity)', ...CERTIFICATE_REFERENCES.slice(0, 1)],
  },
  TLS_CERTIFICATE_UNTRUSTED: {
    title: "the server's certificate is not issued by a CA this machine trusts",
    severity: 'warning',
    severityNote: 'error with `--strict-tls` or when the handshake itself failed on it',
    stage: 'tls',
    modes: 'all',
    emittedBy: ['probe'],
    meaning: "The server's certificate does not chain to a certificate authority this machine trusts. Clients that verify certificates refuse to connect.",
    causes: ['a certificate from an internal CA that this machine does not trust', 'the server does not send the intermediate certificates of its chain'],
    references: CERTIFICATE_REFERENCES,
  },
  LOGIN_PASSWORD_MISSING: {
    title: 'a user name without a password (`FTP_PASSWORD`): said before anything is sent',
    severity: 'error',
    stage: 'login',
    modes: 'all',
    emittedBy: ['probe'],
    meaning:
      'A user name was given without a password (none in `FTP_PASSWORD`, `--password` or the URL). Nothing was sent: sending an empty password would only be reported as a refused login.',
    causes: ['FTP_PASSWORD not exported to the environment the check runs in (a CI secret not passed through)'],
    references: ['RFC 959 §4.1.1 (USER, PASS)'],
  },
  LOGIN_FAILED: {
    title: 'credentials rejected (or the login lost without an answer, said as such)',
    severity: 'error',
    stage: 'login',
    modes: 'all',
    emittedBy: ['probe', 'sweep'],
    meaning:
      'The server rejected the credentials (530), insisted on TLS before login, or the control connection was lost during login without an answer, which the finding says as such. No data connection can be tested without a login.',
    causes: ['a wrong user name or password', 'a server that requires TLS before USER/PASS (use `ftpes://`)', 'an account that is locked, disabled or limited to other addresses'],
    references: ['RFC 959 §4.1.1 (USER, PASS)', 'RFC 4217 (AUTH TLS before login)'],
  },
  LOGIN_IN_CLEAR_TEXT: {
    title: 'AUTH TLS refused and the session went on without it: the password and the data crossed the network in clear text',
    severity: 'warning',
    stage: 'tls',
    modes: 'all',
    emittedBy: ['explain'],
    meaning:
      "The client asked for TLS (AUTH TLS), the server refused it (500/502/530/534: TLS not offered), and the client carried on in clear text: the user name, the password and the data crossed the network readable by anyone on the path. The refusal failed nothing by itself; the session's verdict comes from what happened afterwards.",
    causes: ['TLS not switched on in the server (no certificate configured)', 'a client set to use TLS only if available (curl --ssl, lftp and FileZilla by default) instead of requiring it'],
    references: ['RFC 4217 §4 (AUTH TLS and its refusal)', 'RFC 2577 §5 (privacy: passwords and data are sent unencrypted)'],
  },
  SESSION_LIMIT_REACHED: {
    title: "a mode's own control session was refused by a per-IP or global session limit",
    severity: 'error',
    stage: 'session',
    modes: 'all',
    emittedBy: ['probe'],
    meaning:
      "Each data mode is tested on a control session of its own, opened in parallel. The server turned one of them away with a session limit (421: too many connections from this address, or in total), so that mode could not be tested; clients that open a transfer beside the browsing session meet the same limit.",
    causes: ['a per-address connection limit of one or two (vsftpd max_per_ip, ProFTPD MaxClientsPerHost, Pure-FTPd -C)', 'a global connection limit reached on a busy server'],
    references: ['RFC 959 §4.2 (421)'],
  },
} as const satisfies Record<string, FindingEntry>;
