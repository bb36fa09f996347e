/**
 * The CLI's one choke point for text that is not a report: every write to stdout and stderr
 * (error messages, warnings, the progress line, serve's log, yargs' own messages) has every
 * password the process knows removed (see report/secrets.ts). Installed once by main.ts. Its own
 * small module so that the entry point does not load the renderers to install it.
 */
import { redactSecrets } from '../report/secrets.js';

type Write = NodeJS.WriteStream['write'];
const unguardedWrites = new WeakMap<NodeJS.WriteStream, Write>();

export function guardStream(stream: NodeJS.WriteStream): void {
  if (unguardedWrites.has(stream)) return;
  const write = stream.write.bind(stream) as Write;
  unguardedWrites.set(stream, write);
  stream.write = ((chunk: unknown, ...rest: unknown[]) => {
    const encoding = typeof rest[0] === 'string' ? rest[0] : 'utf8';
    const textual = encoding === 'utf8' || encoding === 'utf-8';
    const text = typeof chunk === 'string' && textual ? redactSecrets(chunk) : chunk instanceof Uint8Array && textual ? redactSecrets(Buffer.from(chunk).toString('utf8')) : chunk;
    return (write as (...args: unknown[]) => boolean)(text, ...rest);
  }) as Write;
}

/**
 * Writes past the guard. Only for the JSON report, already redacted field by field in the model:
 * a password such as `2121` or `true` must not turn its numbers and literals into `***`.
 */
export function writeUnguarded(stream: NodeJS.WriteStream, text: string): void {
  (unguardedWrites.get(stream) ?? stream.write.bind(stream))(text);
}
