/**
 * Reading one sweep data connection: the first line (our reference server's token) decides at
 * once whether the connection reached the listener we asked for; only then is the rest (a short
 * NLST) drained to its end. A connection that reached something else is dropped as soon as its
 * first line says so, instead of waiting for an idle timeout. Bounded in bytes, in idleness, and
 * in total time: a peer sending a byte just inside each idle period must not hold a sweep for ever.
 */
import { stopReading } from '../client/stop-reading.js';
import type { Duplex } from 'node:stream';

/** The token line is short; anything longer without a newline is not one. */
const FIRST_LINE_LIMIT = 256;
/** A sweep lists a directory to prove the port: more than this is not a listing we need. */
const DRAIN_LIMIT = 1024 * 1024;

export interface SweepRead {
  /** The first line without its line end (cut at FIRST_LINE_LIMIT bytes); absent if none came. */
  firstLine?: string;
  /** How the read ended: the peer's EOF, our decision after the first line, or a failure. */
  end: 'eof' | 'rejected' | 'timeout' | 'reset' | 'error' | 'capped' | 'stopped' | 'deadline';
  /** Bytes after the first line (the first line included when `expectLine` is false). */
  bytes: number;
  error?: string;
}

export interface SweepReadOptions {
  idleTimeoutMs: number;
  /** The whole read ends as 'deadline' after this long, however the data trickles in. */
  totalTimeoutMs: number;
  /** Split off the first line and ask `accept` about it; false reads everything as payload. */
  expectLine: boolean;
  /** Keep reading after this first line? false ends the read as 'rejected'. */
  accept?: (line: string) => boolean;
  /** Ends the read as 'stopped' (the server refused the transfer on the control connection). */
  signal?: AbortSignal;
}

export function readSweepData(stream: Duplex, options: SweepReadOptions): Promise<SweepRead> {
  return new Promise((resolve) => {
    let head: Buffer | undefined = options.expectLine ? Buffer.alloc(0) : undefined;
    let firstLine: string | undefined;
    let bytes = 0;
    let timer: NodeJS.Timeout | undefined;
    let settled = false;
    let total: NodeJS.Timeout | undefined;
    const finish = (end: SweepRead['end'], error?: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(total);
      options.signal?.removeEventListener('abort', onStop);
      stopReading(stream, { data: onData, end: onEnd, error: onError, close: onClose }, end === 'eof');
      resolve({ end, bytes, ...(firstLine !== undefined ? { firstLine } : {}), ...(error ? { error } : {}) });
    };
    const arm = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => finish('timeout', `nothing for ${options.idleTimeoutMs} ms`), options.idleTimeoutMs);
    };
    const takeLine = (line: string): boolean => {
      firstLine = line;
      head = undefined;
      if (options.accept && !options.accept(line)) {
        finish('rejected');
        return false;
      }
      return true;
    };
    const onData = (chunk: Buffer): void => {
      arm();
      let payload = chunk;
      if (head !== undefined) {
        head = Buffer.concat([head, chunk]);
        const newline = head.indexOf(0x0a);
        if (newline < 0 && head.length < FIRST_LINE_LIMIT) return;
        const cut = newline < 0 ? FIRST_LINE_LIMIT : newline + 1;
        const rest = head.subarray(cut);
        if (!takeLine(head.subarray(0, Math.min(cut, FIRST_LINE_LIMIT)).toString('utf8').replace(/\r?\n$/, ''))) return;
        payload = rest;
      }
      bytes += payload.length;
      if (bytes > DRAIN_LIMIT) finish('capped', `more than ${DRAIN_LIMIT} bytes`);
    };
    const onEnd = (): void => {
      // The stream ended inside the first line: that partial line is all the peer sent.
      if (head !== undefined && head.length > 0 && !takeLine(head.toString('utf8').replace(/\r?\n$/, ''))) return;
      finish('eof');
    };
    const onError = (error: Error): void => {
      const code = (error as { code?: string }).code;
      finish(code === 'ECONNRESET' || code === 'EPIPE' ? 'reset' : 'error', error.message);
    };
    const onClose = (): void => finish('reset', 'closed without an orderly end');
    const onStop = (): void => finish('stopped', 'the server refused the transfer');
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('error', onError);
    stream.on('close', onClose);
    if (options.signal?.aborted) return onStop();
    options.signal?.addEventListener('abort', onStop, { once: true });
    total = setTimeout(() => finish('deadline', `still running at the total deadline of ${options.totalTimeoutMs} ms, ${bytes} bytes in`), options.totalTimeoutMs);
    arm();
  });
}
