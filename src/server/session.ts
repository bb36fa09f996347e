/**
 * One control session: its state, the bounded line reader, the reply writer (reply-writer.ts),
 * the TLS upgrade and the timers. Command lines run one at a time from a bounded queue, each
 * through dispatch.ts; ABOR is taken out of band so it can interrupt a running transfer.
 */
import { randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type tls from 'node:tls';
import { CommandLineReader, parseCommandLine } from '../ftp/command.js';
import { normalizeAddress } from '../ftp/address.js';
import { formatHostPort } from '../ftp/passive.js';
import { formatReply } from '../ftp/reply.js';
import type { Connection } from '../net/network.js';
import { TlsCarrier } from '../net/tls-carrier.js';
import type { CommandTable } from './commands/table.js';
import type { ServerContext } from './context.js';
import type { DataSetup } from './data-channel.js';
import type { LogFields } from './log.js';
import { MAX_LINE_BYTES, runQueued, type QueueItem } from './dispatch.js';
import { ReplyWriter } from './reply-writer.js';
import { SessionDeadlines } from './session-deadlines.js';
import { createSessionContext, handshake, wrapServerTls } from './tls.js';

const MAX_QUEUED_COMMANDS = 64;

export interface RunningTransfer {
  abort(): void;
  done: Promise<void>;
}

export class Session {
  /** Letters, digits, '-' and '_' only: it goes into data tokens. */
  readonly id = randomBytes(6).toString('base64url');
  readonly peer: string;
  readonly peerPort: number;
  readonly localAddress: string;
  /** "192.0.2.7:50123", "[2001:db8::7]:50123": how the log names the client. */
  readonly peerLabel: string;
  /** When the connection was accepted: the pre-login deadline counts from here. */
  readonly acceptedAt = Date.now();
  control: Duplex;
  /** The control connection's TLS, while it is on; undefined before AUTH TLS and after CCC. */
  tlsSocket: tls.TLSSocket | undefined;
  /** TLS was negotiated and then cleared by CCC: PROT/PBSZ still apply to data connections. */
  tlsCleared = false;
  private carrier: TlsCarrier | undefined;
  private secureContext: tls.SecureContext | undefined;

  pendingUser: string | undefined;
  user: string | undefined;
  cwd = '/';
  type: 'A' | 'I' = 'A';
  restOffset = 0;
  renameFrom: string | undefined;
  protection: 'C' | 'P' = 'C';
  pbszDone = false;
  epsvAll = false;
  tokens = false;
  loginFailures = 0;
  data: DataSetup | undefined;
  transfer: RunningTransfer | undefined;

  private reader = new CommandLineReader(MAX_LINE_BYTES);
  private readonly queue: QueueItem[] = [];
  private processing = false;
  private upgrading = false;
  private readonly writer: ReplyWriter;
  private readonly deadlines = new SessionDeadlines(this);
  private tlsEstablished = false;
  /** Why the connection ended, when it ended with an error: said once, in the 'disconnect' line. */
  private closeReason: string | undefined;
  private closing = false;
  private readonly onData = (chunk: Buffer | string): void => this.receive(chunk);
  readonly closed: Promise<void>;

  constructor(
    readonly server: ServerContext,
    readonly raw: Connection,
    private readonly commands: CommandTable,
  ) {
    this.peer = normalizeAddress(raw.remoteAddress ?? 'unknown');
    this.peerPort = raw.remotePort ?? 0;
    this.localAddress = normalizeAddress(raw.localAddress ?? server.options.host);
    this.peerLabel = formatHostPort(this.peer, this.peerPort);
    this.control = raw;
    this.writer = new ReplyWriter(() => this.control, server.options.misbehave.coalesceReplies === true);
    raw.setNoDelay?.(true);
    this.closed = new Promise((resolve) => raw.once('close', () => resolve()));
    raw.once('close', () => this.cleanup());
    raw.on('error', (error: Error) => this.noteCloseReason(error.message));
  }

  /** The first error wins: the ones after it (TLS over a reset socket, ...) are its echoes. */
  private noteCloseReason(reason: string): void {
    this.closeReason ??= reason.trim();
  }

  get loggedIn(): boolean {
    return this.user !== undefined;
  }

  /** Closing or closed: a command that waited (a login turn) has nothing left to answer. */
  get ending(): boolean {
    return this.closing;
  }

  get tlsActive(): boolean {
    return this.tlsSocket !== undefined;
  }

  log(level: 'info' | 'warn', event: string, message: string, fields: LogFields = {}): void {
    this.server.log.write(level, event, message, { session: this.id, peer: this.peerLabel, ...fields });
  }

  /** Start the conversation: implicit TLS handshake first when configured, then the greeting. */
  async start(): Promise<void> {
    this.log('info', 'connect', `connection from ${this.peerLabel}`);
    this.deadlines.start();
    if (this.server.options.tls === 'implicit') {
      if (!(await this.wrapTls())) return;
    } else {
      this.raw.on('data', this.onData);
    }
    await this.reply(220, 'ftp-doctor reference server ready.');
  }

  /** The per-session TLS context (own ticket keys: only this session's tickets resume). */
  tlsContext(): tls.SecureContext {
    if (!this.server.tls) throw new Error('TLS is not configured');
    this.secureContext ??= createSessionContext(this.server.tls);
    return this.secureContext;
  }

  /**
   * AUTH TLS: stop reading plaintext *before* answering 234, drop anything already received after
   * the AUTH command (it arrived unencrypted and must not run inside the TLS session), then hand
   * the raw stream to TLS.
   */
  async upgradeToTls(): Promise<void> {
    this.upgrading = true;
    this.raw.off('data', this.onData);
    this.raw.pause();
    const dropped = this.queue.length;
    this.queue.length = 0;
    this.reader = new CommandLineReader(MAX_LINE_BYTES);
    if (dropped > 0) this.log('warn', 'tls', `discarded ${dropped} command(s) sent in plaintext after AUTH TLS`);
    await this.reply(234, 'Proceed with TLS negotiation.');
    await this.flush();
    if (await this.wrapTls()) this.upgrading = false;
  }

  private async wrapTls(): Promise<boolean> {
    // TLS runs over a carrier, not the raw connection, so that CCC can later hand the connection
    // back in clear text (node:tls alone would end or destroy it).
    const carrier = new TlsCarrier(this.raw);
    const socket = wrapServerTls(carrier.transport, this.tlsContext());
    this.control = socket;
    this.tlsSocket = socket;
    // During the handshake its failure is logged below; after it, the error ends the session.
    socket.on('error', (error: Error) => {
      if (this.tlsEstablished) this.noteCloseReason(`TLS: ${error.message}`);
    });
    try {
      // A client that goes away mid-handshake ends it at once, not at the handshake deadline.
      await Promise.race([handshake(socket, this.server.limits.tlsHandshakeTimeoutMs), this.closed.then(() => Promise.reject(new Error('connection closed')))]);
    } catch (error) {
      // Gone already: the 'disconnect' line says so, once.
      if (!this.closing) this.log('warn', 'tls', `TLS handshake failed: ${(error as Error).message.trim()}`);
      this.destroy();
      return false;
    }
    this.tlsEstablished = true;
    this.log('info', 'tls', `TLS established (${socket.getProtocol() ?? 'unknown protocol'})`);
    this.carrier = carrier;
    this.control = carrier.bind(socket);
    // Its errors are the raw connection's or TLS's, both logged by their own listeners already.
    this.control.on('error', () => {});
    this.control.on('data', this.onData);
    return true;
  }

  /**
   * CCC (RFC 4217 §12.3): answer 200 inside TLS, then send close_notify without closing TCP; the
   * client's remaining records are read to their end and the commands after them in clear text.
   * Data connections keep their protection level (PROT is not changed by CCC).
   */
  async clearControlChannel(): Promise<void> {
    const carrier = this.carrier;
    if (!carrier || !this.tlsSocket) throw new Error('the control connection is not on TLS');
    carrier.expectClear();
    await this.reply(200, 'Control channel cleared: commands and replies continue in clear text; data protection is unchanged.');
    await this.flush();
    try {
      await carrier.clear(this.server.limits.tlsHandshakeTimeoutMs, this.server.limits.cccPeerCloseGraceMs);
    } catch (error) {
      this.log('warn', 'tls', `CCC: ${(error as Error).message}; closing`);
      this.destroy();
      return;
    }
    this.tlsSocket = undefined;
    this.tlsCleared = true;
    this.log('info', 'tls', 'control channel cleared (CCC): continuing in clear text');
  }

  private receive(chunk: Buffer | string): void {
    if (this.upgrading || this.closing) return;
    // latin1 keeps one character per byte, so the line limit counts bytes.
    const text = typeof chunk === 'string' ? chunk : chunk.toString('latin1');
    const { lines, tooLong } = this.reader.push(text);
    // Only a whole line counts as activity: bytes that never end a line must not keep a session.
    if (lines.length > 0 || tooLong > 0) this.touch();
    for (let count = 0; count < tooLong; count += 1) this.queue.push({ kind: 'too-long' });
    for (const line of lines) {
      const decoded = Buffer.from(line, 'latin1').toString('utf8');
      const parsed = parseCommandLine(decoded);
      if (parsed.ok && parsed.value.verb === 'ABOR' && this.transfer) {
        void this.abortTransfer();
        continue;
      }
      this.queue.push({ kind: 'line', text: decoded });
    }
    if (this.queue.length > MAX_QUEUED_COMMANDS) {
      void this.close('Too many commands queued; closing.');
      return;
    }
    void this.drain();
  }

  private async abortTransfer(): Promise<void> {
    const transfer = this.transfer;
    if (!transfer) return;
    this.log('info', 'command', 'ABOR (during a transfer)');
    transfer.abort();
    await transfer.done;
    await this.reply(226, 'ABOR successful; the transfer was aborted.');
  }

  private async drain(): Promise<void> {
    if (this.processing) return;
    this.processing = true;
    try {
      while (this.queue.length > 0 && !this.closing && !this.upgrading) {
        const item = this.queue.shift() as QueueItem;
        await runQueued(this, this.commands, item);
      }
    } finally {
      this.processing = false;
    }
  }

  /** Write one reply, in order; by default in its own write (its own TCP segment). */
  reply(code: number, message: string | string[]): Promise<void> {
    const text = formatReply(code, message);
    this.log('info', 'reply', text.trimEnd().replace(/\r\n/g, ' | '), { code });
    return this.writer.write(text);
  }

  /** Resolves when everything queued so far has been handed to the connection. */
  flush(): Promise<void> {
    return this.writer.flush();
  }

  /**
   * Is the client still there? In stream mode an upload ends with the data connection's EOF, and
   * a client that dies mid-upload also sends FIN on the data connection: the only tell is its
   * control connection closing at the same moment. Wait briefly for that before trusting the EOF.
   */
  async controlStillOpen(graceMs: number): Promise<boolean> {
    const raw = this.raw;
    if (this.closing || raw.destroyed || raw.readableEnded) return false;
    return new Promise((resolve) => {
      const onGone = (): void => finish(false);
      const timer = setTimeout(() => finish(!this.closing && !raw.destroyed && !raw.readableEnded), graceMs);
      function finish(open: boolean): void {
        clearTimeout(timer);
        raw.off('end', onGone);
        raw.off('close', onGone);
        resolve(open);
      }
      raw.once('end', onGone);
      raw.once('close', onGone);
    });
  }

  /** A command line arrived, or the login succeeded (session-deadlines.ts). */
  touch(): void {
    this.deadlines.activity();
  }

  /** Say 421 (when given a message), then close everything of this session. */
  async close(message?: string): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.transfer?.abort();
    if (message !== undefined) {
      void this.reply(421, message);
      const flushed = this.flush();
      // Bounded and awaited, so it must keep the process alive (an unref'd timer here let the
      // event loop drain mid-close when the peer had silently vanished, e.g. behind an expired NAT).
      let flushTimer: NodeJS.Timeout | undefined;
      const timer = new Promise<void>((resolve) => (flushTimer = setTimeout(resolve, 2000)));
      await Promise.race([flushed, timer]);
      clearTimeout(flushTimer);
    }
    this.control.end();
    const forced = setTimeout(() => this.destroy(), 2000);
    await this.closed;
    clearTimeout(forced);
  }

  destroy(): void {
    this.closing = true;
    this.control.destroy();
    this.raw.destroy();
  }

  private cleanup(): void {
    this.closing = true;
    this.deadlines.stop();
    this.writer.dispose();
    this.transfer?.abort();
    void this.data?.close?.();
    this.data = undefined;
    this.log('info', 'disconnect', this.closeReason === undefined ? 'connection closed' : `connection closed (${this.closeReason})`);
  }
}
