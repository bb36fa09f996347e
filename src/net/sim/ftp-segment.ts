/**
 * What an FTP inspection helper (nf_conntrack_ftp, Windows StatefulFtp) recognises in one TCP
 * segment. Pure. Like the real helpers it looks only at the line that *starts* the segment: a 227
 * that follows another reply in the same segment is invisible, and TLS ciphertext never parses.
 * Values are parsed by src/ftp/passive.ts; this file adds where the address text sits (`span`,
 * byte offsets) so the NAT helper can rewrite it as nf_nat_ftp does.
 */
import {
  formatEprtArgument,
  formatPortArgument,
  parseEprtArgument,
  parseEpsvReply,
  parsePasvReply,
  parsePortArgument,
} from '../../ftp/passive.js';

/** Byte offsets [start, end) of the address text inside the segment. */
export type Span = readonly [number, number];

export type Observation =
  | { kind: 'port'; host: string; port: number; span: Span }
  | { kind: 'eprt'; host: string; port: number; span: Span }
  | { kind: 'pasv'; host: string; port: number; span: Span }
  | { kind: 'epsv'; port: number }
  | { kind: 'auth-tls'; command: string };

/** Which side wrote the segment: the one that opened the control connection, or the server. */
export type Sender = 'client' | 'server';

export interface ObserveOptions {
  /** false models an old helper that knows neither EPSV/229 nor EPRT. */
  epsv: boolean;
}

const SIX_NUMBERS = /\d+\s*,\s*\d+\s*,\s*\d+\s*,\s*\d+\s*,\s*\d+\s*,\s*\d+/;

/** The first line of the segment, without its terminator; undefined when it is not complete. */
function firstLine(text: string): string | undefined {
  const end = text.indexOf('\n');
  if (end < 0) return undefined;
  return text.slice(0, end).replace(/\r$/, '');
}

export function observeSegment(segment: Buffer, sender: Sender, options: ObserveOptions): Observation | undefined {
  // latin1 keeps one character per byte, so string offsets are byte offsets.
  const line = firstLine(segment.toString('latin1'));
  if (line === undefined) return undefined;
  return sender === 'client' ? observeCommand(line, options) : observeReply(line, options);
}

function observeCommand(line: string, options: ObserveOptions): Observation | undefined {
  const command = /^([A-Za-z]{3,4})(?: +(.*))?$/.exec(line);
  if (!command) return undefined;
  const verb = (command[1] ?? '').toUpperCase();
  const argument = command[2] ?? '';
  const argumentStart = line.length - argument.length;
  const trimmed = argument.trim();
  const span: Span = [argumentStart + argument.indexOf(trimmed), argumentStart + argument.indexOf(trimmed) + trimmed.length];
  if (verb === 'AUTH' && /^(TLS|SSL|TLS-C|TLS-P)$/i.test(trimmed)) return { kind: 'auth-tls', command: line };
  if (verb === 'PORT') {
    const result = parsePortArgument(trimmed);
    return result.ok ? { kind: 'port', host: result.value.host, port: result.value.port, span } : undefined;
  }
  if (verb === 'EPRT' && options.epsv) {
    const result = parseEprtArgument(trimmed);
    return result.ok ? { kind: 'eprt', host: result.value.host, port: result.value.port, span } : undefined;
  }
  return undefined;
}

function observeReply(line: string, options: ObserveOptions): Observation | undefined {
  // "227 " with a space: the last line of a reply. "227-" continuation lines are not matched.
  if (line.startsWith('227 ')) {
    const match = SIX_NUMBERS.exec(line);
    if (!match) return undefined;
    const result = parsePasvReply(match[0]);
    if (!result.ok) return undefined;
    return { kind: 'pasv', host: result.value.host, port: result.value.port, span: [match.index, match.index + match[0].length] };
  }
  if (line.startsWith('229 ') && options.epsv) {
    const result = parseEpsvReply(line.slice(4));
    return result.ok ? { kind: 'epsv', port: result.value } : undefined;
  }
  return undefined;
}

/** The segment with the observed address replaced (nf_nat_ftp mangling); the length may change. */
export function rewriteSegment(segment: Buffer, observation: Observation, host: string, port: number): Buffer {
  if (observation.kind === 'epsv' || observation.kind === 'auth-tls') return segment;
  const text = observation.kind === 'eprt' ? formatEprtArgument(host, port) : formatPortArgument(host, port);
  const [start, end] = observation.span;
  return Buffer.concat([segment.subarray(0, start), Buffer.from(text, 'latin1'), segment.subarray(end)]);
}
