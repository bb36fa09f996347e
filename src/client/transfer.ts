/**
 * Reading one data connection: bounded in size (an endless LIST must not eat the memory), bounded
 * in idleness (a stalled transfer must end) and in total time (a trickle that never goes idle must
 * end too), and honest about how it ended — EOF, reset, timeout, deadline, or our own cap. Our
 * reference server's token line is split off here so the listing stays clean.
 */
import { StringDecoder } from 'node:string_decoder';
import { canHideReset, endedByReset } from '../net/reset-probe.js';
import { clipRedacted } from '../text/secrets.js';
import { stopReading } from './stop-reading.js';
import type { Duplex } from 'node:stream';
import type { Recorder } from './recorder.js';
import { describeError, errorCode } from './util.js';

export const DEFAULT_MAX_DATA_BYTES = 16 * 1024 * 1024;
const TOKEN_LINE_LIMIT = 256;
const RECORDED_LINES = 20;
/** Characters of each transcribed data line. */
const RECORDED_LINE_CHARS = 512;
/** How much of the data stream is looked at for lines to transcribe. */
const RECORD_SCAN_BYTES = 64 * 1024;

export interface DataReadOptions {
  idleTimeoutMs: number;
  maxBytes: number;
  /** Split off the first line as our reference server's token. */
  expectToken: boolean;
  recorder: Recorder;
  session: string;
  /** Stop reading (e.g. the server already refused the transfer); ends as 'aborted'. */
  signal?: AbortSignal;
  /** The transfer's total deadline passed: stop reading; ends as 'deadline'. */
  deadline?: { signal: AbortSignal; ms: number };
}

export interface DataReadResult {
  end: 'eof' | 'timeout' | 'reset' | 'error' | 'capped' | 'aborted' | 'deadline';
  /** Payload bytes, the token line excluded. */
  bytes: number;
  durationMs: number;
  tokenLine?: string;
  error?: string;
}

export function readData(stream: Duplex, options: DataReadOptions): Promise<DataReadResult> {
  const { recorder, session } = options;
  const started = recorder.elapsed();
  let bytes = 0;
  let head: Buffer | undefined = options.expectToken ? Buffer.alloc(0) : undefined;
  let tokenLine: string | undefined;
  let recordedLines = 0;
  let partialLine = '';
  let scanned = 0;
  // One decoder for the stream: a character split between two segments is decoded whole, not as
  // two U+FFFD (which would also hide a password containing it from redaction).
  const decoder = new StringDecoder('utf8');

  const recordLines = (chunk: Buffer): void => {
    // Only the start of the data is worth transcribing; binary data has no newlines, so without a
    // byte budget every chunk of a large RETR would be decoded as text for nothing.
    if (recordedLines >= RECORDED_LINES || scanned >= RECORD_SCAN_BYTES) return;
    const slice = chunk.subarray(0, RECORD_SCAN_BYTES - scanned);
    scanned += slice.length;
    const lines = (partialLine + decoder.write(slice)).split('\n');
    // Kept past the cut (twice its length: room for a password across it), so that a line is cut
    // only once complete, passwords removed first; bounded, so a dribble costs little per byte.
    partialLine = (lines.pop() ?? '').slice(0, 2 * RECORDED_LINE_CHARS);
    for (const line of lines) {
      if (recordedLines >= RECORDED_LINES) break;
      recorder.line(session, 'data', '<', clipRedacted(line.replace(/\r$/, ''), RECORDED_LINE_CHARS));
      recordedLines += 1;
    }
  };

  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    let settled = false;
    let probing = false;
    const finish = (end: DataReadResult['end'], error?: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      options.deadline?.signal.removeEventListener('abort', onDeadline);
      stopReading(stream, { data: onData, end: onEnd, error: onError, close: onClose }, end === 'eof');
      if (partialLine !== '' && recordedLines < RECORDED_LINES) recorder.line(session, 'data', '<', partialLine);
      const durationMs = recorder.since(started);
      recorder.event(session, 'data', `data ${end} after ${bytes} bytes${error ? `: ${error}` : ''}`);
      resolve({ end, bytes, durationMs, ...(tokenLine !== undefined ? { tokenLine } : {}), ...(error ? { error } : {}) });
    };
    // The idle deadline: each chunk only records the time, and one timer checks it when it could
    // have expired. Re-arming a timer per chunk cost measurable throughput at GiB/s rates.
    let lastData = Date.now();
    const checkIdle = (): void => {
      const idle = Date.now() - lastData;
      if (idle >= options.idleTimeoutMs) finish('timeout', `no data for ${options.idleTimeoutMs} ms`);
      else timer = setTimeout(checkIdle, options.idleTimeoutMs - idle);
    };
    const armIdle = (): void => {
      lastData = Date.now();
      timer ??= setTimeout(checkIdle, options.idleTimeoutMs);
    };
    const onData = (chunk: Buffer): void => {
      armIdle();
      let payload = chunk;
      if (head !== undefined) {
        head = Buffer.concat([head, chunk]);
        const newline = head.indexOf(0x0a);
        if (newline < 0 && head.length < TOKEN_LINE_LIMIT) return;
        const cut = newline < 0 ? 0 : newline + 1;
        const line = head.subarray(0, cut).toString('utf8').replace(/\r?\n$/, '');
        if (line.startsWith('FTP-DOCTOR-TOKEN')) tokenLine = line;
        else tokenLine = newline < 0 ? head.subarray(0, 64).toString('utf8') : line;
        // Whatever the first line was, only a real token is removed from the payload.
        payload = line.startsWith('FTP-DOCTOR-TOKEN') ? head.subarray(cut) : head;
        if (line.startsWith('FTP-DOCTOR-TOKEN')) recorder.line(session, 'data', '<', line);
        head = undefined;
      }
      bytes += payload.length;
      recordLines(payload);
      if (bytes > options.maxBytes) finish('capped', `stopped reading after ${options.maxBytes} bytes (cap)`);
    };
    const onEnd = (): void => {
      if (head !== undefined && head.length > 0) {
        // The stream ended inside the first line: it was not a token, it is data.
        const line = head.toString('utf8');
        tokenLine = line.slice(0, 64);
        bytes += head.length;
        recordLines(head);
        head = undefined;
      }
      if (!canHideReset(stream)) return finish('eof');
      // A reset arriving with the last bytes can reach us as a clean end: ask the socket (its
      // 'close' meanwhile is part of that answer, not a second ending).
      probing = true;
      void endedByReset(stream).then((reset) => (reset ? finish('reset', 'the server reset the data connection (the reset came with the last bytes)') : finish('eof')));
    };
    const onError = (error: Error): void => {
      const code = errorCode(error);
      finish(code === 'ECONNRESET' || code === 'EPIPE' ? 'reset' : 'error', describeError(error));
    };
    const onClose = (): void => {
      if (!probing) finish('reset', 'the connection closed without an orderly end');
    };
    const onAbort = (): void => finish('aborted', 'stopped reading: the transfer was refused on the control connection');
    const onDeadline = (): void => finish('deadline', `stopped at the transfer's total deadline of ${options.deadline?.ms ?? 0} ms, ${bytes} bytes in`);
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('error', onError);
    stream.on('close', onClose);
    if (options.signal?.aborted) return onAbort();
    if (options.deadline?.signal.aborted) return onDeadline();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    options.deadline?.signal.addEventListener('abort', onDeadline, { once: true });
    armIdle();
  });
}
