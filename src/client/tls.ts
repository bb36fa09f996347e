/**
 * TLS over an already-open stream (AUTH TLS, implicit FTPS, PROT P data connections). We never let
 * node reject a certificate: self-signed, expired, wrong-name and unknown-CA certificates are
 * recorded as evidence, and the caller decides (with --strict-tls) whether that is fatal.
 */
import net from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import type { TlsCertificateRecord } from '../evidence/model.js';
import { DeadlineError, withDeadline } from './deadline.js';
import { FirstBytes } from './first-bytes.js';
import { describeError, errorCode } from './util.js';

export interface TlsStartOptions {
  /** The name or address the user asked for: SNI (names only) and the identity check. */
  host: string;
  /** A control session to resume on a data connection. */
  session?: Buffer;
  timeoutMs: number;
  phase: string;
  /**
   * Keep the first bytes the peer sent, for a failed handshake's evidence (a plain "220" means the
   * port wanted explicit TLS). Only for JS streams (the TLS carrier): tapping a net.Socket that
   * node:tls took over would steal its reads.
   */
  captureReceived?: boolean;
}

export class TlsStartError extends Error {
  constructor(
    readonly kind: 'failed' | 'reset' | 'timeout',
    message: string,
    /** The peer's first bytes in printable form, when asked for and any came. */
    readonly received?: string,
  ) {
    super(message);
    this.name = 'TlsStartError';
  }
}

export interface TlsStarted {
  socket: tls.TLSSocket;
  certificate?: TlsCertificateRecord;
  resumed: boolean;
  protocol: string;
}

export async function startTls(stream: Duplex, options: TlsStartOptions): Promise<TlsStarted> {
  const firstBytes = new FirstBytes();
  const tap = (chunk: Buffer): void => firstBytes.add(chunk);
  if (options.captureReceived) stream.prependListener('data', tap);
  const socket = tls.connect({
    socket: stream,
    rejectUnauthorized: false,
    ...(net.isIP(options.host) === 0 ? { servername: options.host } : {}),
    ...(options.session ? { session: options.session } : {}),
  });
  try {
    await withDeadline(options.phase, options.timeoutMs, (signal) => handshake(socket, signal));
  } catch (error) {
    stream.off('data', tap);
    socket.destroy();
    stream.destroy();
    const received = firstBytes.empty ? undefined : firstBytes.text();
    if (error instanceof DeadlineError) throw new TlsStartError('timeout', error.message, received);
    const code = errorCode(error);
    const kind = code === 'ECONNRESET' || code === 'EPIPE' || code === 'ERR_TLS_HANDSHAKE_CLOSED' ? 'reset' : 'failed';
    throw new TlsStartError(kind, `${options.phase}: ${describeError(error)}`, received);
  }
  stream.off('data', tap);
  const certificate = describeCertificate(socket, options.host);
  return { socket, resumed: socket.isSessionReused(), protocol: socket.getProtocol() ?? 'unknown', ...(certificate ? { certificate } : {}) };
}

function handshake(socket: tls.TLSSocket, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onSecure = (): void => {
      cleanup();
      resolve();
    };
    const onError = (error: Error): void => {
      cleanup();
      reject(error);
    };
    const onClose = (): void => {
      cleanup();
      const error = new Error('connection closed during the TLS handshake') as Error & { code: string };
      error.code = 'ERR_TLS_HANDSHAKE_CLOSED';
      reject(error);
    };
    const cleanup = (): void => {
      socket.off('secureConnect', onSecure);
      socket.off('error', onError);
      socket.off('close', onClose);
      signal.removeEventListener('abort', cleanup);
    };
    socket.once('secureConnect', onSecure);
    socket.once('error', onError);
    socket.once('close', onClose);
    signal.addEventListener('abort', cleanup, { once: true });
  });
}

/** What the peer presented, and what our own verification thinks of it. */
export function describeCertificate(socket: tls.TLSSocket, host: string): TlsCertificateRecord | undefined {
  const certificate = socket.getPeerCertificate(true);
  if (!certificate || Object.keys(certificate).length === 0) return undefined;
  const subject = formatName(certificate.subject);
  const issuer = formatName(certificate.issuer);
  const chainError = socket.authorized ? undefined : verifyCode(socket.authorizationError);
  const nameError = tls.checkServerIdentity(host, certificate);
  const verifyError = chainError ?? (nameError ? (errorCode(nameError) ?? 'ERR_TLS_CERT_ALTNAME_INVALID') : undefined);
  const selfSigned = chainError === 'DEPTH_ZERO_SELF_SIGNED_CERT' || certificate.issuerCertificate?.fingerprint256 === certificate.fingerprint256;
  return {
    ...(subject ? { subject } : {}),
    ...(issuer ? { issuer } : {}),
    validFrom: certificate.valid_from,
    validTo: certificate.valid_to,
    fingerprint256: certificate.fingerprint256,
    selfSigned,
    ...(verifyError ? { verifyError } : {}),
  };
}

function verifyCode(error: unknown): string {
  if (typeof error === 'string') return error;
  return errorCode(error) ?? (error instanceof Error ? error.message : 'UNKNOWN_VERIFY_ERROR');
}

function formatName(name: tls.PeerCertificate['subject'] | undefined): string | undefined {
  if (!name) return undefined;
  const parts = Object.entries(name).map(([key, value]) => `${key}=${Array.isArray(value) ? value.join('+') : String(value)}`);
  return parts.length > 0 ? parts.join(', ') : undefined;
}
