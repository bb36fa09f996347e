/**
 * Where TLS ends and clear text begins in one direction of a byte stream (CCC, RFC 4217 §12.3).
 * Pure. After CCC the peer sends its last TLS records (its reply, its close_notify) and then FTP
 * text on the same TCP connection, possibly in the same segment. Records are self-delimiting
 * (5-byte header: content type 20–24, version 0x03 0x00–0x04, 16-bit length), so following the
 * record boundaries finds the first byte that is not a record header; FTP text never starts with
 * bytes 0x14–0x18, so that byte is where the clear text starts.
 */

export const RECORD_HEADER_BYTES = 5;
/** TLS 1.2 allows a ciphertext of 2^14 + 2048 bytes (RFC 5246 §6.2.3); TLS 1.3 less. */
export const MAX_RECORD_BODY_BYTES = 16384 + 2048;

const EMPTY = Buffer.alloc(0);

export type HeaderVerdict = 'record' | 'partial' | 'clear';

/** Classify the bytes at a record boundary (1 to 5 of them). */
export function classifyRecordHeader(bytes: Uint8Array): HeaderVerdict {
  const type = bytes[0];
  if (type === undefined) return 'partial';
  // change_cipher_spec, alert, handshake, application_data, heartbeat.
  if (type < 20 || type > 24) return 'clear';
  if (bytes.length >= 2 && bytes[1] !== 0x03) return 'clear';
  if (bytes.length >= 3 && (bytes[2] ?? 0) > 0x04) return 'clear';
  if (bytes.length < RECORD_HEADER_BYTES) return 'partial';
  const length = ((bytes[3] ?? 0) << 8) | (bytes[4] ?? 0);
  return length > MAX_RECORD_BODY_BYTES ? 'clear' : 'record';
}

export interface SplitResult {
  /** Whole or partial TLS records, in order. */
  tls: Buffer;
  /** Bytes from the first non-record byte on; everything after that is clear text too. */
  clear: Buffer;
}

/**
 * Splits incoming bytes into TLS records and the clear text that follows them. A record header
 * that has arrived only in part is held back until it can be classified (at most 4 bytes).
 */
export class TlsRecordSplitter {
  /** Body bytes of the current record still to come. */
  private remaining = 0;
  /** A record header seen only in part. */
  private header: Buffer = EMPTY;
  private clearStarted = false;

  /** The clear text has started: every later byte is clear text. */
  get inClear(): boolean {
    return this.clearStarted;
  }

  /** Bytes held back (an incomplete header), e.g. to hand to TLS when the stream ends. */
  takeHeld(): Buffer {
    const held = this.header;
    this.header = EMPTY;
    return held;
  }

  push(chunk: Buffer): SplitResult {
    if (this.clearStarted) return { tls: EMPTY, clear: chunk };
    const records: Buffer[] = [];
    let offset = 0;
    while (offset < chunk.length) {
      if (this.remaining > 0) {
        const take = Math.min(this.remaining, chunk.length - offset);
        records.push(chunk.subarray(offset, offset + take));
        offset += take;
        this.remaining -= take;
        continue;
      }
      const wanted = chunk.subarray(offset, offset + RECORD_HEADER_BYTES - this.header.length);
      const candidate = this.header.length > 0 ? Buffer.concat([this.header, wanted]) : wanted;
      const verdict = classifyRecordHeader(candidate);
      if (verdict === 'clear') {
        this.clearStarted = true;
        const clear = this.header.length > 0 ? Buffer.concat([this.header, chunk.subarray(offset)]) : chunk.subarray(offset);
        this.header = EMPTY;
        return { tls: join(records), clear };
      }
      offset += wanted.length;
      if (verdict === 'partial') {
        // Copy: the caller may reuse the chunk's memory.
        this.header = Buffer.from(candidate);
        break;
      }
      records.push(candidate);
      this.header = EMPTY;
      this.remaining = candidate.readUInt16BE(3);
    }
    return { tls: join(records), clear: EMPTY };
  }
}

function join(parts: Buffer[]): Buffer {
  if (parts.length === 0) return EMPTY;
  return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
}
