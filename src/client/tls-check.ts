/**
 * When nothing greets us, what is on the port? The session that asks has already failed; this
 * only adds evidence (see checkForTls).
 */
import type { Duplex } from 'node:stream';
import { TlsCarrier } from '../net/tls-carrier.js';
import type { TlsCheck } from '../evidence/model.js';
import type { ControlSession } from './control.js';
import { printable } from './first-bytes.js';
import type { SessionPlan } from './session.js';
import { startTls, TlsStartError } from './tls.js';
import { describeError } from './util.js';
import { clipRedacted } from '../text/secrets.js';

/** How long the TLS check after a missing greeting may take, handshake and first reply each. */
const TLS_CHECK_MS = 3_000;

/**
 * Nothing greeted us: offer a TLS handshake on the same connection. An implicit-TLS port (ftps://)
 * completes it and then greets inside TLS; a web server answers the ClientHello with an HTTP
 * error; a silent box says nothing. Only ever run on a session that already failed.
 */
export async function checkForTls(plan: Pick<SessionPlan, 'replyTimeoutMs' | 'tlsHost' | 'recorder'>, control: ControlSession): Promise<TlsCheck> {
  let result: TlsCheck = { handshake: 'failed' };
  const timeoutMs = Math.min(plan.replyTimeoutMs, TLS_CHECK_MS);
  try {
    await control.replaceStream(async (stream) => {
      const carrier = new TlsCarrier(stream);
      const started = await startTls(carrier.transport, { host: plan.tlsHost, timeoutMs, phase: 'TLS check after no greeting', captureReceived: true });
      const greeting = await firstChunk(started.socket, timeoutMs);
      result = { handshake: 'ok', ...(greeting ? { received: printable(greeting) } : {}) };
      plan.recorder.event(control.session, 'control', `the port completed a TLS handshake${greeting ? ` and then sent ${clipRedacted(printable(greeting), 60)}` : ''}`);
      started.socket.destroy();
      return carrier.bind(started.socket);
    });
  } catch (error) {
    const received = error instanceof TlsStartError ? error.received : undefined;
    result = { handshake: 'failed', ...(received ? { received } : {}) };
    plan.recorder.event(control.session, 'control', `no TLS either: ${describeError(error)}${received ? `; it sent ${clipRedacted(received, 60)}` : ''}`);
  }
  return result;
}

/** The first data on a stream, or undefined after `ms` (or at its end). */
function firstChunk(stream: Duplex, ms: number): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const done = (chunk?: Buffer): void => {
      clearTimeout(timer);
      stream.off('data', done);
      stream.off('end', onEnd);
      stream.off('error', onEnd);
      resolve(chunk);
    };
    const onEnd = (): void => done();
    const timer = setTimeout(onEnd, ms);
    stream.on('data', done);
    stream.once('end', onEnd);
    stream.once('error', onEnd);
  });
}
