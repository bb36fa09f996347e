/**
 * Passwords leave a log line here, at parse time: a PASS (or ACCT) argument becomes `****` and is
 * remembered (src/report/secrets.ts) so that a server quoting it back in a reply, or any later
 * output, is redacted too. Readers store only text that went through these functions.
 */
import { redactSecrets, rememberSecret } from '../report/secrets.js';

export const MASK = '****';

/** Already masked by the program that wrote the log (`PASS ******`, `<password>`, `<hidden>`). */
const MASKED = /^(?:\*+|<[^>]*>|\(hidden\)|x+)$/i;

/** A command line as stored: `PASS secret` → `PASS ****` (the secret remembered). */
export function redactCommand(text: string): string {
  const m = /^(\s*)(PASS|ACCT)(?:(\s+)(.*))?$/i.exec(text);
  if (!m) return redactSecrets(redactUrlPassword(text));
  const argument = (m[4] ?? '').trim();
  if (argument !== '' && !MASKED.test(argument)) rememberSecret(argument);
  return `${m[2]?.toUpperCase()}${argument === '' ? '' : ` ${MASK}`}`;
}

/** Free text (replies, notes): remembered passwords removed, `ftp://user:pw@host` masked. */
export function redactText(text: string): string {
  return redactSecrets(redactUrlPassword(text));
}

/** `ftp://user:secret@host` → `ftp://user:****@host`, the secret remembered. */
export function redactUrlPassword(text: string): string {
  return text.replace(/\b([a-z][a-z0-9+.-]*:\/\/[^/\s:@]+):([^@\s/]+)@/gi, (_, head: string, secret: string) => {
    if (!MASKED.test(secret)) rememberSecret(decodeSafely(secret));
    return `${head}:${MASK}@`;
  });
}

/** A password that appears in a server's own words (vsftpd's `anon password "x"`): remember it, return the mask. */
export function maskPassword(secret: string): string {
  if (!MASKED.test(secret.trim()) && secret.trim() !== '') rememberSecret(secret.trim());
  return MASK;
}

function decodeSafely(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
