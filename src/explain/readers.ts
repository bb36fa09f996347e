/**
 * Every input format `explain` reads, in one list: each reader detects its format from the first
 * bytes (see EvidenceReader in src/evidence/source.ts); the most confident wins, `--format` forces
 * one by name. Capture readers are in src/capture, log readers in src/logs; each adds itself here.
 *
 * readInputs reads the files a run was given: several files of one log format go to their reader
 * together, which orders them by their times and joins a log's rotated files (src/logs/series.ts).
 */
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { PCAP_READER, PCAPNG_READER } from '../capture/reader.js';
import { DataFileError } from '../config/data-file-error.js';
import type { EvidenceReader, ReadOptions, SourceReading } from '../evidence/source.js';
import { LOG_READERS, readsSeveral } from '../logs/index.js';
import { chooseReader, readHead } from './detect.js';

export const READERS: readonly EvidenceReader[] = [PCAP_READER, PCAPNG_READER, ...LOG_READERS];

export interface Inputs {
  readings: SourceReading[];
  /** Sentences for the summary: files given more than once (read once). */
  notes: string[];
}

/** The file itself, whatever the name it was given by (a relative path, a symbolic link). */
async function identity(file: string): Promise<string> {
  try {
    return await realpath(file);
  } catch {
    return path.resolve(file); // A file that cannot be read says so when it is read.
  }
}

/**
 * The files given, each once: the same file given twice (`a.pcap a.pcap`, `./a.pcap`, a symbolic
 * link to it) would count its sessions twice. Pure apart from resolving the names.
 */
export async function distinctFiles(files: readonly string[]): Promise<{ files: string[]; notes: string[] }> {
  const names = new Map<string, string[]>();
  for (const file of files) {
    const key = await identity(file);
    names.set(key, [...(names.get(key) ?? []), file]);
  }
  const notes = [...names.values()]
    .filter((given) => given.length > 1)
    .map((given) => {
      const spellings = [...new Set(given)];
      const as = spellings.length > 1 ? ` (as ${spellings.slice(0, -1).join(', ')} and ${spellings.at(-1)})` : '';
      return `${given[0]} was given ${given.length === 2 ? 'twice' : `${given.length} times`}${as}: it was read once, its sessions counted once.`;
    });
  return { files: [...names.values()].map((given) => given[0] as string), notes };
}

/**
 * One reading per file, each file read once. The readings of a group of files of one log format
 * come where its first file was given, in the order the reader puts them in (their times); the
 * rest keep the order given.
 */
export async function readInputs(given: readonly string[], options: ReadOptions & { format?: string }, readers: readonly EvidenceReader[]): Promise<Inputs> {
  const { files, notes } = await distinctFiles(given);
  const chosen: Array<{ file: string; reader: EvidenceReader }> = [];
  for (const file of files) chosen.push({ file, reader: chooseReader(readers, file, await readHead(file), options.format) });
  const readings: SourceReading[] = [];
  const taken = new Set<number>();
  for (const [index, { file, reader }] of chosen.entries()) {
    if (taken.has(index)) continue;
    if (!readsSeveral(reader)) {
      readings.push(await withFileNamed(file, () => reader.read(file, options)));
      continue;
    }
    const group = [...chosen.entries()].filter(([other, entry]) => other >= index && entry.reader === reader);
    for (const [other] of group) taken.add(other);
    readings.push(...(await withFileNamed(file, () => reader.readFiles(group.map(([, entry]) => entry.file), options))));
  }
  return { readings, notes };
}

/** A reader's typed error already names the place (offset, line): keep its words, name the file once (exit 2). */
async function withFileNamed<T>(file: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof DataFileError) throw error;
    // Errors of a group of files name the one at fault.
    const named = (error as { file?: unknown }).file;
    const at = typeof named === 'string' ? named : file;
    const message = error instanceof Error ? error.message : String(error);
    throw new DataFileError(at, [message.startsWith(at) ? message.slice(at.length).replace(/^[:\s]+/, '') : message]);
  }
}
