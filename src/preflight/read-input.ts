/**
 * One named file's bytes into what preflight reads from it: the text checked (input-text.ts),
 * its kind (forced or detected), then its reader. Pure: the CLI reads the bytes and hands over the
 * way to read a ProFTPD Include. Throws FirewallParseError (`file:line: reason`) for a file that
 * cannot be read at all, and KindUnknownError when no reader fits.
 */
import { detectKind, isServerKind, parseServerKind, type InputKind } from './detect.js';
import { readFirewallFile, type FirewallFacts } from './firewalls/index.js';
import { decodeInput } from './input-text.js';
import type { InputFacts } from './model.js';
import type { IncludeReader } from './servers/proftpd.js';

export type ReadInput = { kind: InputKind; input: InputFacts; firewall?: undefined } | { kind: InputKind; firewall: FirewallFacts; input?: undefined };

export class KindUnknownError extends Error {
  constructor(readonly file: string) {
    super(`${file}: cannot tell what kind of file this is`);
    this.name = 'KindUnknownError';
  }
}

export function readInput(file: string, bytes: Uint8Array, forced?: InputKind, readInclude?: IncludeReader): ReadInput {
  const text = decodeInput(file, bytes);
  const kind = forced ?? detectKind(file, text);
  if (!kind) throw new KindUnknownError(file);
  return isServerKind(kind) ? { kind, input: parseServerKind(kind, file, text, readInclude) } : { kind, firewall: readFirewallFile(file, text, kind) };
}
