/**
 * TLS material and contexts. The certificate and key come from files, or a self-signed pair is
 * generated at start (its SHA-256 fingerprint is printed so a user can pin it).
 *
 * Every control session gets its own secure context with its own ticket keys and session id
 * context: a data connection can then only "resume" the session of its own control connection,
 * which is what `requireSessionReuse` checks (another session's ticket does not count).
 */
import { randomBytes, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import tls from 'node:tls';
import type { Duplex } from 'node:stream';

export interface TlsMaterial {
  cert: string;
  key: string;
  fingerprint256: string;
  generated: boolean;
}

export async function loadTlsMaterial(certFile: string | undefined, keyFile: string | undefined): Promise<TlsMaterial> {
  if (certFile !== undefined || keyFile !== undefined) {
    if (certFile === undefined || keyFile === undefined) throw new Error('a certificate needs both --cert and --key');
    const [cert, key] = await Promise.all([readFile(certFile, 'utf8'), readFile(keyFile, 'utf8')]);
    // Fail at start, not at the first AUTH TLS, when the pair does not fit together.
    tls.createSecureContext({ cert, key });
    return { cert, key, fingerprint256: new X509Certificate(cert).fingerprint256, generated: false };
  }
  // Loaded only when a certificate is generated: it is the slowest module to load, and a server
  // without TLS or with its own certificate never needs it.
  const { generate } = await import('selfsigned');
  const pair = await generate([{ name: 'commonName', value: 'ftp-doctor' }], {
    keyType: 'ec',
    curve: 'P-256',
    notAfterDate: new Date(Date.now() + 365 * 24 * 3600 * 1000),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }, { type: 7, ip: '::1' }] },
    ],
  });
  return { cert: pair.cert, key: pair.private, fingerprint256: new X509Certificate(pair.cert).fingerprint256, generated: true };
}

/** A context for one control session and its data connections. */
export function createSessionContext(material: TlsMaterial): tls.SecureContext {
  return tls.createSecureContext({
    cert: material.cert,
    key: material.key,
    minVersion: 'TLSv1.2',
    ticketKeys: randomBytes(48),
    sessionIdContext: randomBytes(16).toString('hex'),
  } as tls.SecureContextOptions & { ticketKeys: Buffer });
}

/** Server side of TLS over any byte stream (a real socket or a simulated one). */
export function wrapServerTls(stream: Duplex, context: tls.SecureContext): tls.TLSSocket {
  return new tls.TLSSocket(stream, { isServer: true, secureContext: context, requestCert: false, rejectUnauthorized: false });
}

/**
 * Resolves when the handshake finished; rejects on a handshake error, close, or timeout.
 *
 * Resolves one turn of the event loop after 'secure', not at it. Node emits 'secure' from inside
 * OpenSSL's handshake, and with TLS 1.3 the server's NewSessionTicket messages are written only
 * after that callback returns: OpenSSL is still "in init" until then. Whatever runs at 'secure'
 * (a promise continuation included: Node drains microtasks before returning to OpenSSL) and
 * writes and ends the stream — a short listing on a data connection — gets its data out before
 * the tickets and its close_notify silently dropped (SSL_shutdown fails while in init), so the
 * client sees the TCP FIN without close_notify. CPython's ftplib then fails with
 * "SHUTDOWN_WHILE_IN_INIT" (on CPython releases that treat an EOF without close_notify as an
 * error) and reads the 226 too late. vsftpd's SSL_accept returns only after the tickets are out.
 */
export function handshake(socket: tls.TLSSocket, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => finish(new Error(`TLS handshake did not finish within ${Math.round(timeoutMs / 1000)} s`)), timeoutMs);
    let secured = false;
    // setImmediate, not a microtask: it runs once OpenSSL has returned and the tickets are written.
    const onSecure = (): void => {
      secured = true;
      clearTimeout(timer);
      setImmediate(finish);
    };
    // After 'secure' the handshake succeeded: a failure now is the next reader's or writer's.
    const onError = (error: Error): void => {
      if (!secured) finish(error);
    };
    const onClose = (): void => {
      if (!secured) finish(new Error('connection closed during the TLS handshake'));
    };
    function finish(error?: Error): void {
      clearTimeout(timer);
      socket.off('secure', onSecure);
      socket.off('error', onError);
      socket.off('close', onClose);
      if (error) reject(error);
      else resolve();
    }
    socket.once('secure', onSecure);
    socket.once('error', onError);
    socket.once('close', onClose);
  });
}
