/** Test helpers: read a fixture (or any file) the way explain will — the most confident log reader. */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import type { ObservedEvent, ObservedSession } from '../../src/evidence/observed.js';
import type { SourceReading } from '../../src/evidence/source.js';
import { LOG_READERS } from '../../src/logs/index.js';

export const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'logs');

export function fixture(name: string): string {
  return join(FIXTURES, name);
}

/** The reader that detects `file` most confidently (ties: the first in LOG_READERS). */
export function detectFormat(file: string): { format: string; score: number } {
  const head = readFileSync(file).subarray(0, 64 * 1024);
  let best = { format: '', score: 0 };
  for (const reader of LOG_READERS) {
    const score = reader.detect(head, file);
    if (score > best.score) best = { format: reader.format, score };
  }
  return best;
}

export async function readLog(file: string, format?: string): Promise<SourceReading> {
  const name = format ?? detectFormat(file).format;
  const reader = LOG_READERS.find((candidate) => candidate.format === name);
  if (!reader) throw new Error(`no reader detects ${file}`);
  return reader.read(file, {});
}

export function events<K extends ObservedEvent['kind']>(session: ObservedSession | undefined, kind: K): Extract<ObservedEvent, { kind: K }>[] {
  return (session?.events ?? []).filter((event): event is Extract<ObservedEvent, { kind: K }> => event.kind === kind);
}

export function allEvents<K extends ObservedEvent['kind']>(reading: SourceReading, kind: K): Extract<ObservedEvent, { kind: K }>[] {
  return reading.sessions.flatMap((session) => events(session, kind));
}

export function lineOf(event: ObservedEvent): number | undefined {
  return event.at.source === 'log' ? event.at.line : undefined;
}

/**
 * A temporary directory for the inputs a test file generates, made before its tests and removed
 * after them (call at the top level of the test file). `write` puts a file in it.
 */
export function scratchDirectory(prefix: string): { path: () => string; write: (name: string, content: Buffer | string) => Promise<string> } {
  let directory = '';
  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), prefix));
  });
  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });
  return {
    path: () => directory,
    write: async (name, content) => {
      const file = join(directory, name);
      await writeFile(file, content);
      return file;
    },
  };
}
