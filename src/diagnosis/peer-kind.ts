/**
 * What answered on the control port when it was not an FTP server, from the first bytes it sent
 * (printable form, see client/first-bytes.ts). Pure, table-tested in test/diagnosis/non-ftp.test.ts.
 */
import { clipRedacted } from '../report/secrets.js';

export type PeerKind = 'ssh' | 'http' | 'tls' | 'ftp' | 'mail' | 'unknown';

export interface PeerReading {
  kind: PeerKind;
  /** "an SSH server", "a web server (HTTP)". */
  words: string;
  /** The first line, as quoted evidence. */
  firstLine: string;
}

const READINGS: readonly { kind: PeerKind; pattern: RegExp; words: string }[] = [
  { kind: 'ssh', pattern: /^SSH-\d/, words: 'an SSH server' },
  { kind: 'http', pattern: /^HTTP\/\d/i, words: 'a web server (HTTP)' },
  // TLS records: handshake (0x16), alert (0x15) or change_cipher_spec (0x14), version 3.x.
  { kind: 'tls', pattern: /^\\x1[456]\\x03/, words: 'a TLS endpoint (it answered in TLS records, not in clear text)' },
  { kind: 'mail', pattern: /^(?:\+OK|\* OK|220 .*\b(?:E?SMTP|Postfix|Exim)\b)/i, words: 'a mail server (SMTP, POP3 or IMAP)' },
  { kind: 'ftp', pattern: /^[1-6]\d{2}[ -]/, words: 'an FTP server speaking clear text' },
];

export function readPeer(received: string): PeerReading {
  const firstLine = clipRedacted(received.split('\\n')[0]?.replace(/\\r$/, '') ?? '', 100);
  const reading = READINGS.find((candidate) => candidate.pattern.test(received));
  return { kind: reading?.kind ?? 'unknown', words: reading?.words ?? 'something that is not an FTP server', firstLine };
}
