/**
 * CCC (RFC 4217 §12.3): after login, ask the server to drop TLS on the control connection so a
 * stateful firewall can read the PASV/PORT replies again, while the data connections stay TLS.
 * On 200 both sides end TLS with close_notify and the session continues in clear text on the same
 * TCP connection (the control session's TLS carrier makes that possible in node).
 */
import type { ControlSession } from '../client/control.js';
import type { Recorder } from '../client/recorder.js';
import { isPositiveCompletion } from '../ftp/index.js';
import { replyLine } from './describe.js';
import type { RecordedReply } from '../evidence/model.js';

/** Sends CCC (and, once accepted, one NOOP); returns a note for the step. Throws when the control connection is lost. */
export async function clearControlChannel(control: ControlSession, recorder: Recorder): Promise<string> {
  const carrier = control.tlsCarrier;
  if (!carrier) return 'CCC not sent: the control connection is not on TLS';
  // From here on, a byte that is not a TLS record header is where the server's clear text begins.
  carrier.expectClear();
  let reply: RecordedReply;
  try {
    reply = control.record(await control.command('CCC'));
  } catch (error) {
    carrier.cancelClear();
    throw error;
  }
  if (!isPositiveCompletion(reply.code)) {
    carrier.cancelClear();
    return `CCC refused (${replyLine(reply)}): control stays encrypted`;
  }
  await carrier.clear(control.options.replyTimeoutMs);
  control.tlsCarrier = undefined;
  recorder.event(control.session, 'control', 'TLS close_notify sent after CCC: the control connection continues in clear text');
  // Why a NOOP before anything else: FTP inspection helpers (nf_conntrack_ftp, and the simulator's
  // helper faithfully) only parse a segment that starts right after one ending in '\n'. The first
  // clear-text reply follows the server's last TLS record, whose last byte is random, so it is not
  // parsed; the NOOP's reply ends in CRLF and puts the helper back in step, so the 227 that answers
  // our PASV is read and the data port opened.
  recorder.event(control.session, 'control', 'NOOP so that an FTP inspection helper is in step again before PASV/PORT');
  const noop = control.record(await control.command('NOOP'));
  const noopNote = isPositiveCompletion(noop.code) ? '' : `; NOOP answered ${replyLine(noop)}`;
  return `CCC accepted (${replyLine(reply)}): control channel in clear text, data still TLS${noopNote}`;
}
