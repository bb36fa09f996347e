/**
 * The control connection's reply writer. Replies are written strictly in order, and by default
 * each in its own write, waiting for the previous one to be handed to the socket: an FTP helper
 * such as nf_conntrack_ftp only reads a reply that starts a TCP segment, so merging replies would
 * hide a 227 from it. The `coalesce` knob does the opposite on purpose, to test helpers against it.
 */
import type { Duplex } from 'node:stream';

/** Replies written within this window go out together when coalescing. */
const COALESCE_WINDOW_MS = 40;

export class ReplyWriter {
  private chain: Promise<void> = Promise.resolve();
  private coalesced = '';
  private timer: NodeJS.Timeout | undefined;

  /** `target` is asked at each write: the control stream changes with AUTH TLS and CCC. */
  constructor(
    private readonly target: () => Duplex,
    private readonly coalesce: boolean,
  ) {}

  write(text: string): Promise<void> {
    if (!this.coalesce) return this.enqueue(text);
    this.coalesced += text;
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.enqueue(this.takeCoalesced());
    }, COALESCE_WINDOW_MS);
    return Promise.resolve();
  }

  /** Resolves when everything written so far has been handed to the connection. */
  async flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
      void this.enqueue(this.takeCoalesced());
    }
    await this.chain;
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private takeCoalesced(): string {
    const batch = this.coalesced;
    this.coalesced = '';
    return batch;
  }

  private enqueue(text: string): Promise<void> {
    this.chain = this.chain.then(
      () =>
        new Promise<void>((resolve) => {
          const stream = this.target();
          if (stream.destroyed || !stream.writable) return resolve();
          // Waiting for the callback keeps node from merging queued replies into one writev.
          stream.write(Buffer.from(text, 'utf8'), () => resolve());
        }),
    );
    return this.chain;
  }
}
