/** Registry rows: active mode, data TLS, what happens in transit and during the transfer, and the backstop. */
import type { FindingEntry } from './entry.js';
import { ACTIVE_MODES, IIS_FIREWALL_GUIDE, PASSIVE_MODES } from './references.js';

export const DATA_FINDINGS = {
  ACTIVE_REJECTED: {
    title: 'the server refuses PORT/EPRT',
    severity: 'error',
    stage: 'data',
    modes: ACTIVE_MODES,
    emittedBy: ['probe'],
    meaning:
      'The server refused PORT or EPRT. When the address the client sent was private (a client behind its own NAT), the server refuses it as a possible bounce attack, and the finding says so.',
    causes: ['active mode switched off on the server', 'a client behind NAT sending its private address', 'a server that refuses a PORT address other than the control peer'],
    references: ['RFC 959 §4.1.2 (PORT)', 'RFC 2428 §2 (EPRT)', 'RFC 2577 §3 (the bounce attack)'],
  },
  ACTIVE_INBOUND_BLOCKED: {
    title: "PORT/EPRT accepted, but the server's connection back never arrives",
    severity: 'error',
    stage: 'data',
    modes: ACTIVE_MODES,
    emittedBy: ['probe'],
    meaning:
      "The server accepted PORT or EPRT, but its data connection back to the client never arrived: a firewall or NAT on the client's side (or the server's outbound rules) stops it.",
    causes: ["the client's own firewall or NAT drops inbound connections", 'the server may not connect out (from port 20)', 'a client behind NAT that sent an address the server cannot reach'],
    references: ['RFC 959 §3.2 (establishing data connections)', 'RFC 2428 §2 (EPRT)', IIS_FIREWALL_GUIDE('More Information about Working with Firewalls')],
  },
  TLS_SESSION_REUSE_REQUIRED: {
    title: 'the server rejects TLS data connections that do not resume the control session',
    severity: 'error',
    stage: 'tls',
    modes: 'all',
    emittedBy: ['probe'],
    meaning:
      "The server rejects TLS data connections that do not resume the control connection's TLS session: it uses resumption to prove the data connection comes from the same client. Clients without session reuse cannot transfer anything.",
    causes: ['vsftpd require_ssl_reuse=YES, ProFTPD TLSOptions without NoSessionReuseRequired', 'a client library that does not resume TLS sessions'],
    references: ['RFC 4217 §10 (data connection integrity, session reuse)'],
  },
  TLS_DATA_CERTIFICATE_MISMATCH: {
    title: 'the data connection presented another certificate than the control connection',
    severity: 'warning',
    stage: 'tls',
    modes: 'all',
    emittedBy: ['probe'],
    meaning:
      'The data connection presented another certificate than the control connection. Harmless when both belong to the server, but it is also what a TLS-intercepting middlebox, or a data port forwarded to another host, looks like.',
    causes: ['a data port forwarded to another host', 'TLS interception on the path', 'a server with different certificates per listener'],
    references: ['RFC 4217 §10 (data connection integrity)'],
  },
  DATA_SOURCE_REJECTED: {
    title: 'the server refused the data connection because it came from another address (SNAT pools)',
    severity: 'error',
    stage: 'data',
    modes: PASSIVE_MODES,
    emittedBy: ['probe'],
    meaning:
      'The server refused a passive data connection because it came from another source address than the control connection. Servers do this to prevent port stealing; behind a source NAT pool with several addresses the two connections leave from different addresses.',
    causes: ['source NAT with an address pool (or several egress paths) on the client side', 'a proxy that opens the data connection from another address'],
    references: ['RFC 2577 §8 (port stealing)'],
  },
  PASV_REWRITTEN_IN_TRANSIT: {
    title: 'a middlebox changed the 227/229 text (proved against our reference server)',
    severity: 'error',
    severityNote: 'info when the rewrite is harmless: the data connection still worked',
    stage: 'transit',
    modes: PASSIVE_MODES,
    emittedBy: ['probe'],
    meaning:
      "A middlebox changed the 227/229 reply between server and client. Provable only against `ftp-doctor serve`, whose replies carry a copy of the address and port spelt in letters that an ALG does not rewrite.",
    causes: ['an FTP ALG or NAT helper (nf_nat_ftp, a router "fixup") rewriting with the wrong address or port'],
    references: ['RFC 959 §4.1.2 (PASV)', 'RFC 2428 §3 (EPSV)'],
  },
  DATA_MISROUTED: {
    title: "the data connection reached something other than the server's listener (wrong token)",
    severity: 'error',
    stage: 'transit',
    modes: PASSIVE_MODES,
    emittedBy: ['probe', 'sweep'],
    meaning:
      "The data connection was accepted, but not by the listener the server opened for it: the token our reference server sends first was wrong or missing. NAT or port forwarding sends the port to another port or host. Provable only against `ftp-doctor serve`.",
    causes: ['a port forward of the passive range to the wrong port or host', 'two servers behind one address sharing a passive range'],
    references: [IIS_FIREWALL_GUIDE('Step 2: Configure the external IPv4 Address for a Specific FTP Site')],
  },
  CONTROL_IDLE_TIMEOUT: {
    title: 'the data arrived but the final reply never did: a NAT forgot the idle control connection',
    severity: 'error',
    stage: 'transfer',
    modes: 'all',
    emittedBy: ['probe'],
    meaning:
      'The data arrived but the final reply on the control connection never did. During a long transfer the control connection is idle; a NAT or firewall that forgets idle connections drops it, and the client waits for a reply that cannot come.',
    causes: ['a NAT or firewall idle timeout shorter than the transfer', 'no TCP keepalive on the control connection'],
    references: ['RFC 5382 §5 (NAT: established connection idle timeout)', 'RFC 959 §4.2 (226 after the transfer)'],
  },
  DATA_TRANSFER_TOO_SLOW: {
    title: 'data kept arriving, but the transfer was still running at its total deadline: stopped, with the bytes and time so far',
    severity: 'error',
    stage: 'transfer',
    modes: 'all',
    emittedBy: ['probe'],
    meaning:
      'Data kept arriving, but the transfer had not finished at its total deadline, so it was stopped; the finding says how many bytes arrived in how long. A data channel that dribbles bytes passes every idle timeout and still never finishes.',
    causes: ['throttling (server bandwidth limits, traffic shaping)', 'something on the path holding the data back', 'a deadline too short for the file'],
    references: ['RFC 959 §4.1.3 (RETR, LIST)'],
  },
  FILE_UNAVAILABLE: {
    title: 'the server refused the file itself (450/550/551/553 to `RETR` before any transfer, e.g. a wrong `--retrieve` path)',
    severity: 'error',
    stage: 'transfer',
    modes: 'all',
    emittedBy: ['probe'],
    meaning:
      'The server refused the transfer command itself with a file reply (450, 550, 551, 553) before any transfer began, for example `550 No such file or directory` to `RETR`. The path is wrong or this login may not read it: the network is not the problem.',
    causes: ['a wrong path in `--retrieve` or a check policy', 'a file this login may not read', 'a chroot that makes the path different from what was expected'],
    references: ['RFC 959 §4.1.3 (RETR)', 'RFC 959 §4.2 (450, 550, 551, 553)'],
  },
  MODE_NOT_APPLICABLE: {
    title: 'on an IPv6 control connection PASV and PORT cannot carry the address (RFC 2428); EPSV and EPRT are tested instead',
    severity: 'info',
    stage: 'data',
    modes: ['pasv', 'port'],
    emittedBy: ['probe'],
    meaning:
      'On an IPv6 control connection PASV and PORT cannot carry the address, so EPSV and EPRT are tested instead; a 522 to an explicitly asked PASV or PORT is correct behaviour, not a failure.',
    causes: ['an IPv6 control connection'],
    references: ['RFC 2428 §2 (EPRT)', 'RFC 2428 §3 (EPSV)'],
  },
  MODE_SESSION_FAILED: {
    title: "a mode's own control session failed before any data connection, in a way none of the codes above explains",
    severity: 'error',
    stage: 'session',
    modes: 'all',
    emittedBy: ['probe'],
    meaning:
      "Each data mode runs on a control session of its own. One of them failed (at connect, greeting, TLS, login, PROT P or while its data channel was set up) although the main session did not, so that mode could not be tested; the finding names the phase and quotes the server.",
    causes: ['connection or session limits', 'load balancing across differently configured servers', 'a filter that treats sessions differently'],
    references: ['RFC 959 §5.4 (sequencing of commands and replies)'],
  },
  DATA_TLS_FAILED: {
    title: 'the TLS handshake on the data connection failed, in a way none of the codes above explains',
    severity: 'error',
    stage: 'tls',
    modes: 'all',
    emittedBy: ['probe'],
    meaning: 'The data connection opened, but its TLS handshake failed; the finding quotes the error.',
    causes: ['a server that requires TLS session reuse in a way not recognised', 'a data port forwarded to something that does not speak TLS'],
    references: ['RFC 4217 §10 (data connection integrity)'],
  },
  DATA_TRANSFER_FAILED: {
    title: 'a transfer failed in a way none of the codes above explains, with the phase and the server\'s words',
    severity: 'error',
    stage: 'transfer',
    modes: 'all',
    emittedBy: ['probe'],
    meaning: 'A data transfer failed after the data connection was set up, in a way no more specific finding explains; the finding says in which phase and quotes the server.',
    causes: ['the connection reset or closed during the transfer', 'a server error reply (426, 451) during the transfer'],
    references: ['RFC 959 §4.2 (426, 451)'],
  },
  UNEXPLAINED_FAILURE: {
    title: 'a backstop: a failed step no rule accounted for still fails the verdict, never silently',
    severity: 'error',
    stage: 'diagnosis',
    modes: 'all',
    emittedBy: ['probe'],
    meaning:
      'Something failed that no rule of the diagnosis accounted for. Rather than let an unknown failure pass, it fails the verdict and lists the evidence; please report it, with the transcript, so a rule can explain it.',
    causes: ['a server reply or failure mode the diagnosis does not know yet'],
    references: [],
  },
} as const satisfies Record<string, FindingEntry>;
