/**
 * The first bytes a peer sent, kept as evidence of *what* answered when it was not an FTP reply
 * (an SSH banner, an HTTP response, TLS records). Bounded: only the first FIRST_BYTES_LIMIT bytes.
 */

export const FIRST_BYTES_LIMIT = 160;

export class FirstBytes {
  private readonly chunks: Buffer[] = [];
  private length = 0;

  add(chunk: Buffer): void {
    if (this.length >= FIRST_BYTES_LIMIT) return;
    const part = Buffer.from(chunk.subarray(0, FIRST_BYTES_LIMIT - this.length));
    this.chunks.push(part);
    this.length += part.length;
  }

  get empty(): boolean {
    return this.length === 0;
  }

  /** Printable text: ASCII as is, CR/LF as \r \n, every other byte as \xNN. */
  text(): string {
    return printable(Buffer.concat(this.chunks));
  }
}

export function printable(bytes: Buffer): string {
  let text = '';
  for (const byte of bytes) {
    if (byte === 0x0d) text += '\\r';
    else if (byte === 0x0a) text += '\\n';
    else if (byte >= 0x20 && byte < 0x7f && byte !== 0x5c) text += String.fromCharCode(byte);
    else text += `\\x${byte.toString(16).padStart(2, '0')}`;
  }
  return text;
}
