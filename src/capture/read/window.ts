/**
 * The bytes of a capture not yet parsed: one contiguous buffer and a position in it. Parsers read
 * records out of it in place (views, not copies); when a record runs past the end they say how many
 * bytes they need and the reader brings the next chunk, moving only the unread tail in front of it.
 * The file reader reuses its buffers: nothing handed out may point into them (payloads are copied).
 */
export class ByteWindow {
  buffer: Buffer = Buffer.alloc(0);
  position = 0;
  /** Offset in the capture of buffer[0]. */
  base = 0;
  /** Bytes from `position` the parser needs before it can go on (set when it stops short). */
  needed = 0;

  get available(): number {
    return this.buffer.length - this.position;
  }

  /** Offset in the capture of the current position (for error messages). */
  get offset(): number {
    return this.base + this.position;
  }

  /** Stop short: the record at the current position needs `bytes` bytes in all. */
  need(bytes: number): undefined {
    this.needed = bytes;
    return undefined;
  }

  /** The unread tail, to be placed in front of the next chunk. */
  rest(): Buffer {
    return this.buffer.subarray(this.position);
  }

  /** Replaces the contents with `buffer`, which starts with what rest() returned. */
  replace(buffer: Buffer): void {
    this.base += this.position;
    this.buffer = buffer;
    this.position = 0;
    this.needed = 0;
  }
}
