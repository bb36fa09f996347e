/**
 * Which reader reads a file: each reader looks at the first bytes and says how sure it is; the
 * surest wins. `--format NAME` skips the guessing. A file nothing recognises is the user's to
 * check: a DataFileError (exit 2) naming the file and the formats there are.
 */
import { open } from 'node:fs/promises';
import { DataFileError } from '../config/data-file-error.js';
import type { EvidenceReader } from '../evidence/source.js';

export const HEAD_BYTES = 64 * 1024;

export async function readHead(file: string): Promise<Buffer> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    throw new DataFileError(file, [`cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`]);
  }
  try {
    const buffer = Buffer.alloc(HEAD_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, HEAD_BYTES, 0);
    return buffer.subarray(0, bytesRead);
  } catch (error) {
    throw new DataFileError(file, [`cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`]);
  } finally {
    await handle.close();
  }
}

export function formatNames(readers: readonly EvidenceReader[]): string {
  return readers.map((reader) => reader.format).join(', ');
}

export function chooseReader(readers: readonly EvidenceReader[], file: string, head: Buffer, forced?: string): EvidenceReader {
  if (forced !== undefined) {
    const reader = readers.find((candidate) => candidate.format === forced);
    if (!reader) throw new DataFileError(file, [`--format ${forced} is not a format ftp-doctor reads (formats: ${formatNames(readers)})`]);
    return reader;
  }
  if (head.length === 0) throw new DataFileError(file, ['is empty']);
  let best: { reader: EvidenceReader; score: number } | undefined;
  for (const reader of readers) {
    const score = reader.detect(head, file);
    if (score > 0 && (!best || score > best.score)) best = { reader, score };
  }
  if (!best) throw new DataFileError(file, [`is not a packet capture or a log format ftp-doctor knows (formats: ${formatNames(readers)}; --format NAME forces one)`]);
  return best.reader;
}
