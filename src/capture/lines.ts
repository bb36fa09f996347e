/**
 * A reassembled control stream cut into lines, each with the frame that completed it. Bounded: a
 * line longer than the limit is reported once and skipped up to its end (a 10 MB "line" costs the
 * limit, not 10 MB). After a gap (bytes the capture lost) the damaged line is dropped and reading
 * resumes at the next line; the first line after a gap is kept only when `startsLine` accepts it
 * (a reply code, an FTP verb), since the lost bytes may have ended exactly at a newline — and the
 * tail of a damaged `PASS` line must never pass for a command.
 *
 * Not CommandLineReader (src/ftp/command.ts): that one splits a live socket's text; this one works
 * on bytes with their capture frames and knows about gaps.
 */
import type { StreamPlace } from './reassembly.js';

/** As long as a command line the project's own server accepts (CommandLineReader). */
export const MAX_CONTROL_LINE_BYTES = 4 * 1024;

export interface CapturedLine extends StreamPlace {
  text: string;
}

export interface LineBatch {
  lines: CapturedLine[];
  /** Lines over the limit that were skipped (counted once each). */
  tooLong: number;
  /** Damaged lines dropped after a gap. */
  dropped: number;
}

export class CapturedLineSplitter {
  private parts: Buffer[] = [];
  private partsLength = 0;
  private discarding = false;
  private afterGap = false;

  constructor(
    private readonly startsLine: (text: string) => boolean,
    private readonly maxBytes = MAX_CONTROL_LINE_BYTES,
  ) {}

  push(data: Buffer, place: StreamPlace): LineBatch {
    const batch: LineBatch = { lines: [], tooLong: 0, dropped: 0 };
    let offset = 0;
    while (offset < data.length) {
      const newline = data.indexOf(0x0a, offset);
      if (newline < 0) {
        this.keep(data.subarray(offset), batch);
        break;
      }
      this.keep(data.subarray(offset, newline), batch);
      this.endLine(place, batch);
      offset = newline + 1;
    }
    return batch;
  }

  /** Bytes are missing here: the line in progress is damaged. */
  gap(): void {
    this.parts = [];
    this.partsLength = 0;
    this.discarding = false;
    this.afterGap = true;
  }

  private keep(piece: Buffer, batch: LineBatch): void {
    if (this.discarding || piece.length === 0) return;
    if (this.partsLength + piece.length > this.maxBytes) {
      batch.tooLong += 1;
      this.discarding = true;
      this.parts = [];
      this.partsLength = 0;
      return;
    }
    // Copied: the segment's buffer may be a view into a large read buffer that must not be kept.
    this.parts.push(Buffer.from(piece));
    this.partsLength += piece.length;
  }

  private endLine(place: StreamPlace, batch: LineBatch): void {
    const wasDiscarding = this.discarding;
    const text = Buffer.concat(this.parts, this.partsLength).toString('utf8').replace(/\r$/, '');
    const afterGap = this.afterGap;
    this.parts = [];
    this.partsLength = 0;
    this.discarding = false;
    this.afterGap = false;
    if (wasDiscarding) return;
    if (afterGap && !this.startsLine(text)) {
      batch.dropped += 1;
      return;
    }
    batch.lines.push({ text, ...place });
  }
}
