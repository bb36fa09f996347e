/** Test helper: write bytes to a temporary file and read every item back. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { readCapture, type CaptureStats, type ReadCaptureOptions } from '../../../src/capture/read/index.js';
import type { CaptureItem, CapturedSegment } from '../../../src/capture/segment.js';

const directory = mkdtempSync(join(tmpdir(), 'capture-read-'));
let count = 0;

export function tempCapture(bytes: Buffer, name = 'capture', gzip = false): string {
  count += 1;
  const file = join(directory, `${count}-${name}`);
  writeFileSync(file, gzip ? gzipSync(bytes) : bytes);
  return file;
}

export function removeTempCaptures(): void {
  rmSync(directory, { recursive: true, force: true });
}

export async function readAll(file: string, options: ReadCaptureOptions = {}): Promise<{ items: CaptureItem[]; stats: CaptureStats }> {
  const stats: CaptureStats = { compressed: false, frames: 0, bytes: 0 };
  const items: CaptureItem[] = [];
  for await (const item of readCapture(file, { ...options, stats })) items.push(item);
  return { items, stats };
}

export function segments(items: CaptureItem[]): CapturedSegment[] {
  return items.flatMap((item) => (item.kind === 'tcp' ? [item.segment] : []));
}

/** The error readCapture throws for a file, or undefined when it reads. */
export async function readError(file: string, options: ReadCaptureOptions = {}): Promise<unknown> {
  try {
    await readAll(file, options);
    return undefined;
  } catch (error) {
    return error;
  }
}
