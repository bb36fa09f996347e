/**
 * Is this TCP connection an FTP control connection? Ports 21 and 990 (and the user's --port) say
 * so from the SYN; otherwise the first bytes do: the server's greeting ("220 ...", or "220-" for a
 * multi-line banner) or a client line that is an FTP command. Content wins over ports so a server
 * on 2121 or a NAT-forwarded port is still found.
 */

export const FTP_CONTROL_PORT = 21;
export const FTPS_IMPLICIT_PORT = 990;

/** FTP verbs (RFC 959, 2228, 2389, 2428, 3659, 7151 and common extensions). */
const FTP_VERBS = new Set([
  'ABOR', 'ACCT', 'ADAT', 'ALLO', 'APPE', 'AUTH', 'CCC', 'CDUP', 'CLNT', 'CONF', 'CWD', 'DELE', 'ENC', 'EPRT', 'EPSV', 'FEAT', 'HELP', 'HOST',
  'LANG', 'LIST', 'MDTM', 'MFMT', 'MIC', 'MKD', 'MLSD', 'MLST', 'MODE', 'NLST', 'NOOP', 'OPTS', 'PASS', 'PASV', 'PBSZ', 'PORT', 'PROT', 'PWD',
  'QUIT', 'REIN', 'REST', 'RETR', 'RMD', 'RNFR', 'RNTO', 'SITE', 'SIZE', 'SMNT', 'STAT', 'STOR', 'STOU', 'STRU', 'SYST', 'TYPE', 'USER',
  'XCUP', 'XCWD', 'XMKD', 'XPWD', 'XRMD',
]);

/** A whole client line that starts with an FTP verb (used to resync after bytes the capture lost). */
export function isFtpCommandLine(line: string): boolean {
  const match = /^([A-Za-z]{3,4})(?: |$)/.exec(line);
  return match !== null && FTP_VERBS.has((match[1] as string).toUpperCase());
}

/** A whole server line that starts like a reply. */
export function isReplyLine(line: string): boolean {
  return /^[1-6]\d{2}(?:[ -]|$)/.test(line);
}

/** Commands a client sends early in a session: a first client line that is one of these is FTP. */
const OPENING_VERBS = new Set(['USER', 'AUTH', 'FEAT', 'SYST', 'OPTS', 'HOST', 'PBSZ', 'PROT', 'PASS', 'PWD', 'TYPE', 'PASV', 'EPSV', 'PORT', 'EPRT', 'NOOP', 'QUIT', 'CLNT']);

/**
 * Ports of other protocols whose greetings or commands look like FTP's: SMTP greets with 220 too,
 * POP3 has USER and PASS. Never taken for FTP by content (the user can still name one with --port).
 */
export const LOOKALIKE_PORTS: ReadonlySet<number> = new Set([25, 110, 119, 143, 465, 587, 993, 995, 2525]);

/** The first bytes a server sent on a connection: an FTP greeting (and not an SMTP one)? */
export function looksLikeGreeting(firstBytes: Buffer): boolean {
  const line = firstBytes.subarray(0, 256).toString('latin1').split('\n')[0] ?? '';
  return /^220(?:[ -]|\r?$)/.test(line) && !/\b(?:E?SMTP|LMTP|Postfix|Exim|Sendmail)\b/i.test(line);
}

/** The first bytes a client sent: an FTP command line (a verb we know, then space or CRLF)? */
export function looksLikeCommand(firstBytes: Buffer): boolean {
  const head = firstBytes.subarray(0, 6).toString('latin1');
  const match = /^([A-Za-z]{3,4})(?: |\r|\n|$)/.exec(head);
  return match !== null && OPENING_VERBS.has((match[1] as string).toUpperCase());
}

export function controlPortsOf(extra: readonly number[] | undefined): Set<number> {
  return new Set([FTP_CONTROL_PORT, FTPS_IMPLICIT_PORT, ...(extra ?? [])]);
}
