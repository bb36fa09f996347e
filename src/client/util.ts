/** Small helpers for turning socket facts into evidence text. */
import { formatHostPort, normalizeAddress } from '../ftp/index.js';

/** "127.0.0.1:2121"; "?" for whatever the socket could not tell us. */
export function formatEndpoint(host: string | undefined, port: number | undefined): string {
  if (host === undefined) return port === undefined ? '?' : `?:${port}`;
  const address = normalizeAddress(host);
  return port === undefined ? address : formatHostPort(address, port);
}

/** One line that says what went wrong, with the system error code when there is one. */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' && !error.message.includes(code) ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}

export function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
