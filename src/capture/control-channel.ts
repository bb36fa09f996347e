/**
 * What one captured control connection said, read from its two reassembled byte streams: client
 * lines become commands (PASS arguments masked before anything keeps them), server lines go through
 * the project's bounded reply parser. AUTH TLS/SSL answered 234 ends the readable part: from there
 * both streams are TLS (told by the first byte of the client's next record, 0x16 a handshake). On
 * the implicit-TLS port the channel is encrypted from the first byte.
 */
import { parseCommandLine } from '../ftp/command.js';
import { ReplyReader, MalformedReplyError, ReplyTooLargeError } from '../ftp/reply.js';
import { TlsRecordSplitter } from '../net/tls-records.js';
import { rememberSecret, redactSecrets } from '../report/secrets.js';
import { isFtpCommandLine, isReplyLine } from './control-content.js';
import { CapturedLineSplitter, type CapturedLine } from './lines.js';
import type { StreamOutput, StreamPlace } from './reassembly.js';

export type ControlHappening =
  | ({ kind: 'command'; text: string; verb: string; argument: string } & StreamPlace)
  | ({ kind: 'reply'; code: number; message: string } & StreamPlace)
  /** The readable part ended: AUTH answered 234 (or the implicit-TLS port). */
  | ({ kind: 'encrypted' } & StreamPlace)
  | ({ kind: 'tls'; handshake: 'seen' | 'failed'; detail: string } & StreamPlace)
  /** Clear text again after TLS records (CCC, RFC 4217 §12.3): readable from here. */
  | ({ kind: 'cleartext'; side: 'client' | 'server' } & StreamPlace)
  /** Bytes missing or unreadable: said once per cause and place, never guessed around. */
  | ({ kind: 'damaged'; text: string } & StreamPlace);

/** A multi-line reply kept while it is read (FEAT and HELP are well below; thousands of sessions may be open at once). */
const MAX_CAPTURED_REPLY_BYTES = 16 * 1024;
const TLS_HANDSHAKE_RECORD = 0x16;
const TLS_ALERT_RECORD = 0x15;

/** `PASS secret` → `PASS ****`; the password is remembered so no output can show it either. */
export function maskPassword(verb: string, argument: string, line: string): string {
  if (verb !== 'PASS') return line;
  rememberSecret(argument);
  return argument === '' ? 'PASS' : 'PASS ****';
}

export class ControlChannelReader {
  private readonly clientLines = new CapturedLineSplitter(isFtpCommandLine);
  private readonly serverLines = new CapturedLineSplitter(isReplyLine);
  private replies = new ReplyReader(MAX_CAPTURED_REPLY_BYTES);
  private client: 'clear' | 'awaiting-tls' | 'encrypted';
  private server: 'clear' | 'encrypted' | 'encrypted-seen';
  private authSent = false;
  /** Record boundaries of each encrypted direction, to find where clear text resumes (CCC); lost after a gap. */
  private clientRecords: TlsRecordSplitter | undefined;
  private serverRecords: TlsRecordSplitter | undefined;

  constructor(implicitTls: boolean) {
    this.client = implicitTls ? 'awaiting-tls' : 'clear';
    this.server = implicitTls ? 'encrypted' : 'clear';
    if (implicitTls) this.serverRecords = new TlsRecordSplitter();
  }

  get encrypted(): boolean {
    return this.server !== 'clear';
  }

  fromClient(outputs: StreamOutput[]): ControlHappening[] {
    const happenings: ControlHappening[] = [];
    for (const output of outputs) {
      if (output.kind === 'gap') {
        if (this.client !== 'encrypted') happenings.push(gapNote('client', output));
        this.clientLines.gap();
        this.clientRecords = undefined;
        continue;
      }
      let data = output.data;
      if (this.client === 'awaiting-tls') {
        if (data[0] === TLS_HANDSHAKE_RECORD) {
          this.client = 'encrypted';
          this.clientRecords = new TlsRecordSplitter();
          happenings.push({ kind: 'tls', handshake: 'seen', detail: 'TLS handshake on the control connection', frame: output.frame, timeUs: output.timeUs });
        } else {
          // AUTH was refused (or this is not TLS after all): the client goes on in clear text.
          this.client = 'clear';
        }
      }
      if (this.client === 'encrypted') {
        const clear = this.clientRecords?.push(data).clear;
        if (!clear || clear.length === 0) continue;
        this.client = 'clear';
        this.clientRecords = undefined;
        happenings.push({ kind: 'cleartext', side: 'client', frame: output.frame, timeUs: output.timeUs });
        data = clear;
      }
      const batch = this.clientLines.push(data, output);
      if (batch.tooLong > 0) happenings.push(overlong('client', batch.tooLong, output));
      for (const line of batch.lines) happenings.push(this.command(line));
    }
    return happenings;
  }

  fromServer(outputs: StreamOutput[]): ControlHappening[] {
    const happenings: ControlHappening[] = [];
    for (const output of outputs) {
      if (output.kind === 'gap') {
        if (this.server === 'clear') happenings.push(gapNote('server', output));
        this.serverLines.gap();
        this.replies = new ReplyReader(MAX_CAPTURED_REPLY_BYTES);
        this.serverRecords = undefined;
        continue;
      }
      let data = output.data;
      if (this.server === 'encrypted') {
        this.server = 'encrypted-seen';
        if (data[0] === TLS_ALERT_RECORD) {
          happenings.push({ kind: 'tls', handshake: 'failed', detail: 'the server answered the TLS handshake with an alert', frame: output.frame, timeUs: output.timeUs });
        }
      }
      if (this.server !== 'clear') {
        const clear = this.serverRecords?.push(data).clear;
        if (!clear || clear.length === 0) continue;
        this.server = 'clear';
        this.serverRecords = undefined;
        this.replies = new ReplyReader(MAX_CAPTURED_REPLY_BYTES);
        happenings.push({ kind: 'cleartext', side: 'server', frame: output.frame, timeUs: output.timeUs });
        data = clear;
      }
      const batch = this.serverLines.push(data, output);
      if (batch.tooLong > 0) happenings.push(overlong('server', batch.tooLong, output));
      for (const line of batch.lines) {
        happenings.push(...this.replyLine(line));
        if (this.server !== 'clear') break; // the rest of this segment is already TLS
      }
    }
    return happenings;
  }

  private command(line: CapturedLine): ControlHappening {
    const command = parseCommandLine(line.text);
    const verb = command.ok ? command.value.verb : '';
    const argument = command.ok ? command.value.argument : '';
    if (verb === 'AUTH' && /^(TLS|SSL|TLS-C|TLS-P)$/i.test(argument.trim())) this.authSent = true;
    // Masked before it is kept anywhere; a PASS that failed to parse is masked by its shape.
    const text = command.ok ? maskPassword(verb, argument, line.text) : line.text.replace(/^(\s*PASS)\s.*$/i, '$1 ****');
    return { kind: 'command', text, verb, argument: verb === 'PASS' ? '****' : argument, frame: line.frame, timeUs: line.timeUs };
  }

  private replyLine(line: CapturedLine): ControlHappening[] {
    const place = { frame: line.frame, timeUs: line.timeUs };
    try {
      const replies = this.replies.push(`${line.text}\n`);
      const happenings: ControlHappening[] = [];
      for (const reply of replies) {
        happenings.push({ kind: 'reply', code: reply.code, message: redactSecrets(reply.message), ...place });
        if (reply.code === 234 && this.authSent) {
          this.server = 'encrypted';
          this.serverRecords = new TlsRecordSplitter();
          this.authSent = false;
          this.client = 'awaiting-tls';
          happenings.push({ kind: 'encrypted', ...place });
          break;
        }
      }
      return happenings;
    } catch (error) {
      if (!(error instanceof MalformedReplyError) && !(error instanceof ReplyTooLargeError)) throw error;
      this.replies = new ReplyReader(MAX_CAPTURED_REPLY_BYTES);
      const text = error instanceof ReplyTooLargeError ? 'a reply longer than the parser allows was skipped' : `a server line that is not an FTP reply was skipped: ${redactSecrets(error.line.slice(0, 60))}`;
      return [{ kind: 'damaged', text, ...place }];
    }
  }
}

function gapNote(side: 'client' | 'server', gap: Extract<StreamOutput, { kind: 'gap' }>): ControlHappening {
  const cause = gap.why === 'snap-length' ? 'cut by the capture snap length' : 'not in the capture';
  return { kind: 'damaged', text: `${gap.bytes} bytes of the ${side}'s control stream are missing (${cause}); reading resumed at the next line`, frame: gap.frame, timeUs: gap.timeUs };
}

function overlong(side: 'client' | 'server', count: number, place: StreamPlace): ControlHappening {
  return { kind: 'damaged', text: `${count} ${side} control line(s) longer than the reader keeps were skipped`, frame: place.frame, timeUs: place.timeUs };
}
