/**
 * The one error a capture reader throws about its input: which file, where in it, and why, so the
 * CLI can print one line ("capture.pcapng: byte 4096: block length 8 is below the minimum 12")
 * instead of a stack trace.
 */
export class CaptureFormatError extends Error {
  override readonly name = 'CaptureFormatError';

  constructor(
    /** The file as the user named it. */
    readonly file: string,
    /** Byte offset of the bad structure (in the decompressed data when the file is gzip'd). */
    readonly offset: number,
    /** What is wrong, for people. */
    readonly reason: string,
  ) {
    super(`${file}: byte ${offset}: ${reason}`);
  }
}

/** Thrown by the pure parsers, which do not know the file's name; the reader adds it. */
export class MalformedCapture extends Error {
  constructor(
    readonly offset: number,
    readonly reason: string,
  ) {
    super(`byte ${offset}: ${reason}`);
  }
}
