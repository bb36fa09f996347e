/**
 * What servers say when they refuse something for a reason the diagnosis cares about. Servers do
 * not share codes for these (425, 500, 522 and 550 all occur), so the text is what tells them apart.
 * Each pattern names the server it came from, so a match can say who probably answered.
 */
import type { RecordedReply } from '../evidence/model.js';

interface Wording {
  server: string;
  pattern: RegExp;
}

/**
 * The data connection came from another address than the control connection (SNAT pools,
 * multi-egress NAT). ProFTPD and Pure-FTPd close such a connection without a reply; see
 * `silentlyClosed` in the rules for that shape.
 */
export const FOREIGN_SOURCE_WORDINGS: readonly Wording[] = [
  { server: 'vsftpd', pattern: /security:\s*bad ip connecting/i },
  { server: 'pyftpdlib', pattern: /rejected data connection from foreign address/i },
  { server: 'ftp-srv', pattern: /remote addresses do not match/i },
  // Our reference server, and other servers that say it in plain words.
  { server: 'ftp-doctor serve', pattern: /data connection (?:came )?from (?:a |an )?(?:foreign|another|different|unexpected) (?:address|host)/i },
  { server: 'an FTP server', pattern: /foreign (?:address|host|ip)|address(?:es)? (?:do not|don't) match|bad ip/i },
];

/** The server wants the data channel's TLS session to resume the control channel's. */
export const SESSION_REUSE_WORDINGS: readonly Wording[] = [
  { server: 'vsftpd', pattern: /session reuse required/i },
  { server: 'FileZilla Server', pattern: /tls session of data connection not resumed/i },
  { server: 'an FTP server', pattern: /\b(?:reuse|resum\w*)\b.*\bsession\b|\bsession\b.*\b(?:reuse|resum\w*)/i },
];

/** Login refused because the server wants TLS first. */
export const TLS_REQUIRED_WORDINGS: readonly Wording[] = [
  { server: 'vsftpd', pattern: /non-anonymous sessions must use encryption/i },
  { server: 'IIS', pattern: /policy requires ssl/i },
  { server: 'FileZilla Server', pattern: /does not allow plain ftp/i },
  { server: 'Pure-FTPd', pattern: /cleartext sessions .*not accepted/i },
  // ProFTPD's mod_tls and pyftpdlib's TLS_FTPHandler both say it.
  { server: 'an FTP server', pattern: /ssl\/tls required on the control channel/i },
  { server: 'an FTP server', pattern: /\b(?:ssl|tls|encrypt\w*|auth tls)\b.*\brequired\b|\brequire[sd]?\b.*\b(?:ssl|tls|encrypt\w*)\b|policy requires ssl/i },
];

export interface WordingMatch {
  server: string;
  reply: RecordedReply;
}

/** The first reply (4xx/5xx only) whose message matches one of the wordings. */
export function matchWording(replies: readonly (RecordedReply | undefined)[], wordings: readonly Wording[]): WordingMatch | undefined {
  for (const reply of replies) {
    if (!reply || reply.code < 400) continue;
    const wording = wordings.find((candidate) => candidate.pattern.test(reply.message));
    if (wording) return { server: wording.server, reply };
  }
  return undefined;
}

/**
 * A session turned away by a connection limit: vsftpd ("There are too many connections from your
 * internet address"), Pure-FTPd ("Too many connections (N) from this IP"), other servers' "Too many
 * users/connections", our reference server ("too many sessions from …"). Matched on the text: the code is 421 almost everywhere, but
 * 421 alone also means "shutting down" or "timeout".
 */
export const SESSION_LIMIT_WORDINGS: readonly Wording[] = [
  { server: 'vsftpd', pattern: /too many connections from your internet address/i },
  { server: 'Pure-FTPd', pattern: /too many connections \(\d+\) from this ip/i },
  { server: 'ftp-doctor serve', pattern: /too many sessions/i },
  { server: 'an FTP server', pattern: /too many (?:connections|users|clients|sessions|logins)|(?:connection|session|client|user)s? limit|max(?:imum)? (?:number of )?(?:connections|clients|users|sessions)/i },
];

/**
 * AUTH TLS refused by the server itself because it runs without TLS: each server's own words, so
 * the finding can say it was not a firewall answering in its place.
 */
export const TLS_UNAVAILABLE_WORDINGS: readonly Wording[] = [
  { server: 'Pure-FTPd', pattern: /this security scheme is not implemented/i },
  { server: 'vsftpd', pattern: /^please login with user and pass/i },
  { server: 'ProFTPD', pattern: /^auth not understood/i },
  { server: 'pyftpdlib', pattern: /^command "auth" not understood/i },
  { server: 'IIS', pattern: /local policy on server does not allow tls/i },
];
