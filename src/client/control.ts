/**
 * One control connection: connect with a deadline, read replies with the bounded ReplyReader,
 * and attribute every reply to the command it answers at the moment it is parsed — never by
 * whoever happens to wait next — so a stray extra reply is recorded as unsolicited instead of
 * being taken as the answer to the following command.
 */
import { StringDecoder } from 'node:string_decoder';
import type { Duplex } from 'node:stream';
import { classifyConnectError, type Connection, type ConnectOutcome, type Network } from '../net/network.js';
import type { TlsCarrier } from '../net/tls-carrier.js';
import { encodeCommand, ReplyReader, type Reply } from '../ftp/index.js';
import type { ConnectionEvent } from '../evidence/record.js';
import type { RecordedReply } from '../evidence/model.js';
import { ControlLostError } from './control-lost.js';
import { DeadlineError, withDeadline } from './deadline.js';
import type { RoundTripSamples } from './early-verdict.js';
import { Expectation } from './expectation.js';
import { FirstBytes } from './first-bytes.js';
import { transcriptCommand, type Recorder } from './recorder.js';
import { describeError, formatEndpoint } from './util.js';

export { ControlLostError } from './control-lost.js';
export { Expectation, MAX_PRELIMINARY_REPLIES } from './expectation.js';

/**
 * Stray replies tolerated on one control connection. A few happen (a doubled 226, a late 421);
 * a stream of them is a server that no longer answers command by command, and keeping them all
 * would let it fill our memory.
 */
export const UNSOLICITED_REPLY_LIMIT = 100;

/**
 * Commands whose reply latency says little about the path: PASS (servers delay a login on
 * purpose, PAM takes its time), transfers (the server opens a data connection first) and QUIT.
 */
const NOT_A_ROUND_TRIP = new Set(['PASS', 'LIST', 'NLST', 'RETR', 'STOR', 'STOU', 'APPE', 'QUIT', 'REIN']);
/** The newest light-reply latencies kept (a sample run must not grow the list without bound). */
const ROUND_TRIP_SAMPLES = 16;

export interface ControlSessionOptions {
  network: Network;
  recorder: Recorder;
  /** Transcript label of this session ('main', 'pasv', 'epsv:tls'). */
  session: string;
  host: string;
  port: number;
  connectTimeoutMs: number;
  /** Deadline for each reply (and the greeting). */
  replyTimeoutMs: number;
  maxReplyBytes?: number;
}

export interface ControlConnectResult {
  outcome: ConnectOutcome;
  durationMs: number;
  error?: string;
  control?: ControlSession;
}

export async function openControl(options: ControlSessionOptions): Promise<ControlConnectResult> {
  const { recorder, session } = options;
  const started = recorder.elapsed();
  const target = formatEndpoint(options.host, options.port);
  recorder.event(session, 'control', `connecting to ${target}`);
  let timedOut = false;
  try {
    const connection = await withDeadline('control connect', options.connectTimeoutMs, (signal) => {
      signal.addEventListener('abort', () => (timedOut = true), { once: true });
      return options.network.connect({ host: options.host, port: options.port, signal });
    });
    const durationMs = recorder.since(started);
    const event: ConnectionEvent = {
      t: started,
      durationMs,
      session,
      purpose: 'control',
      from: formatEndpoint(connection.localAddress, connection.localPort),
      to: formatEndpoint(connection.remoteAddress ?? options.host, connection.remotePort ?? options.port),
      outcome: 'connected',
    };
    recorder.connection(event);
    recorder.event(session, 'control', `connected ${event.from} -> ${event.to} in ${Math.round(durationMs)} ms`);
    return { outcome: 'connected', durationMs, control: new ControlSession(connection, options, event) };
  } catch (error) {
    const durationMs = recorder.since(started);
    const outcome = classifyConnectError(error, timedOut || error instanceof DeadlineError);
    const message = describeError(error);
    recorder.connection({ t: started, durationMs, session, purpose: 'control', from: 'client', to: target, outcome });
    recorder.event(session, 'control', `connect to ${target} failed: ${outcome} (${message})`);
    return { outcome, durationMs, error: message };
  }
}

export class ControlSession {
  /** Replies that arrived while no command was waiting for one, with their arrival time. */
  readonly unsolicited: { reply: Reply; at: number }[] = [];
  bytesSent = 0;
  bytesReceived = 0;
  /** The first bytes the server sent: what answered, when it was not FTP (an SSH banner, HTTP). */
  readonly firstBytes = new FirstBytes();
  /** Set while the control connection runs TLS over a carrier: what CCC uses to leave TLS. */
  tlsCarrier: TlsCarrier | undefined;
  private stream: Duplex;
  private reader: ReplyReader;
  private decoder = new StringDecoder('utf8');
  private pending: Expectation | undefined;
  private lost: ControlLostError | undefined;
  private readonly arrivals = new WeakMap<Reply, number>();
  /** When the pending command went out, while its first reply has not come (light commands only). */
  private pendingSentAt: number | undefined;
  private readonly replyLatencies: number[] = [];
  private readonly onData = (chunk: Buffer): void => this.receive(chunk);
  private readonly onEnd = (): void => this.loseConnection(new ControlLostError('closed', 'the server closed the control connection'));
  private readonly onError = (error: Error): void => {
    const code = (error as { code?: string }).code;
    const kind = code === 'ECONNRESET' || code === 'EPIPE' ? 'reset' : 'error';
    this.loseConnection(new ControlLostError(kind, `control connection ${kind === 'reset' ? 'reset' : 'error'}: ${describeError(error)}`));
  };

  constructor(
    readonly connection: Connection,
    readonly options: ControlSessionOptions,
    private readonly event: ConnectionEvent,
  ) {
    this.stream = connection;
    this.reader = new ReplyReader(options.maxReplyBytes);
    this.attach(connection);
    // The greeting is the answer to connecting: anything before it is expected, not unsolicited.
    this.pending = new Expectation('greeting');
  }

  get session(): string {
    return this.options.session;
  }
  get recorder(): Recorder {
    return this.options.recorder;
  }
  /** The address the control connection really reached (after DNS): the default data-dial target. */
  get peerAddress(): string {
    return this.connection.remoteAddress ?? this.options.host;
  }
  /** Our address as the server sees it on this path: where active-mode listeners go. */
  get localAddress(): string | undefined {
    return this.connection.localAddress;
  }
  get lostReason(): ControlLostError | undefined {
    return this.lost;
  }
  get currentStream(): Duplex {
    return this.stream;
  }

  /** The greeting's expectation (created at connect time so early bytes are never lost). */
  greeting(): Expectation {
    const expectation = this.pending;
    if (!expectation || expectation.label !== 'greeting') throw new Error('greeting already consumed');
    return expectation;
  }

  /** A reply as evidence, stamped with when it arrived (not when someone looked at it). */
  record(reply: Reply): RecordedReply {
    return { code: reply.code, message: reply.message, at: this.arrivals.get(reply) ?? this.recorder.elapsed() };
  }

  /** Send a command; the returned expectation collects exactly the replies that answer it. */
  send(verb: string, argument?: string): Expectation {
    const wire = encodeCommand(verb, argument);
    if (this.lost) throw this.lost;
    if (this.pending && !this.pending.complete) {
      // The previous command never got its final reply: any reply now could be either's.
      throw new ControlLostError('desynchronized', `cannot send ${verb}: ${this.pending.label} is still unanswered`);
    }
    const expectation = new Expectation(verb.toUpperCase());
    this.pending = expectation;
    this.pendingSentAt = NOT_A_ROUND_TRIP.has(verb.toUpperCase()) ? undefined : this.recorder.elapsed();
    this.recorder.line(this.session, 'control', '>', transcriptCommand(verb, argument));
    this.bytesSent += Buffer.byteLength(wire);
    this.stream.write(wire);
    return expectation;
  }

  /**
   * The path's round trips as this connection saw them: the connect (SYN to SYN-ACK) and the
   * latency of light replies (a round trip plus the server's processing), newest last.
   */
  roundTrips(): RoundTripSamples {
    return { connectMs: this.event.durationMs, replyMs: [...this.replyLatencies] };
  }

  /** Send and wait for the final reply, with the per-reply deadline. */
  async command(verb: string, argument?: string, timeoutMs = this.options.replyTimeoutMs): Promise<Reply> {
    return (await this.send(verb, argument).final(timeoutMs)).reply;
  }

  /**
   * Swap the byte stream (after AUTH TLS): `wrap` gets the current stream with our listeners
   * removed and returns the stream to read from from now on. Replies keep their attribution.
   */
  async replaceStream(wrap: (current: Duplex) => Promise<Duplex>): Promise<void> {
    this.detach(this.stream);
    // Bytes decoded but not parsed cannot belong to the new stream; a server sending them is broken.
    this.decoder = new StringDecoder('utf8');
    this.reader = new ReplyReader(this.options.maxReplyBytes);
    try {
      this.stream = await wrap(this.stream);
    } catch (error) {
      this.loseConnection(new ControlLostError('error', describeError(error)), false);
      throw error;
    }
    this.attach(this.stream);
  }

  /** Polite end: QUIT with a short wait, then close. Never throws. */
  async close(timeoutMs = 1000): Promise<void> {
    if (!this.lost && (!this.pending || this.pending.complete)) {
      try {
        await this.command('QUIT', undefined, timeoutMs);
      } catch {
        // The server may close before answering: that is fine at the end of a session.
      }
    }
    this.destroy();
  }

  destroy(): void {
    if (!this.lost) this.loseConnection(new ControlLostError('closed', 'closed by the client'), false);
    this.stream.destroy();
    this.connection.destroy();
  }

  private attach(stream: Duplex): void {
    stream.on('data', this.onData);
    stream.on('end', this.onEnd);
    stream.on('close', this.onEnd);
    stream.on('error', this.onError);
  }

  private detach(stream: Duplex): void {
    stream.off('data', this.onData);
    stream.off('end', this.onEnd);
    stream.off('close', this.onEnd);
    stream.off('error', this.onError);
  }

  private receive(chunk: Buffer): void {
    this.firstBytes.add(chunk);
    this.bytesReceived += chunk.length;
    this.event.bytes = this.bytesReceived + this.bytesSent;
    let replies: Reply[];
    try {
      replies = this.reader.push(this.decoder.write(chunk));
    } catch (error) {
      const kind = (error as Error).name === 'ReplyTooLargeError' ? 'reply-too-large' : 'malformed';
      this.loseConnection(new ControlLostError(kind, describeError(error)));
      this.stream.destroy();
      return;
    }
    for (const reply of replies) {
      // Once the connection is lost (e.g. desynchronized by this very chunk), the rest is not evidence.
      if (this.lost) break;
      this.assign(reply);
    }
  }

  private assign(reply: Reply): void {
    this.arrivals.set(reply, this.recorder.elapsed());
    for (const line of reply.lines) this.recorder.line(this.session, 'control', '<', line);
    const expectation = this.pending;
    if (expectation && !expectation.complete) {
      if (this.pendingSentAt !== undefined) {
        this.replyLatencies.push(this.recorder.elapsed() - this.pendingSentAt);
        if (this.replyLatencies.length > ROUND_TRIP_SAMPLES) this.replyLatencies.shift();
        this.pendingSentAt = undefined;
      }
      expectation.deliver(reply);
      return;
    }
    this.unsolicited.push({ reply, at: this.recorder.elapsed() });
    this.recorder.event(this.session, 'control', `unsolicited reply ${reply.code}: no command was waiting for it`);
    if (this.unsolicited.length >= UNSOLICITED_REPLY_LIMIT) {
      this.loseConnection(new ControlLostError('desynchronized', `control connection desynchronized: ${this.unsolicited.length} unsolicited replies, the server no longer answers command by command`));
      this.stream.destroy();
    }
  }

  private loseConnection(error: ControlLostError, record = true): void {
    if (this.lost) return;
    this.lost = error;
    if (record) this.recorder.event(this.session, 'control', error.message);
    this.event.bytes = this.bytesReceived + this.bytesSent;
    this.pending?.fail(error);
  }
}
