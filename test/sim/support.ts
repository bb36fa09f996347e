/** Test helpers for the simulator: bounded waits on streams (bounded by the test's own timeout). */
import { once } from 'node:events';
import type { Duplex } from 'node:stream';

/** Collects what the stream delivers until `predicate` holds for the text so far. */
export function readUntil(stream: Duplex, predicate: (text: string) => boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (chunk: Buffer): void => {
      text += chunk.toString('latin1');
      if (predicate(text)) {
        cleanup();
        resolve(text);
      }
    };
    const onEnd = (): void => {
      cleanup();
      reject(new Error(`stream ended before the expected text; got ${JSON.stringify(text)}`));
    };
    const cleanup = (): void => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', reject);
    };
    stream.on('data', onData);
    stream.once('end', onEnd);
    stream.once('error', reject);
  });
}

export async function readAll(stream: Duplex): Promise<Buffer> {
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  await once(stream, 'end');
  return Buffer.concat(chunks);
}

/** Whether a promise is still pending after the event loop ran a few rounds. */
export async function isPending(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  for (let round = 0; round < 10; round += 1) await new Promise((resolve) => setImmediate(resolve));
  return !settled;
}
