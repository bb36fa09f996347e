/**
 * Rules for the control connection, in the order the session meets them: connect, greeting,
 * TLS negotiation, certificate, login. A control-stage failure ends the diagnosis because no data
 * attempt could follow it.
 */
import type { Finding, FindingCode, Severity } from '../../report/model.js';
import type { Evidence, RecordedReply } from '../../evidence/model.js';
import type { Rule, RuleInput } from '../engine.js';
import { controlEndpoint, proofReply, replyLine, serverName, ServerName } from '../facts.js';
import { remediesFor, type Problem } from '../remedies/index.js';
import { matchWording, TLS_REQUIRED_WORDINGS, TLS_UNAVAILABLE_WORDINGS } from '../wording.js';
import { useTlsScheme } from './greeting.js';

export const controlUnreachable: Rule = {
  id: 'control-unreachable',
  code: 'CONTROL_UNREACHABLE',
  applies({ evidence, remedy }) {
    if (!evidence.control) return undefined;
    const { outcome, durationMs, error } = evidence.control;
    if (outcome === 'connected') return undefined;
    const target = controlEndpoint(evidence);
    const detail = error ? ` (${error})` : '';
    const [title, explanation, line] = (() => {
      switch (outcome) {
        case 'timeout':
          return [
            `Filtered: nothing answers on ${target}, the control connection is silently dropped`,
            `The client's connect to ${target} got no answer within ${durationMs} ms: the SYN was dropped between ${evidence.source.actedItself ? 'us' : 'the client'} and the server ` +
              `(a firewall on the path or on the server host), or the host is down. No FTP step could run.`,
            `* connect ${target}: timeout after ${durationMs} ms${detail}`,
          ];
        case 'refused':
          return [
            `Closed: ${target} refuses the control connection`,
            `${target} answered the connect with a reset after ${durationMs} ms: the host is reachable, but no FTP server listens on port ` +
              `${evidence.port} there, or a firewall rejects the connection. No FTP step could run.`,
            `* connect ${target}: refused (reset) after ${durationMs} ms${detail}`,
          ];
        case 'unreachable':
          return [
            `Unreachable: no route to ${target}`,
            `The connect to ${target} failed after ${durationMs} ms with "host/network unreachable": a router or firewall on the path ` +
              'answered that it cannot or will not forward to this address.',
            `* connect ${target}: unreachable after ${durationMs} ms${detail}`,
          ];
        default:
          return [
            `The control connection to ${target} could not be made${detail}`,
            `The connect to ${target} failed after ${durationMs} ms${detail}: check the host name (DNS) and port.`,
            `* connect ${target}: error after ${durationMs} ms${detail}`,
          ];
      }
    })();
    return {
      finding: { code: 'CONTROL_UNREACHABLE', severity: 'error', title, explanation, evidence: [line], remedies: remediesFor(['open-control'], remedy) },
      final: true,
    };
  },
};

const CERTIFICATE_ERROR = /cert|self[ -]?signed|issuer|expired|altname|hostname|verify/i;

export const tlsNegotiationBlocked: Rule = {
  id: 'tls-negotiation-blocked',
  code: 'TLS_NEGOTIATION_BLOCKED',
  applies({ evidence, remedy }) {
    const auth = evidence.authTls;
    if (!auth || evidence.tlsMode === 'none') return undefined;
    const target = controlEndpoint(evidence);
    const lines: string[] = evidence.tlsMode === 'explicit' ? ['> AUTH TLS'] : [`* connect ${target}: connected (implicit TLS)`];
    if (auth.reply) lines.push(replyLine(auth.reply));
    let title: string;
    let explanation: string;
    let problems: Problem[] = ['auth-tls', 'tls-inspection'];
    const unavailable = auth.reply && auth.reply.code >= 400 ? matchWording([auth.reply], TLS_UNAVAILABLE_WORDINGS) : undefined;
    if (unavailable && auth.reply) {
      title = `AUTH TLS is refused on ${target}: ${auth.reply.code} ${auth.reply.message} — ${unavailable.server} running without TLS`;
      explanation =
        `"${auth.reply.code} ${auth.reply.message}" is ${unavailable.server}'s own answer to AUTH TLS when TLS is not switched on for it — not a firewall answering in its place. ` +
        `Turn TLS on in ${unavailable.server} (below), or use ftp:// if clear text (password included) is acceptable on this path.`;
      problems = ['auth-tls'];
    } else if (auth.reply && auth.reply.code >= 400) {
      title = `AUTH TLS is refused on ${target}: ${auth.reply.code} ${auth.reply.message}`;
      explanation =
        `The server side answered AUTH TLS with ${auth.reply.code}. Either the server has no TLS configured (500/502/504 "not understood" replies are typical), ` +
        'or an FTP-inspecting firewall that cannot read encrypted traffic answered in its place to keep the session readable.';
    } else if (auth.handshake === 'reset' || auth.handshake === 'timeout') {
      const how = auth.handshake === 'reset' ? 'was reset' : 'stalled';
      lines.push(`* TLS handshake: ${auth.handshake}${auth.error ? ` (${auth.error})` : ''}`);
      title = `The TLS handshake on the control connection to ${target} ${how}`;
      explanation =
        `${evidence.tlsMode === 'implicit' ? 'The handshake' : auth.reply ? 'AUTH TLS was accepted, but the handshake' : 'AUTH TLS got no reply: the connection'} ${how}: typical of a firewall that inspects FTP ` +
        'and kills (or holds) sessions it can no longer read once they turn to TLS.';
    } else if (auth.handshake === 'failed' && !CERTIFICATE_ERROR.test(auth.error ?? '')) {
      lines.push(`* TLS handshake: failed${auth.error ? ` (${auth.error})` : ''}`);
      title = `The TLS handshake with ${target} failed${auth.error ? `: ${auth.error}` : ''}`;
      explanation = 'The TLS handshake on the control connection failed: no common protocol version or cipher, or something in between answering instead of the server.';
    } else if (auth.handshake !== 'ok' && auth.handshake !== 'failed') {
      // Neither a refusal nor a handshake: AUTH TLS got a reply we cannot act on (334 asks for a
      // security exchange we do not speak; an oversized or malformed reply) or none at all.
      if (auth.error) lines.push(`* AUTH TLS: ${auth.error}`);
      const answer = auth.reply ? `${auth.reply.code} ${auth.reply.message}` : auth.error ? `no usable reply (${auth.error})` : 'no usable reply';
      title = `AUTH TLS on ${target} was answered with ${answer}, not 234: TLS never started`;
      explanation =
        `The server side answered AUTH TLS with ${answer} instead of 234 ("proceed with negotiation"), so no TLS handshake could start. ` +
        'A server that wants another security exchange (334 asks for ADAT data), a broken server, or an FTP-inspecting firewall mangling the ' +
        'session gives this; no client can use explicit TLS here.';
    } else {
      return undefined;
    }
    return {
      finding: {
        code: 'TLS_NEGOTIATION_BLOCKED',
        severity: 'error',
        title,
        explanation,
        evidence: lines,
        remedies: remediesFor(problems, remedy),
      },
    };
  },
};

function certificateCode(verifyError: string): { code: FindingCode; what: string } {
  if (/SELF_SIGNED/i.test(verifyError)) return { code: 'TLS_CERTIFICATE_SELF_SIGNED', what: 'is self-signed' };
  if (/EXPIRED/i.test(verifyError)) return { code: 'TLS_CERTIFICATE_EXPIRED', what: 'has expired' };
  if (/NOT_YET_VALID/i.test(verifyError)) return { code: 'TLS_CERTIFICATE_EXPIRED', what: 'is not valid yet' };
  if (/ALTNAME|HOSTNAME|NAME/i.test(verifyError)) return { code: 'TLS_CERTIFICATE_NAME_MISMATCH', what: 'does not name the host you connected to' };
  return { code: 'TLS_CERTIFICATE_UNTRUSTED', what: 'is not issued by a CA this machine trusts' };
}

export const tlsCertificate: Rule = {
  id: 'tls-certificate',
  code: ['TLS_CERTIFICATE_SELF_SIGNED', 'TLS_CERTIFICATE_EXPIRED', 'TLS_CERTIFICATE_NAME_MISMATCH', 'TLS_CERTIFICATE_UNTRUSTED'],
  applies({ evidence, remedy }) {
    const auth = evidence.authTls;
    if (!auth) return undefined;
    const handshakeFailed = auth.handshake === 'failed' && CERTIFICATE_ERROR.test(auth.error ?? '');
    const verifyError = auth.certificate?.verifyError ?? (handshakeFailed ? auth.error : undefined);
    if (!verifyError) return undefined;
    const { code, what } = certificateCode(verifyError);
    const certificate = auth.certificate;
    const severity: Severity = handshakeFailed || evidence.options?.strictTls ? 'error' : 'warning';
    const lines = [`* TLS certificate: ${verifyError}`];
    if (certificate?.subject) lines.push(`* subject: ${certificate.subject}`);
    if (certificate?.issuer) lines.push(`* issuer: ${certificate.issuer}`);
    if (certificate?.validTo) lines.push(`* valid until: ${certificate.validTo}`);
    if (certificate?.fingerprint256) lines.push(`* SHA-256 fingerprint: ${certificate.fingerprint256}`);
    const finding: Finding = {
      code,
      severity,
      title: `The TLS certificate of ${serverName(evidence)} ${what}`,
      explanation:
        `Verification of the server's certificate failed with ${verifyError}. ` +
        (severity === 'error'
          ? 'With strict verification this stops the session.'
          : 'The probe went on without trusting it; clients that verify certificates will refuse to connect, and the others cannot tell the server from an impostor.'),
      evidence: lines,
      remedies: remediesFor(['certificate'], remedy),
    };
    return { finding, final: handshakeFailed };
  },
};

/** A named user and no password: said before anything is sent, so it is never a refused login. */
export const passwordMissing: Rule = {
  id: 'password-missing',
  code: 'LOGIN_PASSWORD_MISSING',
  applies({ evidence }) {
    const user = evidence.login?.noPasswordFor;
    if (user === undefined) return undefined;
    return {
      finding: {
        code: 'LOGIN_PASSWORD_MISSING',
        severity: 'error',
        title: `No password given for ${user} (FTP_PASSWORD): nothing was sent`,
        explanation:
          `The URL names the user ${user} but no password came with it: neither FTP_PASSWORD in the environment, nor --password, nor one in the URL. ` +
          'The probe stopped before connecting, rather than send an empty password and report the refusal as a failed login.',
        evidence: [`* login as ${user}: no password given (FTP_PASSWORD unset, no --password, none in the URL)`],
        remedies: [
          {
            product: 'Client',
            text:
              'Put the password in FTP_PASSWORD (it stays out of the process list and the shell history), or give --password. ' +
              "For an account that really has an empty password, say so: --password ''. Anonymous logins need none.",
            commands: [`FTP_PASSWORD='…' ftp-doctor probe ${evidence.target}`],
          },
        ],
      },
      final: true,
    };
  },
};

function loginReplies(input: RuleInput): RecordedReply[] {
  const login = input.evidence.login;
  return [login?.userReply, login?.passReply].filter((reply): reply is RecordedReply => reply !== undefined);
}

export const loginFailed: Rule = {
  id: 'login-failed',
  code: 'LOGIN_FAILED',
  applies(input) {
    const { evidence, remedy } = input;
    if (!evidence.login || evidence.login.ok) return undefined;
    const replies = loginReplies(input);
    const last = replies[replies.length - 1];
    const lostTo = evidence.login?.error;
    if (lostTo !== undefined && !(last && last.code >= 400)) {
      // No refusal came: the session died (reset, closed, deadline) before the credentials were judged.
      return {
        finding: {
          code: 'LOGIN_FAILED',
          severity: 'error',
          title: `The login to ${serverName(evidence)} was lost without an answer: ${lostTo}`,
          explanation:
            `The control connection worked up to the login, then the server side never answered it (${lostTo}): the credentials were never judged. ` +
            'An intrusion-prevention system or FTP filter that kills sessions at login, a server that crashes or drops the session, or a path that ' +
            'loses packets once the session is under way all look like this.',
          evidence: [...replies.map(replyLine), `* login: ${lostTo}`],
          remedies: remediesFor(['session-lost', 'open-control'], remedy),
        },
        final: true,
      };
    }
    const needsTls = matchWording(replies, TLS_REQUIRED_WORDINGS);
    const title = needsTls
      ? `${ServerName(evidence)} requires TLS before login`
      : `Login to ${serverName(evidence)} was refused${last ? `: ${last.code} ${last.message}` : ''}`;
    const explanation = needsTls
      ? `The server refused the login with "${needsTls.reply.code} ${needsTls.reply.message}"${needsTls.server === 'an FTP server' ? '' : ` (${needsTls.server}'s wording)`}: ` +
        'it only accepts credentials over an encrypted control connection. The credentials were not judged; connect with ftpes:// (explicit TLS).'
      : 'The control connection works; the server rejected the credentials (or the account is not allowed to use FTP), so no data channel could be tested.';
    return {
      finding: {
        code: 'LOGIN_FAILED',
        severity: 'error',
        title,
        explanation,
        evidence: replies.length > 0 ? replies.map(proofReply) : ['* login: no reply to USER/PASS'],
        remedies: needsTls && evidence.tlsMode === 'none' ? [useTlsScheme(evidence, 'ftpes'), ...remediesFor(['tls-required'], remedy)] : remediesFor(['login'], remedy),
      },
      final: true,
    };
  },
};
