/**
 * One record of a capture file as the file parsers hand it to the decoder: where its bytes are in
 * the window's buffer (no copy), its link type and time. The parsers fill one object in place and
 * the decoder reads it before the next record: no allocation per frame.
 */
export interface RawFrame {
  /** 1-based, every record counted (as Wireshark and tshark number frames). */
  frame: number;
  timeUs: number;
  interfaceId: number;
  linkType: number;
  buffer: Buffer;
  /** Captured bytes are buffer[start, end). */
  start: number;
  end: number;
  /** Length on the wire (end - start is less when the snap length cut the frame). */
  wireLength: number;
  /** Offset of the record in the capture (for messages). */
  offset: number;
}

export function emptyFrame(): RawFrame {
  return { frame: 0, timeUs: 0, interfaceId: 0, linkType: 0, buffer: Buffer.alloc(0), start: 0, end: 0, wireLength: 0, offset: 0 };
}

/** A file parser: the next record out of the window, or undefined when it needs more bytes (window.needed) or the input is done. */
export interface RecordParser {
  /** Fills `frame` and returns true, or returns false having set window.needed (0 = nothing more to read here). */
  next(frame: RawFrame): boolean;
}

/** Largest record or block accepted: anything above is a corrupt length, not a packet. */
export const MAX_RECORD_BYTES = 64 * 1024 * 1024;
