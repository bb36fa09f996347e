/**
 * CCC (RFC 4217 §12.3): after login, ask the server to drop TLS on the control connection so a
 * stateful firewall can read the PASV/PORT replies again. We record the server's answer. Node's
 * TLS layer cannot hand the TCP connection back in clear text, so when a server accepts CCC this
 * client ends the session and says so, rather than pretending the downgrade happened.
 */
import type { ControlSession } from '../client/control.js';
import type { Recorder } from '../client/recorder.js';
import { replyLine } from './describe.js';

export class CccAcceptedError extends Error {
  constructor(reply: string) {
    super(`CCC accepted (${reply}), but this client cannot continue the control connection in clear text`);
    this.name = 'CccAcceptedError';
  }
}

/** Sends CCC; returns a note for the step when refused, throws CccAcceptedError when accepted. */
export async function clearControlChannel(control: ControlSession, recorder: Recorder): Promise<string> {
  const reply = control.record(await control.command('CCC'));
  if (reply.code >= 200 && reply.code < 300) {
    const error = new CccAcceptedError(replyLine(reply));
    recorder.event(control.session, 'control', error.message);
    throw error;
  }
  return `CCC refused (${replyLine(reply)}): control stays encrypted`;
}
