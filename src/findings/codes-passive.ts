/** Registry rows: passive data connections (EPSV, PASV) and what they advertise. */
import type { FindingEntry } from './entry.js';
import { FTPS_SECTION, IIS_FIREWALL_GUIDE, IIS_RANGE_POST, PASSIVE_MODES, STATEFUL_FTP_SECTION } from './references.js';

export const PASSIVE_FINDINGS = {
  DATA_CHANNEL_BLOCKED: {
    title: 'control works, passive data connections time out (dropped): "LIST hangs"',
    severity: 'error',
    stage: 'data',
    modes: PASSIVE_MODES,
    emittedBy: ['probe', 'sweep'],
    meaning:
      'The control connection and login work, but connections to the passive data ports the server hands out get no answer at all before the deadline: something on the path drops them silently. This is the classic "login works but LIST hangs"; intermittent when only part of the range is affected.',
    causes: [
      'a firewall that allows the control port but not the passive port range',
      'a server that hands out ports outside the range the firewall opens',
      'FTP inspection (an ALG or stateful FTP filter) that opens data ports by reading the control channel, which TLS hides from it',
    ],
    references: ['RFC 959 §4.1.2 (PASV)', 'RFC 2428 §3 (EPSV)', IIS_FIREWALL_GUIDE('Step 1: Configure the Passive Port Range for the FTP Service'), IIS_RANGE_POST],
  },
  DATA_CHANNEL_REFUSED: {
    title: 'passive data connections are actively refused (RST)',
    severity: 'error',
    stage: 'data',
    modes: PASSIVE_MODES,
    emittedBy: ['probe', 'sweep'],
    meaning:
      'Connections to the passive data ports are actively refused: a TCP reset or an ICMP error came back. Either a firewall rejects them, or a forwarding rule sends them to a host or port where nothing listens. From a capture, an ICMP "administratively prohibited" (or port unreachable) names the firewall that sent it, by its address.',
    causes: ['a firewall reject rule for the passive range', 'a port forward of the passive range to the wrong host or port', 'a server that closed its listener before the client connected'],
    references: ['RFC 959 §4.1.2 (PASV)', 'RFC 2428 §3 (EPSV)', IIS_FIREWALL_GUIDE('Step 1: Configure the Passive Port Range for the FTP Service')],
  },
  PASV_PORT_OUT_OF_RANGE: {
    title: 'the server advertised passive ports outside `--expect-range` (intermittent when partly inside)',
    severity: 'error',
    severityNote: 'warning when the ports outside the range still connected: the firewall allows more than declared',
    stage: 'data',
    modes: PASSIVE_MODES,
    emittedBy: ['probe', 'sweep'],
    meaning:
      'The server hands out passive ports outside the range the firewall allows (`--expect-range`, or the range swept). Data connections to those ports fail; when the two ranges partly overlap only some transfers fail, so the problem comes and goes.',
    causes: [
      'no passive range configured on the server, so the OS hands out any ephemeral port (IIS "0-0")',
      'the server range and the firewall range configured differently, or the server not restarted after a change',
    ],
    references: ['RFC 959 §4.1.2 (PASV)', IIS_RANGE_POST, IIS_FIREWALL_GUIDE('Step 1: Configure the Passive Port Range for the FTP Service')],
  },
  PASV_ADDRESS_PRIVATE: {
    title: 'the 227 address is private/special and not the address the control connection reached',
    severity: 'error',
    severityNote: 'warning when the client worked around it and nothing failed',
    stage: 'data',
    modes: ['pasv'],
    emittedBy: ['probe'],
    meaning:
      'The 227 reply to PASV carries a private or special address (RFC 1918, RFC 6598, loopback, link-local, 0.0.0.0) that is not the address the control connection reached. Clients that follow the reply cannot reach it; most modern clients substitute the control address, which is why it often goes unnoticed.',
    causes: ['a server behind NAT that does not know its external address', 'an external address setting missing for this site or interface'],
    references: ['RFC 959 §4.1.2 (PASV, the 227 reply)', 'RFC 1918 (private addresses)', IIS_FIREWALL_GUIDE('Step 2: Configure the external IPv4 Address for a Specific FTP Site')],
  },
  PASV_ADDRESS_MISMATCH: {
    title: 'the 227 address is another routable address (e.g. a stale external IP)',
    severity: 'error',
    stage: 'data',
    modes: ['pasv'],
    emittedBy: ['probe'],
    meaning:
      'The 227 reply carries a routable address that is not the one clients reach (or not the one `--expect-address` names). FileZilla, WinSCP, lftp and Windows Explorer follow it, so most users fail.',
    causes: ['a stale external address after the public address changed', 'the external address of another site or server copied into this one'],
    references: ['RFC 959 §4.1.2 (PASV, the 227 reply)', IIS_FIREWALL_GUIDE('Step 2: Configure the external IPv4 Address for a Specific FTP Site')],
  },
  PASV_ADDRESS_HIDDEN_BY_CLIENT: {
    title: 'the probe worked around a wrong 227 address; which clients will not',
    severity: 'info',
    stage: 'data',
    modes: ['pasv'],
    emittedBy: ['probe'],
    meaning:
      'The 227 address was wrong, but the probe dialled the control peer instead (as curl and FileZilla do by default), so the data connection worked. Clients that follow the 227 address would fail; the finding names them.',
    causes: ['a server behind NAT advertising its inside address'],
    references: ['RFC 959 §4.1.2 (PASV, the 227 reply)'],
  },
  EPSV_BLOCKED: {
    title: 'EPSV data connections fail while PASV works (an ALG that does not understand 229)',
    severity: 'error',
    severityNote: 'warning when EPSV is only refused with a reply: clients fall back to PASV',
    stage: 'data',
    modes: ['epsv'],
    emittedBy: ['probe'],
    meaning:
      'EPSV data connections fail while PASV data connections to the same server work. The firewall opens data ports by reading 227 replies but does not understand the 229 reply to EPSV, so the port it names is never opened.',
    causes: ['an old FTP inspection helper or ALG without EPSV support', 'a filter that refuses EPSV itself'],
    references: ['RFC 2428 §3 (EPSV)'],
  },
  PASSIVE_MODE_REFUSED: {
    title: 'the server refuses PASV or EPSV itself (4xx/5xx)',
    severity: 'error',
    stage: 'data',
    modes: PASSIVE_MODES,
    emittedBy: ['probe'],
    meaning: 'The server answered PASV or EPSV with a refusal (4xx/5xx), so no passive data connection could be tried.',
    causes: ['passive mode switched off on the server', 'a server or filter that does not support EPSV', 'no free port left in a small passive range'],
    references: ['RFC 959 §4.1.2 (PASV)', 'RFC 2428 §3 (EPSV)'],
  },
  PASSIVE_REPLY_UNUSABLE: {
    title: 'the 227/229 reply cannot be parsed (impossible octets, port 0, no address group): a typed error, never a guess',
    severity: 'error',
    stage: 'transit',
    modes: PASSIVE_MODES,
    emittedBy: ['probe'],
    meaning:
      'The 227 or 229 reply did not carry a usable address and port (impossible octets, port 0, no address group), so no data connection could be tried. It is reported as it is, never guessed at.',
    causes: ['an FTP-inspecting middlebox that rewrote the reply badly', 'a server that formats the reply wrongly'],
    references: ['RFC 959 §4.1.2 (PASV)', 'RFC 2428 §3 (EPSV, the 229 reply)'],
  },
  TLS_BREAKS_INSPECTION: {
    title: 'data connections work in plain FTP and fail under TLS',
    severity: 'error',
    stage: 'data',
    modes: 'all',
    emittedBy: ['probe'],
    meaning:
      'Data connections work in plain FTP and fail under TLS. A stateful filter that opens data ports by reading the control channel (Windows Firewall StatefulFtp, nf_conntrack_ftp, an ALG) cannot read it once it is encrypted, so with TLS nothing opens the port.',
    causes: ['a firewall relying on FTP inspection instead of an explicitly opened passive range'],
    references: [IIS_FIREWALL_GUIDE(FTPS_SECTION), IIS_FIREWALL_GUIDE(STATEFUL_FTP_SECTION), 'RFC 4217 §12.3 (CCC)'],
  },
} as const satisfies Record<string, FindingEntry>;
