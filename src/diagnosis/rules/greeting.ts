/**
 * Before any FTP: the host name resolves, something answers on the port, and it is an FTP server
 * speaking the TLS mode the URL asked for. Each names what the evidence shows — an unresolvable
 * name, an SSH banner, a web server, a plain 220 arriving inside our TLS handshake — instead of a
 * generic "unreachable" or a raw OpenSSL error. All end the diagnosis: no FTP step could follow.
 */
import type { Remedy } from '../../report/model.js';
import type { GreetingFailure, Evidence, RecordedReply } from '../../evidence/model.js';
import type { Rule } from '../engine.js';
import { controlAddress, controlEndpoint, replyLine } from '../facts.js';
import { readPeer, type PeerReading } from '../peer-kind.js';
import { remediesFor } from '../remedies/index.js';

function isReply(greeting: Evidence['greeting']): greeting is RecordedReply {
  return greeting !== undefined && 'code' in greeting;
}

function greetingFailure(evidence: Evidence): GreetingFailure | undefined {
  const greeting = evidence.greeting;
  return greeting !== undefined && !isReply(greeting) ? greeting : undefined;
}

/** Resolver error codes that mean "no such name", as opposed to "no answer from the resolver". */
const NO_SUCH_NAME = new Set(['ENOTFOUND', 'EAI_NONAME', 'EAI_NODATA', 'ENODATA']);

export const controlResolveFailed: Rule = {
  id: 'control-resolve-failed',
  code: 'CONTROL_RESOLVE_FAILED',
  applies({ evidence, remedy }) {
    const failure = evidence.resolve;
    if (!failure) return undefined;
    const host = evidence.host;
    const noSuchName = failure.code !== undefined && NO_SUCH_NAME.has(failure.code);
    return {
      finding: {
        code: 'CONTROL_RESOLVE_FAILED',
        severity: 'error',
        title: noSuchName ? `The host name ${host} does not resolve: no such name in DNS` : `The host name ${host} could not be resolved: ${failure.error}`,
        explanation:
          (noSuchName
            ? `The resolver answered that ${host} does not exist (${failure.code}): the name is misspelt, not (yet) published in DNS, or only known to another resolver (a VPN's or an internal one). `
            : `Resolving ${host} failed without a "no such name" answer (${failure.error}): the resolver did not answer in time or is unreachable. `) +
          'No connection was attempted, so nothing is known yet about the server, its port or any firewall.',
        evidence: [`* resolve ${host}: ${failure.error}`],
        remedies: remediesFor(['resolve'], remedy),
      },
      final: true,
    };
  },
};

/** "ERR_SSL_WRONG_VERSION_NUMBER" out of OpenSSL's multi-part message; the message when it has no code. */
function tlsErrorCode(error: string): string {
  return /\bERR_[A-Z0-9_]+/.exec(error)?.[0] ?? error;
}

/** ftps://host:990/ → "ftpes://host/" style suggestions, keeping a non-default port. */
function schemeUrl(evidence: Evidence, scheme: 'ftps' | 'ftpes'): string {
  const name = evidence.host ?? controlAddress(evidence);
  const host = name.includes(':') ? `[${name}]` : name;
  const defaultPort = scheme === 'ftps' ? 990 : 21;
  const port = evidence.port ?? defaultPort;
  return `${scheme}://${host}${port === defaultPort ? '' : `:${port}`}/`;
}

/** "Use ftpes://host/" (or ftps://) as a client remedy, with the probe and curl commands for it. */
export function useTlsScheme(evidence: Evidence, scheme: 'ftps' | 'ftpes'): Remedy {
  const url = schemeUrl(evidence, scheme);
  const curl = scheme === 'ftps' ? `curl ${url}` : `curl --ssl-reqd ${url.replace(/^ftpes:/, 'ftp:')}`;
  return {
    product: 'Client',
    text:
      scheme === 'ftps'
        ? `Use implicit TLS: ${url} (FileZilla: "Require implicit FTP over TLS"; WinSCP: "TLS/SSL Implicit encryption").`
        : `Use explicit TLS: ${url} (FileZilla: "Require explicit FTP over TLS"; WinSCP: "TLS/SSL Explicit encryption"; curl: ftp:// with --ssl-reqd).`,
    commands: [`ftp-doctor probe ${url}`, curl],
  };
}

/**
 * The URL's TLS mode does not match the port's: ftps:// (implicit) met a server that greets in
 * clear text inside our handshake, or ftp:// / ftpes:// met silence on a port that then completed
 * a TLS handshake and greeted inside it.
 */
export const tlsModeMismatch: Rule = {
  id: 'tls-mode-mismatch',
  code: 'TLS_MODE_MISMATCH',
  applies({ evidence }) {
    const target = controlEndpoint(evidence);
    const auth = evidence.authTls;
    if (evidence.tlsMode === 'implicit' && auth && auth.handshake !== 'ok' && auth.received !== undefined) {
      const peer = readPeer(auth.received);
      if (peer.kind !== 'ftp') return undefined;
      return {
        finding: {
          code: 'TLS_MODE_MISMATCH',
          severity: 'error',
          title: `${target} is not an implicit-TLS port: it greets in clear text ("${peer.firstLine}"), so use ftpes://, not ftps://`,
          explanation:
            `ftps:// means implicit TLS: the client starts a TLS handshake as soon as the connection opens. ${target} answered that handshake with a clear-text FTP reply ` +
            `("${peer.firstLine}"), which is what a server for plain FTP with explicit TLS (AUTH TLS, ftpes://) sends first — the TLS library then reports a ` +
            'meaningless protocol error. Nothing is wrong with the server or the network: the URL asks for the wrong TLS mode.',
          evidence: [`* connect ${target}: connected (implicit TLS)`, `* TLS handshake: ${auth.handshake}${auth.error ? ` (${tlsErrorCode(auth.error)})` : ''}`, `* received during the handshake: ${auth.received}`],
          remedies: [useTlsScheme(evidence, 'ftpes')],
        },
        final: true,
      };
    }
    const greeting = greetingFailure(evidence);
    const check = greeting?.tlsCheck;
    if (evidence.tlsMode === 'implicit' || !greeting || check?.handshake !== 'ok') return undefined;
    const inside = check.received !== undefined ? readPeer(check.received) : undefined;
    if (inside && inside.kind !== 'ftp') return undefined;
    const scheme = evidence.tlsMode === 'explicit' ? 'ftpes://' : 'ftp://';
    return {
      finding: {
        code: 'TLS_MODE_MISMATCH',
        severity: 'error',
        title: `${target} is an implicit-TLS port: it waits for a TLS handshake instead of greeting, so use ftps://, not ${scheme}`,
        explanation:
          `${scheme} waits for the server's clear-text 220 greeting; none came within ${greeting.waitedMs} ms. The probe then offered a TLS handshake on the same connection and ` +
          `${target} completed it${inside ? ` and greeted inside TLS ("${inside.firstLine}")` : ''}: this port speaks implicit TLS (ftps://, usually port 990). ` +
          'Nothing is wrong with the server or the network: the URL asks for the wrong TLS mode.',
        evidence: [`* connect ${target}: connected`, `* greeting: none within ${greeting.waitedMs} ms`, `* TLS handshake offered: completed${inside ? `; then received ${check.received}` : ''}`],
        remedies: [useTlsScheme(evidence, 'ftps')],
      },
      final: true,
    };
  },
};

/** The non-FTP peer a failed greeting or implicit handshake shows, if any bytes were received. */
function nonFtpPeer(evidence: Evidence): { peer: PeerReading; received: string; how: string } | undefined {
  const greeting = greetingFailure(evidence);
  const candidates: [string | undefined, string][] = [
    [greeting?.received, 'instead of a greeting'],
    [greeting?.tlsCheck?.handshake === 'failed' ? greeting.tlsCheck.received : undefined, 'to the TLS handshake the probe offered after no greeting came'],
    [greeting?.tlsCheck?.handshake === 'ok' ? greeting.tlsCheck.received : undefined, 'inside TLS after no clear-text greeting came'],
    [evidence.tlsMode === 'implicit' ? evidence.authTls?.received : undefined, 'to our TLS handshake'],
  ];
  for (const [received, how] of candidates) {
    if (received === undefined) continue;
    const peer = readPeer(received);
    if (peer.kind !== 'ftp') return { peer, received, how };
  }
  if (greeting?.tlsCheck?.handshake === 'ok') return { peer: readPeer('\\x16\\x03'), received: '(a TLS handshake, then nothing)', how: 'to the TLS handshake the probe offered after no greeting came' };
  return undefined;
}

function peerRemedies(evidence: Evidence, peer: PeerReading): Remedy[] {
  const port = evidence.port;
  const remedies: Remedy[] = [];
  if (peer.kind === 'ssh') {
    remedies.push({
      product: 'Client',
      text:
        `Port ${port} runs SSH. If the server offers file transfer over SSH, that is SFTP — a different protocol from FTP: use an SFTP client (sftp, FileZilla or WinSCP with sftp://). ` +
        'Otherwise the FTP server listens on another port (21 for FTP and ftpes://, 990 for ftps://).',
      commands: [`sftp -P ${port} <user>@${evidence.host}`, `ftp-doctor probe ftp://${evidence.host}/`],
    });
  } else if (peer.kind === 'http' || peer.kind === 'tls') {
    remedies.push({
      product: 'Client',
      text: `Port ${port} runs a web or other TLS service, not FTP. Use the FTP server's port (21 for FTP and ftpes://, 990 for ftps://), or check the port forwarding that sends ${port} to this service.`,
    });
  } else {
    remedies.push({
      product: 'Client',
      text: `Something other than an FTP server listens on port ${port}. Check the port number (21 for FTP and ftpes://, 990 for ftps://) and any port forwarding in front of the server.`,
    });
  }
  return remedies;
}

function implicitHandshakeFailed(evidence: Evidence): boolean {
  return evidence.tlsMode === 'implicit' && evidence.authTls !== undefined && evidence.authTls.handshake !== 'ok';
}

/** Connected, but the server never said 220 (or said 421/5xx, or is not an FTP server at all). */
export const greetingFailed: Rule = {
  id: 'greeting-failed',
  code: 'CONTROL_GREETING_FAILED',
  applies({ evidence, remedy }) {
    const target = controlEndpoint(evidence);
    const other = nonFtpPeer(evidence);
    if (other) {
      return {
        finding: {
          code: 'CONTROL_GREETING_FAILED',
          severity: 'error',
          title: `${target} is not an FTP server: ${other.peer.words} answered ("${other.peer.firstLine}")`,
          explanation:
            `The control connection to ${target} opened, but ${other.peer.words} answered ${other.how}, not an FTP server's 220 greeting. ` +
            'The port is wrong, or a port forwarding sends it to another service; no FTP step could run.',
          evidence: [`* connect ${target}: connected`, `* received ${other.how}: ${other.received}`],
          remedies: peerRemedies(evidence, other.peer),
        },
        final: true,
      };
    }
    const greeting = evidence.greeting;
    if (greeting === undefined || implicitHandshakeFailed(evidence)) return undefined;
    if (isReply(greeting)) {
      if (greeting.code < 400) return undefined;
      return {
        finding: {
          code: 'CONTROL_GREETING_FAILED',
          severity: 'error',
          title: `The server at ${target} turned the session away at once: ${greeting.code}`,
          explanation:
            `The control connection to ${target} opened, but the server's first reply was ${greeting.code} instead of 220: ` +
            'it is refusing sessions (too many connections, an address ban, or maintenance).',
          evidence: [replyLine(greeting)],
          remedies: [{ product: 'Client', text: 'Read the reply text; retry later or ask the server administrator about connection limits and bans.' }],
        },
        final: true,
      };
    }
    const how = greeting.timeout ? `no 220 greeting arrived within ${greeting.waitedMs} ms` : `the connection ended before any greeting${greeting.error ? ` (${greeting.error})` : ''}`;
    const mismatch =
      evidence.tlsMode === 'none' && evidence.port === 990
        ? ' Port 990 is the implicit-TLS port: the server is probably waiting for a TLS handshake (use ftps://).'
        : evidence.tlsMode === 'implicit'
          ? ''
          : ' A proxy or intrusion-prevention box holding the connection open would look the same.';
    const checked = greeting.tlsCheck ? ' A TLS handshake offered afterwards got no answer either.' : '';
    return {
      finding: {
        code: 'CONTROL_GREETING_FAILED',
        severity: 'error',
        title: `${target} accepts the connection but never greets`,
        explanation: `The control connection to ${target} opened, but ${how}.${checked}${mismatch}`,
        evidence: [`* connect ${target}: connected`, greeting.timeout ? `* greeting: none within ${greeting.waitedMs} ms` : `* greeting: none (${greeting.error ?? 'connection ended'})`],
        remedies: remediesFor(['open-control'], remedy),
      },
      final: true,
    };
  },
};
